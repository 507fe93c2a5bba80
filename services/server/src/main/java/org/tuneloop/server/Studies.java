package org.tuneloop.server;

import com.github.benmanes.caffeine.cache.Caffeine;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.tuneloop.eventstore.EventStore;
import org.tuneloop.eventstore.ExpectedVersion;
import org.tuneloop.eventstore.NewEvent;
import org.tuneloop.eventstore.StoredEvent;
import org.tuneloop.eventstore.VersionConflict;
import org.tuneloop.study.CommandRejected;
import org.tuneloop.study.ParticipantCommand;
import org.tuneloop.study.ParticipantDecider;
import org.tuneloop.study.ParticipantEvent;
import org.tuneloop.study.StudyDecider;
import org.tuneloop.study.StudyDecider.Command;
import org.tuneloop.study.StudyEvent;

/**
 * Studies: their own streams (created from a protocol, opened, paused, closed; every participant's arm assignment)
 * and joining one. A join is one transaction: the study stream is locked, the arm decided from the study's state,
 * and the assignment and the participant's enrolment are appended together, with the participant's token and
 * entry record, so concurrent joins on several server processes are serialised and never lose a balance.
 */
public final class Studies {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Pattern STUDY_ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
  static final StudyDecider DECIDER = new StudyDecider(ProtocolFile::parse);
  private static final ParticipantDecider PARTICIPANT = new ParticipantDecider();

  private final EventStore store;
  private final io.vertx.sqlclient.Pool pool;
  private final String instance;
  // Bounded and expiring (studies in use are read on every request and stay); a dropped one is read again.
  private final Map<String, Loaded> cache = Caffeine.newBuilder().maximumSize(1_000)
      .expireAfterAccess(java.time.Duration.ofHours(1)).<String, Loaded>build().asMap();

  public Studies(EventStore store, io.vertx.sqlclient.Pool pool, String instance) {
    this.store = store;
    this.pool = pool;
    this.instance = instance;
  }

  /** A study's state at a stream version. */
  public record Loaded(StudyDecider.Study study, int version, java.time.Instant createdAt) {
    public String studyId() { return study.studyId(); }

    public org.tuneloop.study.Protocol protocol() { return study.protocol(); }
  }

  /**
   * How a participant arrives: {@code kind} is "link" (the general link), "prolific", "personal" (a link made from a
   * label), "preview" (a researcher's test participant) or "researcher" (enrolled by hand).
   */
  public record Entry(String kind, String label, Prolific prolific, boolean test, String arm, String key) {}

  /** Prolific's URL parameters, recorded on entry (identifying: kept outside the event log). */
  public record Prolific(String pid, String studyId, String sessionId) {}

  /** A participant let in, the token that is their key, and whether they had joined before (Prolific, retries). */
  public record Joined(String participantId, String token, boolean returning) {}

  public static String streamId(String studyId) {
    return "study-" + studyId;
  }

  // ---- reading -------------------------------------------------------------------------------------------------

  public Future<Optional<Loaded>> find(String studyId) {
    if (studyId == null || !STUDY_ID.matcher(studyId).matches()) {
      return Future.succeededFuture(Optional.empty());
    }
    Loaded cached = cache.get(studyId);
    return store.readStream(streamId(studyId), cached == null ? 0 : cached.version()).map(tail -> {
      if (tail.isEmpty()) {
        return Optional.ofNullable(cached);
      }
      return Optional.of(remember(fold(cached, tail)));
    });
  }

  /** The cached state without a database read (kept fresh by the log follower); for per-request checks. */
  Optional<Loaded> cached(String studyId) {
    return Optional.ofNullable(cache.get(studyId));
  }

  public Future<Loaded> get(String studyId) {
    return find(studyId).map(s -> s.orElseThrow(() -> ApiError.notFound("no study '" + studyId + "'")));
  }

  public Future<List<String>> ids() {
    return store.streamIds("study-").map(ids -> ids.stream().map(id -> id.substring("study-".length())).toList());
  }

  /** Applies a study event the log follower read (from any server process) to the cache, if it is the next one. */
  void follow(StoredEvent event) {
    String studyId = event.streamId().substring("study-".length());
    cache.compute(studyId, (id, cached) -> cached == null
        ? (event.version() == 1 ? fold(null, List.of(event)) : null)
        : event.version() == cached.version() + 1 ? fold(cached, List.of(event)) : cached);
  }

