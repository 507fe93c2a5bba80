package org.tuneloop.eventstore;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The PostgreSQL event store (DESIGN.md, STYLE.md). */
public final class EventStore {

  public EventStore(Pool pool) { throw new UnsupportedOperationException("contract stub"); }

  /**
   * Appends atomically, chaining hashes. Fails with {@link VersionConflict} when the stream is not at
   * {@code expected}; succeeds with {@code duplicate = true}, writing nothing, when the first event id exists.
   */
  public Future<AppendResult> append(String streamId, ExpectedVersion expected, List<NewEvent> events) {
    throw new UnsupportedOperationException("contract stub");
  }

  /** The stream's events with version > afterVersion, in order. */
  public Future<List<StoredEvent>> readStream(String streamId, int afterVersion) {
    throw new UnsupportedOperationException("contract stub");
  }

  public Future<Optional<StoredEvent>> find(UUID eventId) { throw new UnsupportedOperationException("contract stub"); }

  /** Up to {@code limit} events after the cursor, from finished transactions only, never skipping a late commit. */
  public Future<LogPage> readAll(Cursor after, int limit) { throw new UnsupportedOperationException("contract stub"); }

  /** Ids of the streams whose id starts with the prefix, in order. */
  public Future<List<String>> streamIds(String prefix) { throw new UnsupportedOperationException("contract stub"); }

  public record LogPage(List<StoredEvent> events, Cursor next) {}
}
