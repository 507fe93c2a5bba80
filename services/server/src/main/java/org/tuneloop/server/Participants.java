package org.tuneloop.server;

import com.github.benmanes.caffeine.cache.Caffeine;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.tuneloop.eventstore.EventData;
import org.tuneloop.eventstore.EventStore;
import org.tuneloop.eventstore.ExpectedVersion;
import org.tuneloop.eventstore.NewEvent;
import org.tuneloop.eventstore.Snapshots;
import org.tuneloop.eventstore.StoredEvent;
import org.tuneloop.eventstore.StreamHead;
import org.tuneloop.eventstore.VersionConflict;
import org.tuneloop.study.CommandRejected;
import org.tuneloop.study.Participant;
import org.tuneloop.study.ParticipantCommand;
import org.tuneloop.study.ParticipantDecider;
import org.tuneloop.study.ParticipantEvent;
import org.tuneloop.study.Supervision;

/**
 * The one path by which a participant changes: the cached state (or a load of the stream when none is cached),
 * decide, append after the cached stream head, evolve the cache. The cache is never the truth: the append names the
 * version it follows, so a state made stale by another server process fails on the stream's unique version, is
 * loaded again and decided again; several server processes can share one database. Views read the stream's tail
 * first.
 */
public final class Participants {
  private static final ParticipantDecider DECIDER = new ParticipantDecider();
  private static final Supervision SUPERVISION = new Supervision();

  /** How many participants' states are kept in memory; the least recently used beyond it are dropped. */
  static final int CACHE_SIZE = 20_000;
  static final java.time.Duration CACHE_IDLE = java.time.Duration.ofMinutes(30);

