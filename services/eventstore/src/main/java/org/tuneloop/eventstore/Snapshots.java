package org.tuneloop.eventstore;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Snapshots of participants' states (db/migration/V10__participant_snapshots.sql): a cache beside the log, never
 * the truth. What a snapshot holds is the caller's (bytes and the code version that wrote them); here is only how
 * it is kept and read together with the events after it, in one round trip.
 */
public final class Snapshots {

  // The snapshot (if one of this code version is past the version the caller holds, and its event is in the log)
  // and the events after it, or after the caller's version when there is none: one statement, one round trip.
  private static final String READ =
      "with s as (select p.version, p.state, e.recorded_at, e.hash from participant_snapshots p"
          + " join events e on e.stream_id = p.stream_id and e.version = p.version"
          + " where p.stream_id = $1 and p.code_version = $3 and p.version > $2)"
          + " select 0 as part, version, null::text as type, null::int as schema_version, null::jsonb as data,"
          + " recorded_at, hash, state from s"
          + " union all"
          + " select 1, " + EventData.COLUMNS + ", null::bytea from events"
          + " where stream_id = $1 and version > coalesce((select version from s), $2)"
          + " order by part, version";
  // One row per stream: a later snapshot, one of the same version (over one that could not be read), or one of
  // another code version replaces it; an earlier one does not.
  private static final String SAVE =
      "insert into participant_snapshots (stream_id, version, code_version, state, taken_at)"
          + " select $1, $2, $3, $4, now() where exists (select 1 from events where stream_id = $1 and version = $2)"
          + " on conflict (stream_id) do update set version = excluded.version, code_version = excluded.code_version,"
          + " state = excluded.state, taken_at = excluded.taken_at"
          + " where participant_snapshots.version <= excluded.version"
          + " or participant_snapshots.code_version <> excluded.code_version";

  private final Pool pool;

  Snapshots(Pool pool) { this.pool = Objects.requireNonNull(pool, "pool"); }

  /** A stored snapshot: the stream version it was taken at, that event's recorded time and hash, and its bytes. */
  public record Snapshot(int version, Instant recordedAt, byte[] hash, byte[] state) {}

  /** A snapshot (null when none is usable) and the stream's events after it (after the caller's version if none). */
  public record Tail(Snapshot snapshot, List<EventData> events) {}

  /**
   * The latest snapshot of this code version taken after {@code afterVersion}, and the events after it; without
   * one, the events after {@code afterVersion}.
   */
  public Future<Tail> read(String streamId, int afterVersion, String codeVersion) {
    return pool.preparedQuery(READ).execute(Tuple.of(streamId, afterVersion, codeVersion)).map(rows -> {
      Snapshot snapshot = null;
      List<EventData> events = new ArrayList<>(rows.size());
      for (Row row : rows) {
        if (row.getInteger(0) == 0) {
          snapshot = new Snapshot(row.getInteger(1), row.getOffsetDateTime(5).toInstant(),
              row.getBuffer(6).getBytes(), row.getBuffer(7).getBytes());
        } else {
          events.add(new EventData(row.getInteger(1), row.getString(2), row.getInteger(3), row.getJsonObject(4),
              row.getOffsetDateTime(5).toInstant(), row.getBuffer(6).getBytes()));
        }
      }
      return new Tail(snapshot, List.copyOf(events));
    });
  }

  /** Keeps a snapshot taken at {@code version} unless a later one of the same code version is kept already. */
  public Future<Void> save(String streamId, int version, String codeVersion, byte[] state) {
    return pool.preparedQuery(SAVE).execute(Tuple.of(streamId, version, codeVersion, Buffer.buffer(state)))
        .mapEmpty();
  }

  /** Forgets every snapshot (they are only a cache): the next loads fold their streams from the start. */
  public Future<Integer> clear() {
    return pool.query("delete from participant_snapshots").execute().map(rows -> rows.rowCount());
  }
}
