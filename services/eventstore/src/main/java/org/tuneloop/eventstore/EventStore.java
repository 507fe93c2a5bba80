package org.tuneloop.eventstore;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** The PostgreSQL event store (docs/architecture.md). */
public final class EventStore {

  // Constraint names from db/migration/V1__events.sql.
  static final String EVENT_ID_CONSTRAINT = "events_event_id_key";
  static final String STREAM_VERSION_CONSTRAINT = "events_stream_version_key";
  static final String UNIQUE_VIOLATION = "23505";
  // ExpectedVersion.Any has no conflict to report, so a lost race is simply tried again.
  private static final int ANY_ATTEMPTS = 5;

  private static final String LAST_OF_STREAM =
      "select version, hash from events where stream_id = $1 order by version desc limit 1";
  // The stored event of a batch whose first id exists: the latest of its ids is the first append's result.
  private static final String PRIOR_APPEND =
      "select stream_id, version, position from events"
          + " where event_id = any($1) and exists (select 1 from events where event_id = $2)"
          + " order by position desc limit 1";
  private static final String INSERT =
      "insert into events (stream_id, version, event_id, type, schema_version, data, metadata, recorded_at,"
          + " prev_hash, hash, hash_version) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning position";
  private static final String READ_STREAM =
      "select " + StoredEvent.COLUMNS + " from events where stream_id = $1 and version > $2 order by version";
  private static final String READ_STREAM_PAGE = READ_STREAM + " limit $3";
  private static final String READ_STREAM_DATA =
      "select " + EventData.COLUMNS + " from events where stream_id = $1 and version > $2 order by version";
  // Every stream present, whatever is missing from it: its last version and that event's hash.
  private static final String HEADS =
      "select distinct on (stream_id) stream_id, version, hash from events where starts_with(stream_id, $1)"
          + " order by stream_id, version desc";
  private static final String FIRST_EVENTS =
      "select " + StoredEvent.COLUMNS + " from events where version = 1 and starts_with(stream_id, $1)";
  private static final String FIND = "select " + StoredEvent.COLUMNS + " from events where event_id = $1";
  // Reading everything without gaps (docs/architecture.md): only transactions below the snapshot's xmin are finished.
  private static final String READ_ALL =
      "select " + StoredEvent.COLUMNS + " from events"
          + " where (events.tx_id, position) > ($1::text::xid8, $2)"
          + " and events.tx_id < pg_snapshot_xmin(pg_current_snapshot())"
          + " order by events.tx_id, position limit $3";
  // Every stream has a version 1, so that row names it once; "C" orders by code point on any server.
  private static final String STREAM_IDS =
      "select stream_id from events where version = 1 and starts_with(stream_id, $1)"
          + " order by stream_id collate \"C\"";

  // Wakes followers of the log (LISTEN events). Its own transaction, after the append's commit and without waiting
  // for the WAL flush: a NOTIFY inside the append's transaction would hold PostgreSQL's one notify lock from its
  // commit through the flush, and so keep appends from committing together. A lost notification costs a follower
  // at most its poll interval.
  static final String CHANNEL = "events";
  private static final String NOTIFY =
      "select set_config('synchronous_commit', 'off', true), pg_notify('" + CHANNEL + "', '')";

  /**
   * The least time between two notifications of one process, when it has a Vert.x to time them by. At hundreds of
   * appends a second, one notification per commit (and one read of the log by every follower after it) is work the
   * database does per rating; spaced, a follower learns of a commit at most this much later, and reads the commits
   * of that time in one page.
   */
  public static final long NOTIFY_SPACING_MS = 25;

  private final Pool pool;
  private final io.vertx.core.Vertx vertx;
  // One notification in flight (or waiting for its time) at a time; appends committed meanwhile are covered by one
  // more after it.
  private final java.util.concurrent.atomic.AtomicBoolean notifying = new java.util.concurrent.atomic.AtomicBoolean();
  private final java.util.concurrent.atomic.AtomicBoolean notifyPending = new java.util.concurrent.atomic.AtomicBoolean();
  private volatile long lastNotifiedMillis = Long.MIN_VALUE / 2;

