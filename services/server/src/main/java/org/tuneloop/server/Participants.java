package org.tuneloop.server;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.tuneloop.eventstore.EventStore;
import org.tuneloop.eventstore.ExpectedVersion;
import org.tuneloop.eventstore.NewEvent;
import org.tuneloop.eventstore.StoredEvent;
import org.tuneloop.eventstore.VersionConflict;
import org.tuneloop.study.Participant;
import org.tuneloop.study.ParticipantCommand;
import org.tuneloop.study.ParticipantDecider;
import org.tuneloop.study.ParticipantEvent;

/**
 * The one path by which a participant changes: load (cache + the stream's tail), decide, append with the
 * expected version, evolve the cache. The cache is never the truth: every command reads the tail first, so
 * several server processes can share one database.
 */
public final class Participants {
  private static final ParticipantDecider DECIDER = new ParticipantDecider();

  private final EventStore store;
  private final String instance;
  private final Map<String, Loaded> cache = new ConcurrentHashMap<>();

  public Participants(EventStore store, String instance) {
    this.store = store;
    this.instance = instance;
  }

  /** A participant's state at a stream version. */
  public record Loaded(String participantId, Participant state, int version) {}

  /** The outcome of a command: the state after it, and whether it was a retry that stored nothing. */
  public record Handled(Loaded loaded, boolean duplicate) {}

  public static String streamId(String participantId) {
    return "participant-" + participantId;
  }

  public Future<Loaded> load(String participantId) {
    Loaded cached = cache.getOrDefault(participantId,
        new Loaded(participantId, DECIDER.initialState(), 0));
    return store.readStream(streamId(participantId), cached.version()).map(tail -> {
      if (tail.isEmpty()) {
        return cached;
      }
      Participant state = cached.state();
      for (StoredEvent e : tail) {
        state = DECIDER.evolve(state, decode(e));
      }
      return remember(new Loaded(participantId, state, tail.getLast().version()));
    });
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
    String key = idempotencyKey != null ? idempotencyKey : UUID.randomUUID().toString();
    UUID firstEventId = eventId(participantId, key, 0);
    return store.find(firstEventId).compose(found -> found.isPresent()
        ? load(participantId).map(l -> new Handled(l, true))
        : attempt(participantId, command, key, requestMetadata, 2));
  }

  private Future<Handled> attempt(String participantId, ParticipantCommand command, String key,
                                  JsonObject requestMetadata, int triesLeft) {
    return load(participantId).compose(loaded -> {
      List<ParticipantEvent> decided = DECIDER.decide(command, loaded.state());
      List<NewEvent> events = new ArrayList<>();
      for (int i = 0; i < decided.size(); i++) {
        ParticipantEvent e = decided.get(i);
        events.add(new NewEvent(eventId(participantId, key, i), ParticipantEvent.type(e),
            ParticipantEvent.schemaVersion(e), EventCodec.encode(e), metadata(requestMetadata)));
      }
      return store.append(streamId(participantId), ExpectedVersion.exact(loaded.version()), events)
          .compose(result -> {
            if (result.duplicate()) {
              return load(participantId).map(l -> new Handled(l, true));
            }
            Participant state = DECIDER.fold(loaded.state(), decided);
            return Future.succeededFuture(
                new Handled(remember(new Loaded(participantId, state, result.lastVersion())), false));
          })
          .recover(failure -> failure instanceof VersionConflict && triesLeft > 1
              ? attempt(participantId, command, key, requestMetadata, triesLeft - 1)
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
