package org.tuneloop.server;

import com.github.benmanes.caffeine.cache.Caffeine;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.tuneloop.eventstore.EventStore;
import org.tuneloop.eventstore.ExpectedVersion;
import org.tuneloop.eventstore.NewEvent;
import org.tuneloop.eventstore.StoredEvent;
import org.tuneloop.eventstore.VersionConflict;
import org.tuneloop.study.CommandRejected;
import org.tuneloop.study.Participant;
import org.tuneloop.study.ParticipantCommand;
import org.tuneloop.study.ParticipantDecider;
import org.tuneloop.study.ParticipantEvent;
import org.tuneloop.study.Supervision;

/**
 * The one path by which a participant changes: load (cache + the stream's tail), decide, append with the
 * expected version, evolve the cache. The cache is never the truth: every command reads the tail first, so
 * several server processes can share one database.
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

  public Participants(EventStore store, String instance) {
    this(store, instance, CACHE_SIZE);
  }

  Participants(EventStore store, String instance, int cacheSize) {
    this.store = store;
    this.instance = instance;
    this.cache = Caffeine.newBuilder().maximumSize(cacheSize).expireAfterAccess(CACHE_IDLE).executor(Runnable::run)
        .<String, Loaded>build().asMap();
  }

  /** How many states are cached now (for tests of the bound). */
  int cached() {
    return cache.size();
  }

  /** A participant's state at a stream version: the phase, and what researchers have done about the session. */
  public record Loaded(String participantId, Participant state, Supervision.State supervision, int version,
                       java.time.Instant lastEventAt) {}

  /** The outcome of a command: the state after it, and whether it was a retry that stored nothing. */
  public record Handled(Loaded loaded, boolean duplicate) {}

  public static String streamId(String participantId) {
    return "participant-" + participantId;
  }

  public Future<Loaded> load(String participantId) {
    Loaded cached = cache.getOrDefault(participantId,
        new Loaded(participantId, DECIDER.initialState(), SUPERVISION.initialState(), 0, null));
    return store.readStream(streamId(participantId), cached.version()).map(tail -> {
      if (tail.isEmpty()) {
        return cached;
      }
      Participant state = cached.state();
      Supervision.State supervision = cached.supervision();
      for (StoredEvent e : tail) {
        ParticipantEvent event = decode(e);
        state = DECIDER.evolve(state, event);
        supervision = SUPERVISION.evolve(supervision, event);
      }
      return remember(new Loaded(participantId, state, supervision, tail.getLast().version(),
          tail.getLast().recordedAt()));
    });
  }

  /** All of a participant's events as stored (with their positions and recorded times). */
  public Future<List<StoredEvent>> stored(String participantId) {
    return store.readStream(streamId(participantId), 0);
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
    return store.find(firstEventId).compose(found -> found.isPresent()
        ? sameRequest(found.get(), requestMetadata).compose(same -> load(participantId)).map(l -> new Handled(l, true))
        : attempt(participantId, decide, key, requestMetadata, 2).recover(failure ->
            // A retry (on this or another server) racing its first request may miss the first request's events
            // here, then load the state they made and be refused by it: look again before refusing.
            failure instanceof CommandRejected || failure instanceof VersionConflict
                ? store.find(firstEventId).compose(again -> again.isPresent()
                    ? sameRequest(again.get(), requestMetadata).compose(same -> load(participantId))
                        .map(l -> new Handled(l, true))
                    : Future.failedFuture(failure))
                : Future.failedFuture(failure)));
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

  private Future<Handled> attempt(String participantId, java.util.function.Function<Loaded, List<ParticipantEvent>> decide,
                                  String key, JsonObject requestMetadata, int triesLeft) {
    return load(participantId).compose(loaded -> {
      List<ParticipantEvent> decided = decide.apply(loaded);
      List<NewEvent> events = new ArrayList<>();
      for (int i = 0; i < decided.size(); i++) {
        ParticipantEvent e = decided.get(i);
        events.add(new NewEvent(eventId(participantId, key, i), ParticipantEvent.type(e),
            ParticipantEvent.schemaVersion(e), EventCodec.encode(e), metadata(requestMetadata)));
      }
      return store.append(streamId(participantId), ExpectedVersion.exact(loaded.version()), events)
          .compose(result -> {
            if (result.duplicate()) {
              // The same key stored its events at the same moment (a concurrent retry).
              return store.find(eventId(participantId, key, 0))
                  .compose(first -> first.isPresent() ? sameRequest(first.get(), requestMetadata)
                      : Future.<Void>succeededFuture())
                  .compose(same -> load(participantId)).map(l -> new Handled(l, true));
            }
            Participant state = DECIDER.fold(loaded.state(), decided);
            Supervision.State supervision = SUPERVISION.fold(loaded.supervision(), decided);
            return Future.succeededFuture(new Handled(remember(new Loaded(participantId, state, supervision,
                result.lastVersion(), java.time.Instant.now())), false));
          })
          .recover(failure -> failure instanceof VersionConflict && triesLeft > 1
              ? attempt(participantId, decide, key, requestMetadata, triesLeft - 1)
              : Future.failedFuture(failure));
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