  private final Snapshots snapshots;

  /** A store that notifies followers after each commit, at once (tests, tools). */
  public EventStore(Pool pool) {
    this(pool, null);
  }

  /** A store whose notifications are at least {@link #NOTIFY_SPACING_MS} apart, timed on {@code vertx}. */
  public EventStore(Pool pool, io.vertx.core.Vertx vertx) {
    this.pool = Objects.requireNonNull(pool, "pool");
    this.vertx = vertx;
    this.snapshots = new Snapshots(pool);
  }

  /** The snapshots of states folded from streams, over the same database: a cache, never the truth. */
  public Snapshots snapshots() { return snapshots; }

  /** Tells followers of the log that something committed; coalesced, never failing the caller. */
  private void notifyFollowers() {
    notifyPending.set(true);
    if (!notifying.compareAndSet(false, true)) return;
    long wait = vertx == null ? 0 : lastNotifiedMillis + NOTIFY_SPACING_MS - System.nanoTime() / 1_000_000;
    if (wait > 0) {
      vertx.setTimer(wait, t -> sendNotification());
    } else {
      sendNotification();
    }
  }

  private void sendNotification() {
    notifyPending.set(false);
    lastNotifiedMillis = System.nanoTime() / 1_000_000;
    pool.query(NOTIFY).execute().onComplete(done -> {
      notifying.set(false);
      if (notifyPending.get()) notifyFollowers();
    });
  }

  private <T> Future<T> notifyingAfter(Future<T> committed, java.util.function.Predicate<T> wrote) {
    return committed.onSuccess(result -> {
      if (wrote.test(result)) notifyFollowers();
    });
  }

  /**
   * Appends atomically, chaining hashes. Fails with {@link VersionConflict} when the stream is not at
   * {@code expected}; succeeds with {@code duplicate = true}, writing nothing, when the first event id exists.
   * A duplicate answers with the first append's stream, last version and last position, whatever the expected
   * version of the retry, and also when the retry raced the first append. {@link ExpectedVersion.Any} retries a
   * lost race a few times. Malformed input (no events, an id twice, a blank type) fails with IllegalArgumentException.
   */
  public Future<AppendResult> append(String streamId, ExpectedVersion expected, List<NewEvent> events) {
    return notifyingAfter(withValidated(streamId, expected, events, batch -> attempt(streamId, expected, batch, 1)),
        result -> !result.duplicate());
  }

  /** Checks the batch, then appends it; malformed input fails the future, never throws. */
  private static <T> Future<T> withValidated(String streamId, ExpectedVersion expected, List<NewEvent> events,
                                             java.util.function.Function<List<NewEvent>, Future<T>> append) {
    List<NewEvent> batch;
    try {
      batch = validated(streamId, expected, events);
    } catch (IllegalArgumentException | NullPointerException e) {
      return Future.failedFuture(e);
    }
    return append.apply(batch);
  }

  private Future<AppendResult> attempt(String streamId, ExpectedVersion expected, List<NewEvent> events, int attempt) {
    return pool.withTransaction(conn -> appendIn(conn, streamId, expected, events))
        .recover(failure -> lostRace(streamId, expected, events, failure,
            () -> attempt < ANY_ATTEMPTS ? attempt(streamId, expected, events, attempt + 1) : null));
  }

  /**
   * Appends after the head the caller holds, in one round trip: the rows go in one pipelined batch that PostgreSQL
   * runs as one implicit transaction, with no read before it. The unique constraints do the checking: a stream
   * that moved past the head fails with {@link VersionConflict}, and a batch whose first event id is stored
   * answers as a duplicate, as {@link #append} does. The result carries the new head for the next append.
   */
  public Future<Appended> appendAfter(String streamId, StreamHead head, List<NewEvent> events) {
    if (head == null) return Future.failedFuture(new IllegalArgumentException("no stream head"));
    ExpectedVersion expected = ExpectedVersion.exact(head.version());
    return notifyingAfter(withValidated(streamId, expected, events, batch -> {
      Chained chained = chain(streamId, head.version(), head.hash(), batch);
      return pool.preparedQuery(INSERT).executeBatch(chained.rows())
          .map(inserted -> new Appended(
              new AppendResult(streamId, chained.head().version(), lastPosition(inserted), false), chained.head()))
          .recover(failure -> lostRace(streamId, expected, batch, failure, () -> null)
              .map(prior -> new Appended(prior, null)));
    }), appended -> !appended.result().duplicate());
  }

