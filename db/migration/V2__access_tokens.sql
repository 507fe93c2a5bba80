-- Bearer tokens, stored only as SHA-256 hashes. Credentials are not study facts, so they live outside the
-- immutable event log (and can be revoked later without touching it).
create table access_tokens (
  token_sha256   bytea primary key,
  role           text not null check (role in ('participant', 'researcher')),
  participant_id text,
  study_id       text,
  created_at     timestamptz not null default now(),
  check ((role = 'participant') = (participant_id is not null))
);
create index access_tokens_participant on access_tokens (participant_id);

grant select, insert on access_tokens to ${appRole};
