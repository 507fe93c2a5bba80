-- The learning views (docs/audit.md) are recorded in the access log like the audit and exports: a participant's
-- learning trace, the provenance of a Q-value, and a study's learning across participants. The point-in-time
-- Q-table is the 'replay' V7 already allows.
alter table researcher_access drop constraint researcher_access_action_check;
alter table researcher_access add constraint researcher_access_action_check
  check (action in ('audit', 'events', 'export', 'replay', 'learning', 'provenance', 'study-learning'));
