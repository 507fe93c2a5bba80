-- The append-only event log (DESIGN.md "Event store contract", STYLE.md).
-- Run by Flyway as the owner; ${appRole} and ${appPassword} come from Migrations.

create table events (
  position       bigint generated always as identity primary key,
  -- The writing transaction: readers of the whole log stop below the oldest running one.
  tx_id          xid8        not null default pg_current_xact_id(),
  stream_id      text        not null,
  version        int         not null check (version >= 1),
  event_id       uuid        not null,
  type           text        not null,
  schema_version int         not null,
  data           jsonb       not null,
  metadata       jsonb       not null,
  recorded_at    timestamptz not null,
  prev_hash      bytea       not null,
  hash           bytea       not null,
  -- Named, because the store classifies unique violations by constraint name.
  constraint events_event_id_key unique (event_id),
  constraint events_stream_version_key unique (stream_id, version)
);

create index events_read_all on events (tx_id, position);

-- Immutability is the database's job, not only the code's.
create function events_reject_change() returns trigger language plpgsql as $$
begin
  raise exception 'events are immutable: % is not allowed on %', tg_op, tg_table_name
    using errcode = 'insufficient_privilege';
end
$$;

create trigger events_no_update_or_delete
  before update or delete on events
  for each row execute function events_reject_change();

create trigger events_no_truncate
  before truncate on events
  for each statement execute function events_reject_change();

-- Wakes log followers; the payload is empty, they re-run the gap-free read.
create function events_notify() returns trigger language plpgsql as $$
begin
  perform pg_notify('events', '');
  return null;
end
$$;

create trigger events_notify
  after insert on events
  for each statement execute function events_notify();

-- The application role: roles are cluster-wide, so create it once and keep its password current.
-- A tagged dollar quote lets a password contain "$$"; Migrations rejects one containing the tag itself.
do $app_role$
begin
  if not exists (select 1 from pg_roles where rolname = '${appRole}') then
    begin
      execute format('create role %I login password %L', '${appRole}', '${appPassword}');
    exception when duplicate_object then
      null; -- created meanwhile by a migration of another database
    end;
  end if;
  execute format('alter role %I with login password %L', '${appRole}', '${appPassword}');
  -- An idle open transaction would hold every log reader back.
  execute format('alter role %I set idle_in_transaction_session_timeout = %L', '${appRole}', '30s');
  execute format('grant connect on database %I to %I', current_database(), '${appRole}');
end
$app_role$;

-- PostgreSQL 14 still lets every role create tables in public; 15+ already does not.
revoke create on schema public from public;
grant usage on schema public to ${appRole};
grant select, insert on events to ${appRole};
