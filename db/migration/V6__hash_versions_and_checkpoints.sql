-- Metadata inside the hash, and checkpoints of every stream's head (docs/audit.md).

-- The hash version each event was hashed with: 1 (without metadata) for every event written so far. The column
-- keeps 1 as its default, so a server of the previous release still running during an upgrade writes rows that
-- verify as what they are; this release writes 2 (with metadata) explicitly.
alter table events add column hash_version int not null default 1;

-- A checkpoint vouches for the head (version and hash) of every stream at a point of the log. Each holds only the
-- heads that moved since the one before (`heads`), the Merkle root of all heads after them (`root`), and is chained
-- to the one before by its hash, so a stream cut below a checkpointed head, or deleted, is caught by the audit.
create table checkpoints (
  id              bigint      primary key check (id >= 1),
  created_at      timestamptz not null,
  created_by      text        not null,
  -- Every event at or before (cursor_tx_id, cursor_position) in the log's gap-free order is covered.
  cursor_tx_id    bigint      not null,
  cursor_position bigint      not null,
  streams         int         not null,
  events          bigint      not null,
  -- [{stream, version, hash}] of the streams whose head moved since the previous checkpoint.
  heads           jsonb       not null,
  root            bytea       not null,
  prev_hash       bytea       not null,
  hash            bytea       not null
);

create trigger checkpoints_no_update_or_delete
  before update or delete on checkpoints
  for each row execute function events_reject_change();

create trigger checkpoints_no_truncate
  before truncate on checkpoints
  for each statement execute function events_reject_change();

grant select, insert on checkpoints to ${appRole};