  private static Loaded fold(Loaded cached, List<StoredEvent> tail) {
    StudyDecider.Study study = cached == null ? DECIDER.initialState() : cached.study();
    java.time.Instant createdAt = cached == null ? null : cached.createdAt();
    for (StoredEvent e : tail) {
      study = DECIDER.evolve(study, decode(e));
      if (e.version() == 1) {
        createdAt = e.recordedAt();
      }
    }
    return new Loaded(study, tail.getLast().version(), createdAt);
  }

  private Loaded remember(Loaded loaded) {
    cache.merge(loaded.studyId(), loaded, (old, neu) -> neu.version() > old.version() ? neu : old);
    return cache.get(loaded.studyId());
  }

  static StudyEvent decode(StoredEvent e) {
    return EventCodec.decodeStudy(e.type(), e.schemaVersion(), e.data());
  }

  // ---- lifecycle -----------------------------------------------------------------------------------------------

  /** Creates a study from a protocol text; it starts paused. A null id is made from the protocol's id. */
  public Future<Loaded> create(String studyId, String protocolText, String by) {
    String id;
    try {
      id = studyId != null ? checkedId(studyId)
          : ProtocolFile.parse(protocolText).id() + "-" + Long.toString(RANDOM.nextLong() & 0xffffffL, 36);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    Command.Create create = new Command.Create(id, protocolText, RANDOM.nextLong(), by, BuildInfo.APP_VERSION,
        BuildInfo.AGENT_VERSION);
    return find(id).compose(existing -> {
      List<StudyEvent> events = DECIDER.decide(create, existing.map(Loaded::study).orElse(DECIDER.initialState()));
      return store.append(streamId(id), ExpectedVersion.noStream(), newEvents(events, UUID.randomUUID().toString()))
          .recover(failure -> failure instanceof VersionConflict
              ? Future.failedFuture(CommandRejected.notNow("a study '" + id + "' exists already; choose another id"))
              : Future.failedFuture(failure))
          .compose(appended -> get(id));
    });
  }

  /** The demo's study: created and opened once, then kept as it is (its protocol never changes under it). */
  public Future<Loaded> createIfAbsent(String studyId, String protocolText) {
    return find(studyId).compose(existing -> existing.isPresent() ? Future.succeededFuture(existing.get())
        : create(studyId, protocolText, "demo")
            .recover(failure -> find(studyId).map(again -> again.orElseThrow(() -> failure instanceof RuntimeException r
                ? r : new IllegalStateException(failure))))
            .compose(created -> created.study().status() == StudyDecider.Status.PAUSED
                ? change(studyId, new Command.Open("demo")) : Future.succeededFuture(created)));
  }

  /** Opens, pauses or closes a study. */
  public Future<Loaded> change(String studyId, Command command) {
    return get(studyId).compose(loaded -> {
      List<StudyEvent> events = DECIDER.decide(command, loaded.study());
      return store.append(streamId(studyId), ExpectedVersion.exact(loaded.version()),
              newEvents(events, UUID.randomUUID().toString()))
          .compose(appended -> get(studyId));
    });
  }

  // ---- joining -------------------------------------------------------------------------------------------------

  /** Lets a participant into the study (see the class comment); rejections say paused, closed or full. */
  public Future<Joined> join(String studyId, Entry entry) {
    return join(studyId, entry, null);
  }

  /**
   * Joins as above; {@code requestSha256} (the request's fingerprint, with an Idempotency-Key) is kept with the
   * enrolment, and a retry with the same key but another request is refused (422).
   */
  public Future<Joined> join(String studyId, Entry entry, String requestSha256) {
    JsonObject request = requestSha256 == null ? null : new JsonObject().put(Participants.REQUEST_SHA256, requestSha256);
    return get(studyId).compose(known -> store.transaction(tx -> tx.lock(streamId(studyId))
        .compose(locked -> sameJoin(tx, studyId, entry, request))
        .compose(same -> returning(tx.connection(), studyId, entry))
        .compose(returning -> returning.isPresent()
            ? AccessTokens.issueParticipantIn(tx.connection(), returning.get(), studyId)
                .map(token -> new Joined(returning.get(), token, true))
            : tx.readStream(streamId(studyId), known.version()).compose(tail -> {
              Loaded study = tail.isEmpty() ? known : fold(known, tail);
              return enrol(tx, study, entry, request);
            }))))
        .onSuccess(joined -> find(studyId));
  }

  /** A join retried with its key must be the request the key was first used with. */
  private static Future<Void> sameJoin(EventStore.Transaction tx, String studyId, Entry entry, JsonObject request) {
    if (request == null || entry.key() == null) {
      return Future.succeededFuture();
    }
    String participantId = UUID.nameUUIDFromBytes((studyId + "|join|" + entry.key()).getBytes(StandardCharsets.UTF_8))
        .toString();
    return tx.readStream(Participants.streamId(participantId), 0).compose(events -> events.isEmpty()
        ? Future.succeededFuture() : Participants.sameRequest(events.getFirst(), request));
  }

  private Future<Joined> enrol(EventStore.Transaction tx, Loaded study, Entry entry, JsonObject request) {
    String participantId = entry.key() != null
        ? UUID.nameUUIDFromBytes((study.studyId() + "|join|" + entry.key()).getBytes(StandardCharsets.UTF_8)).toString()
        : UUID.randomUUID().toString();
    StudyEvent assigned = DECIDER.decide(new Command.Assign(participantId, entry.kind(), entry.test(), entry.arm()),
        study.study()).getFirst();
    String arm = ((StudyEvent.ParticipantAssigned) assigned).arm();
    List<ParticipantEvent> enrolled = PARTICIPANT.decide(new ParticipantCommand.Enrol(participantId, study.studyId(),
        study.protocol(), arm, RANDOM.nextLong(), entry.test(), ((StudyEvent.ParticipantAssigned) assigned).index()),
        PARTICIPANT.initialState());
    String key = entry.key() != null ? entry.key() : UUID.randomUUID().toString();
    List<NewEvent> participantEvents = new ArrayList<>();
    for (int i = 0; i < enrolled.size(); i++) {
      ParticipantEvent e = enrolled.get(i);
      participantEvents.add(new NewEvent(Participants.eventId(participantId, "join|" + key, i), ParticipantEvent.type(e),
          ParticipantEvent.schemaVersion(e), EventCodec.encode(e),
          request == null ? metadata() : metadata().mergeIn(request)));
    }
    return tx.append(streamId(study.studyId()), ExpectedVersion.exact(study.version()),
            newEvents(List.of(assigned), "assign|" + participantId))
        .compose(a -> tx.append(Participants.streamId(participantId), ExpectedVersion.noStream(), participantEvents))
        .compose(appended -> appended.duplicate()
            ? Future.succeededFuture(true)
            : recordEntry(tx.connection(), participantId, study.studyId(), entry).map(false))
        .compose(duplicate -> AccessTokens.issueParticipantIn(tx.connection(), participantId, study.studyId())
            .map(token -> new Joined(participantId, token, duplicate)));
  }

  /** A participant who joined before: by Prolific id, or by a retried join with the same key. */
  private static Future<Optional<String>> returning(SqlClient client, String studyId, Entry entry) {
    if (entry.prolific() != null) {
      return client.preparedQuery("select participant_id from participant_entries where study_id = $1 and prolific_key = $2")
          .execute(Tuple.of(studyId, Buffer.buffer(prolificKey(studyId, entry.prolific().pid()))))
          .map(rows -> rows.size() == 0 ? Optional.<String>empty() : Optional.of(rows.iterator().next().getString(0)));
    }
    if (entry.key() != null) {
      String participantId = UUID.nameUUIDFromBytes((studyId + "|join|" + entry.key()).getBytes(StandardCharsets.UTF_8))
          .toString();
      return client.preparedQuery("select 1 from participant_entries where participant_id = $1")
          .execute(Tuple.of(participantId))
          .map(rows -> rows.size() == 0 ? Optional.<String>empty() : Optional.of(participantId));
    }
    return Future.succeededFuture(Optional.empty());
  }

  private static Future<Void> recordEntry(SqlClient client, String participantId, String studyId, Entry entry) {
    Prolific p = entry.prolific();
    return client.preparedQuery("insert into participant_entries (participant_id, study_id, entry, label, prolific_pid,"
            + " prolific_study_id, prolific_session_id, prolific_key) values ($1, $2, $3, $4, $5, $6, $7, $8)")
        .execute(Tuple.tuple().addString(participantId).addString(studyId).addString(entry.kind())
            .addString(entry.label()).addString(p == null ? null : p.pid()).addString(p == null ? null : p.studyId())
            .addString(p == null ? null : p.sessionId())
            .addBuffer(p == null ? null : Buffer.buffer(prolificKey(studyId, p.pid()))))
        .mapEmpty();
  }

  /** Labels of the study's participants (from the entry records, not the log). */
  public Future<Map<String, String>> labels(String studyId) {
    return pool.preparedQuery("select participant_id, label, entry from participant_entries where study_id = $1")
        .execute(Tuple.of(studyId)).map(rows -> {
          Map<String, String> labels = new java.util.HashMap<>();
          for (Row row : rows) {
            if (row.getString("label") != null) {
              labels.put(row.getString("participant_id"), row.getString("label"));
            }
          }
          return labels;
        });
  }

  /** The study's participants in the order they joined, from its own stream. */
  public Future<List<StudyEvent.ParticipantAssigned>> assignments(String studyId) {
    return store.readStream(streamId(studyId), 0).map(events -> events.stream().map(Studies::decode)
        .filter(e -> e instanceof StudyEvent.ParticipantAssigned).map(e -> (StudyEvent.ParticipantAssigned) e).toList());
  }

  /** How long a kiosk code may wait before it is used. */
  static final java.time.Duration KIOSK_CODE_LIFETIME = java.time.Duration.ofMinutes(2);

  /** A one-time code that hands the participant's session to the computer that redeems it. */
  public record KioskCode(String code, java.time.Instant expiresAt) {}

  public Future<KioskCode> kioskCode(String participantId, String studyId) {
    byte[] bytes = new byte[24];
    RANDOM.nextBytes(bytes);
    String code = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    java.time.Instant expires = java.time.Instant.now().plus(KIOSK_CODE_LIFETIME).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    return pool.preparedQuery("insert into kiosk_codes (code_sha256, participant_id, study_id, expires_at)"
            + " values ($1, $2, $3, $4)")
        .execute(Tuple.of(Buffer.buffer(sha256(code)), participantId, studyId,
            java.time.OffsetDateTime.ofInstant(expires, java.time.ZoneOffset.UTC)))
        .map(done -> new KioskCode(code, expires));
  }

  /** Uses a kiosk code once: the participant and a new token for this computer, or 404 when unknown, used or old. */
  public Future<Joined> redeemKiosk(String code) {
    return pool.withTransaction(conn -> conn.preparedQuery("update kiosk_codes set used_at = now() where code_sha256 = $1"
            + " and used_at is null and expires_at > now() returning participant_id, study_id")
        .execute(Tuple.of(Buffer.buffer(sha256(code))))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.failedFuture(ApiError.notFound("this code is not valid (any more): codes work once, for "
                + KIOSK_CODE_LIFETIME.toMinutes() + " minutes; ask the researcher to start the session again"));
          }
          Row row = rows.iterator().next();
          String participantId = row.getString("participant_id");
          return AccessTokens.issueParticipantIn(conn, participantId, row.getString("study_id"))
              .map(token -> new Joined(participantId, token, true));
        }));
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] prolificKey(String studyId, String pid) {
    try {
      return MessageDigest.getInstance("SHA-256").digest((studyId + "|" + pid.strip().toLowerCase(Locale.ROOT))
          .getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private List<NewEvent> newEvents(List<StudyEvent> events, String key) {
    List<NewEvent> list = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      StudyEvent e = events.get(i);
      list.add(new NewEvent(UUID.nameUUIDFromBytes((key + "|" + i).getBytes(StandardCharsets.UTF_8)),
          StudyEvent.type(e), StudyEvent.schemaVersion(e), EventCodec.encode(e), metadata()));
    }
    return list;
  }

  private JsonObject metadata() {
    return new JsonObject().put("instance", instance).put("appVersion", BuildInfo.APP_VERSION)
        .put("agentVersion", BuildInfo.AGENT_VERSION);
  }

  private static String checkedId(String id) {
    if (!STUDY_ID.matcher(id).matches()) {
      throw ApiError.badRequest("id", "a study id is 1 to 63 lower-case letters, digits and '-', starting with a letter"
          + " or digit");
    }
    return id;
  }
}
