package org.tuneloop.server;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.tuneloop.eventstore.EventStore;
import org.tuneloop.eventstore.ExpectedVersion;
import org.tuneloop.eventstore.NewEvent;
import org.tuneloop.eventstore.StoredEvent;
import org.tuneloop.eventstore.VersionConflict;
import org.tuneloop.study.ParticipantCommand;
import org.tuneloop.study.Protocol;

/**
 * Studies and enrolment. A study is one StudyCreated event holding its protocol file verbatim, so the exact
 * text participants consented to can always be shown again.
 */
public final class Studies {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final EventStore store;
  private final Pool pool;
  private final Participants participants;
  private final AccessTokens tokens;
  private final Map<String, Study> cache = new ConcurrentHashMap<>();

  public Studies(EventStore store, Pool pool, Participants participants, AccessTokens tokens) {
    this.store = store;
    this.pool = pool;
    this.participants = participants;
    this.tokens = tokens;
  }

  public record Study(String studyId, Protocol protocol, String protocolSource) {}

  /** A newly enrolled participant and the token that is their only key. */
  public record Enrolment(String participantId, String token) {}

  public static String streamId(String studyId) {
    return "study-" + studyId;
  }

  /** Creates the study unless it exists; an existing study keeps its protocol. */
  public Future<Study> createIfAbsent(String studyId, String protocolSource) {
    Protocol protocol = ProtocolFile.parse(protocolSource);
    return find(studyId).compose(existing -> {
      if (existing.isPresent()) {
        return Future.succeededFuture(existing.get());
      }
      JsonObject data = new JsonObject().put("studyId", studyId).put("protocolId", protocol.id())
          .put("protocolVersion", protocol.version()).put("title", protocol.title()).put("protocol", protocolSource);
      UUID eventId = UUID.nameUUIDFromBytes(("study|" + studyId).getBytes(StandardCharsets.UTF_8));
      NewEvent created = new NewEvent(eventId, "StudyCreated", 1, data,
          new JsonObject().put("appVersion", BuildInfo.APP_VERSION).put("agentVersion", BuildInfo.AGENT_VERSION));
      return store.append(streamId(studyId), ExpectedVersion.noStream(), List.of(created))
          .recover(failure -> failure instanceof VersionConflict
              ? Future.succeededFuture()   // another process created it first
              : Future.failedFuture(failure))
          .compose(ignored -> find(studyId)).map(Optional::orElseThrow);
    });
  }

  public Future<Optional<Study>> find(String studyId) {
    Study cached = cache.get(studyId);
    if (cached != null) {
      return Future.succeededFuture(Optional.of(cached));
    }
    return store.readStream(streamId(studyId), 0).map(events -> {
      if (events.isEmpty()) {
        return Optional.empty();
      }
      StoredEvent created = events.getFirst();
      String source = created.data().getString("protocol");
      Study study = new Study(studyId, ProtocolFile.parse(source), source);
      cache.put(studyId, study);
      return Optional.of(study);
    });
  }

  public Future<Study> get(String studyId) {
    return find(studyId).map(s -> s.orElseThrow(() -> new NotFound("no study '" + studyId + "'")));
  }

  public Future<List<String>> ids() {
    return store.streamIds("study-").map(ids -> ids.stream().map(id -> id.substring("study-".length())).toList());
  }

  /** Enrols a new participant in the study's arm (the first arm until randomisation exists). */
  public Future<Enrolment> enrol(String studyId, String arm) {
    return get(studyId).compose(study -> {
      String participantId = UUID.randomUUID().toString();
      String chosenArm = arm != null ? arm : study.protocol().arms().getFirst().id();
      ParticipantCommand.Enrol command = new ParticipantCommand.Enrol(participantId, studyId, study.protocol(),
          chosenArm, RANDOM.nextLong());
      return participants.handle(participantId, command, "enrol", new JsonObject())
          .compose(handled -> tokens.issueParticipant(participantId, studyId))
          .map(token -> new Enrolment(participantId, token));
    });
  }

  /** One row per enrolled participant of the study, in enrolment order. */
  public Future<List<String>> participantIds(String studyId) {
    return pool.preparedQuery("select data->>'participantId' as id from events "
            + "where type = 'ParticipantEnrolled' and data->>'studyId' = $1 order by position")
        .execute(Tuple.of(studyId))
        .map(rows -> {
          List<String> ids = new ArrayList<>();
          for (Row row : rows) {
            ids.add(row.getString("id"));
          }
          return ids;
        });
  }

  /** A participant id that names no participant. */
  public static final class NotFound extends RuntimeException {
    public NotFound(String message) { super(message); }
  }
}