  /** The result of {@link #appendAfter}: the append's, and the stream's new head (null for a duplicate). */
  public record Appended(AppendResult result, StreamHead head) {}

  /**
   * After a failed append: a racing writer committed first. If it stored these very events, this is a retry that
   * lost the race (seen as a unique violation, or as a stream already past the expected version), answered as a
   * duplicate. Otherwise a version conflict, unless {@code again} tries once more (it gives null when it will not).
   */
  private Future<AppendResult> lostRace(String streamId, ExpectedVersion expected, List<NewEvent> events,
                                        Throwable failure, java.util.function.Supplier<Future<AppendResult>> again) {
    boolean conflict = failure instanceof VersionConflict;
    boolean unique = failure instanceof PgException pg && UNIQUE_VIOLATION.equals(pg.getSqlState());
    if (!conflict && !unique) return Future.failedFuture(failure);
    return priorAppend(pool, events).compose(prior -> {
      if (prior.isPresent()) return Future.succeededFuture(prior.get());
      if (conflict) return Future.failedFuture(failure);
      PgException pg = (PgException) failure;
      if (STREAM_VERSION_CONSTRAINT.equals(pg.getConstraint())) {
        Future<AppendResult> retry = expected instanceof ExpectedVersion.Any ? again.get() : null;
        return retry != null ? retry : Future.failedFuture(new VersionConflict(streamId, expected));
      }
      if (EVENT_ID_CONSTRAINT.equals(pg.getConstraint())) {
        return Future.failedFuture(new IllegalArgumentException(
            "an event id of this batch was stored by a different append (its first event id is new): "
                + pg.getDetail(), pg));
      }
      return Future.failedFuture(failure);
    });
  }

  private static Future<AppendResult> appendIn(SqlConnection conn, String streamId, ExpectedVersion expected,
                                        List<NewEvent> events) {
    return priorAppend(conn, events).compose(prior -> {
      if (prior.isPresent()) return Future.succeededFuture(prior.get());
      return conn.preparedQuery(LAST_OF_STREAM).execute(Tuple.of(streamId)).compose(last -> {
        int lastVersion = 0;
        byte[] prevHash = HashChain.genesis();
        if (last.size() > 0) {
          Row row = last.iterator().next();
          lastVersion = row.getInteger("version");
          prevHash = row.getBuffer("hash").getBytes();
        }
        boolean matches = switch (expected) {
          case ExpectedVersion.NoStream n -> lastVersion == 0;
          case ExpectedVersion.Exact e -> lastVersion == e.version();
          case ExpectedVersion.Any a -> true;
        };
        if (!matches) return Future.failedFuture(new VersionConflict(streamId, expected));
        Chained chained = chain(streamId, lastVersion, prevHash, events);
        return conn.preparedQuery(INSERT).executeBatch(chained.rows()).map(inserted ->
            new AppendResult(streamId, chained.head().version(), lastPosition(inserted), false));
      });
    });
  }

  /** The rows of a batch chained after (version, prevHash), and the stream's head after them. */
  private record Chained(List<Tuple> rows, StreamHead head) {}

  private static Chained chain(String streamId, int lastVersion, byte[] prevHash, List<NewEvent> events) {
    // One recorded time per append, at the precision timestamptz keeps, so the hash survives the round trip.
    Instant recordedAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
    OffsetDateTime recordedAtColumn = OffsetDateTime.ofInstant(recordedAt, ZoneOffset.UTC);
    List<Tuple> rows = new ArrayList<>(events.size());
    int version = lastVersion;
    for (NewEvent event : events) {
      version++;
      JsonObject data = orEmpty(event.data());
      JsonObject metadata = orEmpty(event.metadata());
      byte[] hash = HashChain.hash(HashChain.CURRENT_VERSION, prevHash, streamId, version, event.eventId(),
          event.type(), event.schemaVersion(), recordedAt, data, metadata);
      rows.add(Tuple.tuple()
          .addString(streamId)
          .addInteger(version)
          .addUUID(event.eventId())
          .addString(event.type())
          .addInteger(event.schemaVersion())
          .addValue(data)
          .addValue(metadata)
          .addOffsetDateTime(recordedAtColumn)
          .addBuffer(Buffer.buffer(prevHash))
          .addBuffer(Buffer.buffer(hash))
          .addInteger(HashChain.CURRENT_VERSION));
      prevHash = hash;
    }
    return new Chained(rows, new StreamHead(version, prevHash));
  }

