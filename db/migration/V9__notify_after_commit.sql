-- Log followers are woken by the writing server after its commit (EventStore), no longer by a trigger inside the
-- writing transaction: a NOTIFY in a transaction takes PostgreSQL's one notify lock at commit and holds it through
-- the WAL flush, so no two appends could commit together (docs/performance.md). Followers also poll each second,
-- so a server of the previous release, still running during an upgrade, is seen within that second.
drop trigger events_notify on events;
drop function events_notify();
