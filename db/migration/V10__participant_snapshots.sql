-- A disposable shortcut for folding a participant's stream: the state as of one version, written now and then after
-- an append (docs/architecture.md). Never the truth: the log is. A row whose code_version is not the running code's
-- is ignored (and overwritten at the next snapshot); a row that does not decode is ignored; deleting every row
-- changes nothing but the time the next loads take. The audit never reads this table.
create table participant_snapshots (
  stream_id    text primary key,
  version      integer not null check (version > 0),
  code_version text not null,
  state        bytea not null,
  taken_at     timestamptz not null default now()
);

grant select, insert, update, delete on participant_snapshots to ${appRole};
