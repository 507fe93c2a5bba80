-- Every export, audit view and point-in-time query by a researcher: who, what, when, which study and participant.
-- Kept outside the immutable event log: it records researchers, not study facts, and may be pruned or erased on
-- request without touching the log or `audit verify`.
create table researcher_access (
  id             bigint      generated always as identity primary key,
  at             timestamptz not null default now(),
  -- No reference to researchers: the record outlives a deleted account.
  researcher_id  text        not null,
  researcher_email text,
  action         text        not null check (action in ('audit', 'events', 'export', 'replay')),
  study_id       text        not null,
  participant_id text,
  -- What was asked, e.g. {"after": 0, "limit": 100} for a page of events.
  detail         jsonb       not null default '{}'
);
create index researcher_access_study on researcher_access (study_id, id desc);

grant select, insert on researcher_access to ${appRole};
