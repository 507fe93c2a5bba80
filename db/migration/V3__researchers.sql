-- Researcher accounts, their browser sessions and API tokens, and who may see which study.
-- Credentials are not study facts, so they live outside the immutable event log: a session ends and a token is
-- revoked by changing a row here, and every server process sees it on the next request.

create table researchers (
  id            uuid        primary key,
  email         text        not null check (length(email) between 3 and 254),
  role          text        not null check (role in ('admin', 'researcher')),
  -- pbkdf2-sha256$<iterations>$<salt>$<hash>, so a later change of algorithm or cost can be read beside it.
  password_hash text        not null,
  created_at    timestamptz not null default now()
);
-- One account per address, whatever its case.
create unique index researchers_email_key on researchers (lower(email));

-- A browser session: the cookie's value is a random secret, stored only as its SHA-256 hash.
create table researcher_sessions (
  token_sha256  bytea       primary key,
  researcher_id uuid        not null references researchers (id) on delete cascade,
  csrf_token    text        not null,
  created_at    timestamptz not null default now(),
  expires_at    timestamptz not null,
  last_seen_at  timestamptz not null default now()
);
create index researcher_sessions_researcher on researcher_sessions (researcher_id);

-- Named API tokens for the command line and scripts, stored only as SHA-256 hashes; revoked, never deleted, so
-- a researcher can see which token was used when.
create table api_tokens (
  id            uuid        primary key,
  researcher_id uuid        not null references researchers (id) on delete cascade,
  name          text        not null check (length(name) between 1 and 100),
  token_sha256  bytea       not null unique,
  created_at    timestamptz not null default now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz
);
create index api_tokens_researcher on api_tokens (researcher_id);

-- Who may see and act on a study (admins see every study without a row here).
create table study_members (
  study_id      text        not null,
  researcher_id uuid        not null references researchers (id) on delete cascade,
  role          text        not null check (role in ('owner', 'member')),
  added_at      timestamptz not null default now(),
  primary key (study_id, researcher_id)
);
create index study_members_researcher on study_members (researcher_id);

-- Researchers now authenticate as accounts; the study-wide researcher tokens of V2 no longer open anything.
delete from access_tokens where role = 'researcher';

grant select, insert on researchers to ${appRole};
-- update: last_seen_at; delete: logout and expired sessions.
grant select, insert, update, delete on researcher_sessions to ${appRole};
-- update: last_used_at and revoked_at.
grant select, insert, update on api_tokens to ${appRole};
grant select, insert on study_members to ${appRole};