  private final EventStore store;
  private final String instance;
  // Bounded and expiring: a dropped state is read again from the stream (the cache is never the truth).
  private final Map<String, Loaded> cache;
  private final Metrics metrics;
  // Whether loads start from snapshots and commands leave them (off only to compare with folding everything).
  private final boolean snapshots;
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Participants.class);

  public Participants(EventStore store, String instance) {
    this(store, instance, CACHE_SIZE, Metrics.unread(), true);
  }

  Participants(EventStore store, String instance, Metrics metrics) {
    this(store, instance, CACHE_SIZE, metrics, true);
  }

  Participants(EventStore store, String instance, int cacheSize) {
    this(store, instance, cacheSize, Metrics.unread(), true);
  }

  /** Without snapshots: every load folds the stream from the cached version (or the start). */
  static Participants withoutSnapshots(EventStore store, String instance) {
    return withoutSnapshots(store, instance, CACHE_SIZE);
  }

  static Participants withoutSnapshots(EventStore store, String instance, int cacheSize) {
    return new Participants(store, instance, cacheSize, Metrics.unread(), false);
  }

  private Participants(EventStore store, String instance, int cacheSize, Metrics metrics, boolean snapshots) {
    this.store = store;
    this.instance = instance;
    this.metrics = metrics;
    this.snapshots = snapshots;
    this.cache = Caffeine.newBuilder().maximumSize(cacheSize).expireAfterAccess(CACHE_IDLE).executor(Runnable::run)
        .<String, Loaded>build().asMap();
  }

  /** How many states are cached now (for tests of the bound). */
  int cached() {
    return cache.size();
  }

  /** A participant's state at a stream version: the phase, and what researchers have done about the session. */
  public record Loaded(String participantId, Participant state, Supervision.State supervision, int version,
                       java.time.Instant lastEventAt, StreamHead head) {
    public Loaded(String participantId, Participant state, Supervision.State supervision, int version,
                  java.time.Instant lastEventAt) {
      this(participantId, state, supervision, version, lastEventAt, null);
    }
  }

  /**
   * The outcome of a command: the state after it, whether it was a retry that stored nothing, and the state the
   * command was decided on (null for a retry).
   */
  public record Handled(Loaded loaded, boolean duplicate, Loaded before) {
    public Handled(Loaded loaded, boolean duplicate) {
      this(loaded, duplicate, null);
    }
  }

  /** How many times a command is decided again after another process appended to the same participant first. */
  static final int COMMAND_TRIES = 3;

  public static String streamId(String participantId) {
    return "participant-" + participantId;
  }

  /**
   * Every this many events a participant's state is kept as a snapshot (docs/architecture.md): a load then folds
   * at most about this many events after it instead of the whole stream.
   */
  static final int SNAPSHOT_EVERY = 100;

  public Future<Loaded> load(String participantId) {
    Loaded cached = cache.getOrDefault(participantId,
        new Loaded(participantId, DECIDER.initialState(), SUPERVISION.initialState(), 0, null));
    String stream = streamId(participantId);
    // A cached state's tail is short (another process's commands, at most): only a load from nothing looks for a
    // snapshot, and the reads of views and retries stay the plain read of the tail.
    if (!snapshots || cached.version() > 0) {
      return store.readStreamData(stream, cached.version()).map(tail -> folded(cached, tail));
    }
    return store.snapshots().read(stream, cached.version(), SnapshotCodec.CODE_VERSION).compose(read -> {
      Snapshots.Snapshot snapshot = read.snapshot();
      if (snapshot == null) {
        if (!read.events().isEmpty()) metrics.snapshotMisses.increment();
        return Future.succeededFuture(folded(cached, read.events()));
      }
      Loaded from;
      long started = System.nanoTime();
      try {
        SnapshotCodec.Content content = SnapshotCodec.decode(snapshot.state());
        from = new Loaded(participantId, content.state(), content.supervision(), snapshot.version(),
            snapshot.recordedAt(), new StreamHead(snapshot.version(), snapshot.hash()));
      } catch (RuntimeException unusable) {
        // Only a cache: fold the log instead, and let the next snapshot overwrite this one.
        metrics.snapshotsUnusable.increment();
        LOG.warn("the snapshot of {} at version {} is unusable ({}); folding its events instead", stream,
            snapshot.version(), unusable.toString());
        return store.readStreamData(stream, cached.version()).map(tail -> folded(cached, tail));
      }
      metrics.snapshotRead.record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
      metrics.snapshotHits.increment();
      return Future.succeededFuture(folded(remember(from), read.events()));
    });
  }

  /** The state after folding the tail into {@code from}, cached; a long tail leaves a snapshot behind. */
  private Loaded folded(Loaded from, List<EventData> tail) {
    if (tail.isEmpty()) {
      return from;
    }
    long started = System.nanoTime();
    Participant state = from.state();
    Supervision.State supervision = from.supervision();
    for (EventData e : tail) {
      ParticipantEvent event = EventCodec.decode(e.type(), e.schemaVersion(), e.data());
      state = DECIDER.evolve(state, event);
      supervision = SUPERVISION.evolve(supervision, event);
    }
    metrics.replay.record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
    EventData last = tail.getLast();
    Loaded loaded = remember(new Loaded(from.participantId(), state, supervision, last.version(), last.recordedAt(),
        new StreamHead(last.version(), last.hash())));
    if (tail.size() >= SNAPSHOT_EVERY) snapshot(loaded);
    return loaded;
  }

  /**
   * Keeps the state as a snapshot, after the command or load that made it has answered: nothing waits for it, and
   * a failure is only logged (the next load folds a few more events).
   */
  private void snapshot(Loaded loaded) {
    if (!snapshots) return;
    // On an event loop, encoded once the answer is on its way (the task after this one).
    io.vertx.core.Context context = io.vertx.core.Vertx.currentContext();
    if (context != null) {
      context.runOnContext(later -> keep(loaded));
    } else {
      keep(loaded);
    }
  }

  private void keep(Loaded loaded) {
    long started = System.nanoTime();
    byte[] bytes;
    try {
      bytes = SnapshotCodec.encode(loaded.state(), loaded.supervision());
    } catch (RuntimeException e) {
      LOG.warn("no snapshot of {} at version {}: {}", loaded.participantId(), loaded.version(), e.toString());
      return;
    }
    store.snapshots().save(streamId(loaded.participantId()), loaded.version(), SnapshotCodec.CODE_VERSION, bytes)
        .onComplete(done -> {
          metrics.snapshotWrite.record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
          if (done.failed()) {
            LOG.warn("the snapshot of {} at version {} was not stored: {}", loaded.participantId(), loaded.version(),
                done.cause().toString());
          }
        });
  }

  /**
   * The state a command is decided on: the cached one without asking the database (the append checks it is still
   * the latest), else loaded. A state without a known stream head (never loaded) is loaded.
   */
  public Future<Loaded> current(String participantId) {
    Loaded cached = cache.get(participantId);
    return cached != null && cached.head() != null ? Future.succeededFuture(cached) : load(participantId);
  }

  /** All of a participant's events as stored (with their positions and recorded times). */
  public Future<List<StoredEvent>> stored(String participantId) {
    return store.readStream(streamId(participantId), 0);
  }

  /** Whether the participant's stream has an event after the version given. */
  public Future<Boolean> movedSince(String participantId, int version) {
    return store.readStream(streamId(participantId), version, 1).map(after -> !after.isEmpty());
  }

  /** All of a participant's events, decoded, for replay and audit. */
  public Future<List<ParticipantEvent>> events(String participantId) {
    return store.readStream(streamId(participantId), 0)
        .map(events -> events.stream().map(Participants::decode).toList());
  }

  /**
   * Handles a command once per idempotency key: a retry with the same key finds its events already stored and
   * gets the current state back, with nothing stored twice.
   */
  public Future<Handled> handle(String participantId, ParticipantCommand command, String idempotencyKey,
                                JsonObject requestMetadata) {
    return handle(participantId, idempotencyKey, requestMetadata, loaded -> {
      Supervision.admit(loaded.supervision(), command);
      return DECIDER.decide(command, loaded.state());
    });
  }

  /** A researcher's (or the dropout sweep's) command about the participant's session. */
  public Future<Handled> supervise(String participantId, Supervision.Command command, String idempotencyKey,
                                   JsonObject requestMetadata) {
    return handle(participantId, idempotencyKey, requestMetadata,
        loaded -> SUPERVISION.decide(command, loaded.supervision()));
  }

  private Future<Handled> handle(String participantId, String idempotencyKey, JsonObject requestMetadata,
                                 java.util.function.Function<Loaded, List<ParticipantEvent>> decide) {
    String key = idempotencyKey != null ? idempotencyKey : UUID.randomUUID().toString();
    UUID firstEventId = eventId(participantId, key, 0);
    // No look-up of the key first: a retry whose events are stored decides the same events (their ids derive from
    // the key), and the append finds them (a unique event id) and answers as a duplicate. A retry the state now
    // refuses, or that keeps losing races, looks for its first request's events before refusing.
    RoundTrips trips = new RoundTrips();
    Loaded cached = cache.get(participantId);
    if (cached != null && cached.head() != null) {
      metrics.cacheHits.increment();
    } else {
      metrics.cacheMisses.increment();
      trips.add(1);
    }
    return current(participantId)
        .compose(loaded -> attempt(participantId, loaded, decide, key, requestMetadata, COMMAND_TRIES, trips))
        .recover(failure -> failure instanceof CommandRejected || failure instanceof VersionConflict
            ? trips.add(1).store.find(firstEventId).compose(again -> again.isPresent()
                ? sameRequest(again.get(), requestMetadata).compose(same -> trips.add(1).load(participantId))
                    .map(l -> new Handled(l, true))
                : Future.failedFuture(failure))
            : Future.failedFuture(failure))
        .onComplete(done -> metrics.roundTrips.record(trips.count));
  }

  /** Counts the database round trips of one command (for the metrics). */
  private final class RoundTrips {
    int count;

    /** Counts n more and hands back the participants, so the count reads beside the call it counts. */
    Participants add(int n) {
      count += n;
      return Participants.this;
    }
  }

  /** Where a request's fingerprint (see {@link RequestBody#fingerprint}) travels in the first event's metadata. */
  static final String REQUEST_SHA256 = "requestSha256";

  /**
   * A retry must be the request the key was first used with: a key reused for another route or body would
   * otherwise be answered as done while nothing of it was stored. Events written before fingerprints were
   * recorded carry none and are taken as the same request.
   */
  static Future<Void> sameRequest(StoredEvent first, JsonObject requestMetadata) {
    String stored = first.metadata() == null ? null : first.metadata().getString(REQUEST_SHA256);
    String now = requestMetadata == null ? null : requestMetadata.getString(REQUEST_SHA256);
    return stored == null || now == null || stored.equals(now) ? Future.succeededFuture()
        : Future.failedFuture(keyReused());
  }

  static ApiError keyReused() {
    return new ApiError(422, "Idempotency-Key", "this Idempotency-Key was first used with another request (another "
        + "route or body), so this one was not carried out; send each new request with a new Idempotency-Key, and "
        + "reuse a key only to resend exactly the same request");
  }

  private Future<Handled> attempt(String participantId, Loaded loaded,
                                  java.util.function.Function<Loaded, List<ParticipantEvent>> decide,
                                  String key, JsonObject requestMetadata, int triesLeft, RoundTrips trips) {
    List<ParticipantEvent> decided;
    try {
      decided = decide.apply(loaded);
    } catch (CommandRejected rejected) {
      // A cached state may be behind another process's append: refuse only on the stream's latest state.
      return trips.add(1).load(participantId).compose(latest -> latest.version() != loaded.version() && triesLeft > 1
          ? attempt(participantId, latest, decide, key, requestMetadata, triesLeft - 1, trips)
          : Future.failedFuture(rejected));
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    List<NewEvent> events = new ArrayList<>();
    for (int i = 0; i < decided.size(); i++) {
      ParticipantEvent e = decided.get(i);
      events.add(new NewEvent(eventId(participantId, key, i), ParticipantEvent.type(e),
          ParticipantEvent.schemaVersion(e), EventCodec.encode(e), metadata(requestMetadata)));
    }
    StreamHead head = loaded.head() != null ? loaded.head() : StreamHead.EMPTY;
    if (head.version() != loaded.version()) {
      return Future.failedFuture(new IllegalStateException("a state without its stream head: " + participantId));
    }
    long appendStarted = System.nanoTime();
    return trips.add(1).store.appendAfter(streamId(participantId), head, events)
        .onComplete(done -> metrics.append.record(System.nanoTime() - appendStarted,
            java.util.concurrent.TimeUnit.NANOSECONDS))
        .compose(appended -> {
          if (appended.result().duplicate()) {
            // This key's events were stored before (a retry), or at the same moment (a concurrent retry).
            return trips.add(2).store.find(eventId(participantId, key, 0))
                .compose(first -> first.isPresent() ? sameRequest(first.get(), requestMetadata)
                    : Future.<Void>succeededFuture())
                .compose(same -> load(participantId)).map(l -> new Handled(l, true));
          }
          Participant state = DECIDER.fold(loaded.state(), decided);
          Supervision.State supervision = SUPERVISION.fold(loaded.supervision(), decided);
          Loaded after = remember(new Loaded(participantId, state, supervision, appended.result().lastVersion(),
              java.time.Instant.now(), appended.head()));
          if (after.version() / SNAPSHOT_EVERY > loaded.version() / SNAPSHOT_EVERY) snapshot(after);
          return Future.succeededFuture(new Handled(after, false, loaded));
        })
        .recover(failure -> {
          if (!(failure instanceof VersionConflict)) return Future.failedFuture(failure);
          metrics.versionConflicts.increment();
          // Another process appended first: decide again on the stream as it is now.
          return triesLeft > 1
              ? trips.add(1).load(participantId).compose(latest ->
                  attempt(participantId, latest, decide, key, requestMetadata, triesLeft - 1, trips))
              : Future.failedFuture(failure);
        });
  }

  /** Caches a state unless a newer one (from a concurrent request) is cached already. */
  private Loaded remember(Loaded loaded) {
    cache.merge(loaded.participantId(), loaded, (old, neu) -> neu.version() > old.version() ? neu : old);
    return loaded;
  }

  private JsonObject metadata(JsonObject request) {
    return request.copy().put("instance", instance).put("appVersion", BuildInfo.APP_VERSION)
        .put("agentVersion", BuildInfo.AGENT_VERSION);
  }

  /** Event ids derive from the participant, the idempotency key and the event's place in the command. */
  static UUID eventId(String participantId, String key, int index) {
    return UUID.nameUUIDFromBytes((participantId + "|" + key + "|" + index).getBytes(StandardCharsets.UTF_8));
  }

  static ParticipantEvent decode(StoredEvent e) {
    return EventCodec.decode(e.type(), e.schemaVersion(), e.data());
  }
}