  private static long lastPosition(RowSet<Row> inserted) {
    long lastPosition = -1;
    for (RowSet<Row> rs = inserted; rs != null; rs = rs.next()) {
      for (Row row : rs) lastPosition = row.getLong("position");
    }
    return lastPosition;
  }

  /**
   * Runs {@code work} in one transaction: appends to several streams land together or not at all. For streams that
   * many writers contend for at a low rate (a study's own stream, at enrolment), {@link Transaction#lock} serialises
   * them instead of letting each retry a version conflict.
   */
  public <T> Future<T> transaction(java.util.function.Function<Transaction, Future<T>> work) {
    java.util.concurrent.atomic.AtomicBoolean appended = new java.util.concurrent.atomic.AtomicBoolean();
    return notifyingAfter(pool.withTransaction(conn -> work.apply(new Transaction(conn, appended))),
        result -> appended.get());
  }

  /** The calls allowed inside {@link #transaction}. */
  public static final class Transaction {
    private final SqlConnection conn;
    private final java.util.concurrent.atomic.AtomicBoolean appended;

    private Transaction(SqlConnection conn, java.util.concurrent.atomic.AtomicBoolean appended) {
      this.conn = conn;
      this.appended = appended;
    }

    /** Holds the stream's lock until the transaction ends; reads after it see every earlier holder's commit. */
    public Future<Void> lock(String streamId) {
      return conn.preparedQuery("select pg_advisory_xact_lock(hashtextextended($1, 0))").execute(Tuple.of(streamId))
          .mapEmpty();
    }

    public Future<List<StoredEvent>> readStream(String streamId, int afterVersion) {
      return conn.preparedQuery(READ_STREAM).mapping(StoredEvent::fromRow)
          .execute(Tuple.of(streamId, afterVersion)).map(EventStore::toList);
    }

    /** Appends as {@link EventStore#append} does, inside this transaction (a conflict fails the transaction). */
    public Future<AppendResult> append(String streamId, ExpectedVersion expected, List<NewEvent> events) {
      return withValidated(streamId, expected, events, batch -> appendIn(conn, streamId, expected, batch))
          .onSuccess(result -> appended.set(true));
    }

    /** The connection, for writes of the same transaction outside the event log (tokens, entry records). */
    public SqlConnection connection() { return conn; }
  }

  /** The result of the append that stored this batch's first event id, if one did. */
  private static Future<Optional<AppendResult>> priorAppend(SqlClient client, List<NewEvent> events) {
    UUID[] ids = events.stream().map(NewEvent::eventId).toArray(UUID[]::new);
    return client.preparedQuery(PRIOR_APPEND).execute(Tuple.of(ids, ids[0])).map(rows -> {
      if (rows.size() == 0) return Optional.empty();
      Row row = rows.iterator().next();
      return Optional.of(new AppendResult(row.getString("stream_id"), row.getInteger("version"),
          row.getLong("position"), true));
    });
  }

  /** The stream's events with version > afterVersion, in order. */
  public Future<List<StoredEvent>> readStream(String streamId, int afterVersion) {
    return pool.preparedQuery(READ_STREAM).mapping(StoredEvent::fromRow)
        .execute(Tuple.of(streamId, afterVersion))
        .map(EventStore::toList);
  }

  /** The stream's events with version > afterVersion, in order, as much of them as folding a state needs. */
  public Future<List<EventData>> readStreamData(String streamId, int afterVersion) {
    return pool.preparedQuery(READ_STREAM_DATA).mapping(EventData::fromRow)
        .execute(Tuple.of(streamId, afterVersion))
        .map(EventStore::toList);
  }

