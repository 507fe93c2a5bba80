-- How each participant entered a study, and the identifying data that came with it (a personal link's label,
-- Prolific's ids). Kept outside the immutable event log so that it can be erased on request while the log, and
-- `audit verify`, stay whole. The log records only the kind of entry (ParticipantAssigned.entry).
create table participant_entries (
  participant_id text primary key,
  study_id       text not null,
  entry          text not null,
  label          text,
  prolific_pid        text,
  prolific_study_id   text,
  prolific_session_id text,
  -- SHA-256 of study id and PROLIFIC_PID: finds a returning Prolific participant; unique, so two concurrent first
  -- visits of one person cannot enrol them twice.
  prolific_key   bytea,
  created_at     timestamptz not null default now(),
  constraint participant_entries_prolific_key unique (study_id, prolific_key)
);
create index participant_entries_study on participant_entries (study_id);

-- One-time codes that hand a participant's session to a lab computer (kiosk); stored as SHA-256.
create table kiosk_codes (
  code_sha256    bytea primary key,
  participant_id text not null,
  study_id       text not null,
  expires_at     timestamptz not null,
  used_at        timestamptz
);

grant select, insert, delete on participant_entries to ${appRole};
grant select, insert, update on kiosk_codes to ${appRole};