  /** Up to {@code limit} of the stream's events with version > afterVersion, in order (a page of a long stream). */
  public Future<List<StoredEvent>> readStream(String streamId, int afterVersion, int limit) {
    if (limit < 1) return Future.failedFuture(new IllegalArgumentException("limit must be positive: " + limit));
    return pool.preparedQuery(READ_STREAM_PAGE).mapping(StoredEvent::fromRow)
        .execute(Tuple.of(streamId, afterVersion, limit))
        .map(EventStore::toList);
  }

  /**
   * The head (last version and its hash) of every stream whose id starts with the prefix, in stream id order; unlike
   * {@link #streamIds}, a stream whose first event is missing is listed too.
   */
  public Future<List<Checkpoints.Head>> heads(String prefix) {
    return pool.preparedQuery(HEADS)
        .mapping(row -> new Checkpoints.Head(row.getString(0), row.getInteger(1), row.getBuffer(2).getBytes()))
        .execute(Tuple.of(prefix == null ? "" : prefix))
        .map(EventStore::toList);
  }

  /** The first event (version 1) of every stream whose id starts with the prefix, in no particular order. */
  public Future<List<StoredEvent>> firstEvents(String prefix) {
    return pool.preparedQuery(FIRST_EVENTS).mapping(StoredEvent::fromRow)
        .execute(Tuple.of(prefix == null ? "" : prefix))
        .map(EventStore::toList);
  }

  public Future<Optional<StoredEvent>> find(UUID eventId) {
    return pool.preparedQuery(FIND).mapping(StoredEvent::fromRow)
        .execute(Tuple.of(eventId))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next()));
  }

  /** Up to {@code limit} events after the cursor, from finished transactions only, never skipping a late commit. */
  public Future<LogPage> readAll(Cursor after, int limit) {
    if (after == null) return Future.failedFuture(new IllegalArgumentException("no cursor"));
    if (limit < 1) return Future.failedFuture(new IllegalArgumentException("limit must be positive: " + limit));
    return pool.preparedQuery(READ_ALL).mapping(StoredEvent::fromRow)
        .execute(Tuple.of(Long.toString(after.txId()), after.position(), limit))
        .map(rows -> {
          List<StoredEvent> events = toList(rows);
          Cursor next = events.isEmpty() ? after : events.getLast().cursor();
          return new LogPage(events, next);
        });
  }

  /** Ids of the streams whose id starts with the prefix, in order (of code points). */
  public Future<List<String>> streamIds(String prefix) {
    return pool.preparedQuery(STREAM_IDS).mapping(row -> row.getString(0))
        .execute(Tuple.of(prefix == null ? "" : prefix))
        .map(EventStore::toList);
  }

  public record LogPage(List<StoredEvent> events, Cursor next) {}

  private static <T> List<T> toList(RowSet<T> rows) {
    List<T> list = new ArrayList<>(rows.size());
    rows.forEach(list::add);
    return List.copyOf(list);
  }

  private static JsonObject orEmpty(JsonObject json) { return json == null ? new JsonObject() : json; }

  private static List<NewEvent> validated(String streamId, ExpectedVersion expected, List<NewEvent> events) {
    if (streamId == null || streamId.isBlank()) throw new IllegalArgumentException("stream id is blank");
    if (expected == null) throw new IllegalArgumentException("no expected version");
    if (expected instanceof ExpectedVersion.Exact(int v) && v < 0) {
      throw new IllegalArgumentException("expected version is negative: " + v);
    }
    if (events == null || events.isEmpty()) throw new IllegalArgumentException("nothing to append");
    Set<UUID> ids = new HashSet<>();
    for (NewEvent e : events) {
      if (e == null || e.eventId() == null) throw new IllegalArgumentException("event without id");
      if (e.type() == null || e.type().isBlank()) throw new IllegalArgumentException("event " + e.eventId() + " has no type");
      if (!ids.add(e.eventId())) throw new IllegalArgumentException("event id " + e.eventId() + " twice in one append");
    }
    return List.copyOf(events);
  }
}
