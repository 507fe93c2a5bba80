package org.tuneloop.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tuneloop.server.InProcessServer.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.tuneloop.server.InProcessServer.As;
import org.tuneloop.server.InProcessServer.Reply;
import org.tuneloop.eventstore.testing.TestDatabases;
import org.tuneloop.eventstore.testing.TestDatabases.TestDatabase;

/**
 * The study routes end to end in one process: a real HttpVerticle on port 0 over a real PostgreSQL, called with a
 * real HTTP client. One server serves the class; every test creates its own studies and participants, so no test
 * depends on another.
 */
@ExtendWith(VertxExtension.class)
@Timeout(120)
class StudyRoutesTest {
  private static final String PILOT = StudyCommand.resource("/protocols/pilot-training-only.yaml");
  private static final JsonObject CONSENT = new JsonObject().put("consentVersion", "1.0").put("agree", true);
  private static final JsonObject PARAMETERS = new JsonObject().put("baseNote", 60).put("scale", "major")
      .put("length", 4).put("tempo", 200);

  private static TestDatabase database;
  private static Vertx vertx;
  private static InProcessServer server;
  private static Researchers.Researcher owner;
  private static As researcher;

  @BeforeAll
  static void start(Vertx classVertx) {
    database = TestDatabases.fresh();
    vertx = classVertx;
    Pool pool = database.appPool(vertx, 8);
    server = InProcessServer.deploy(vertx, pool, database, "http://localhost");
    owner = account("owner");
    researcher = As.bearer(apiToken(owner));
  }

  @AfterAll
  static void dropDatabase() {
    database.close();
  }

  // ---- helpers ---------------------------------------------------------------------------------------------

  private static Researchers.Researcher account(String who) {
    String email = who + "-" + UUID.randomUUID().toString().substring(0, 8) + "@example.org";
    // Nobody logs in here: bearer tokens only, so the password hash is never checked.
    return await(server.platform.researchers.create(email, Researchers.Role.RESEARCHER, "not-a-password-hash"));
  }

  private static String apiToken(Researchers.Researcher r) {
    return await(server.platform.apiTokens.issue(r.id(), "test")).token();
  }

  private static Reply get(As as, String path) { return server.get(as, path); }

  private static Reply post(As as, String path, JsonObject body) { return server.post(as, path, body); }

  private static Reply post(As as, String path, JsonObject body, String idempotencyKey) {
    return await(server.send(as, HttpMethod.POST, path, body, Map.of("Idempotency-Key", idempotencyKey)));
  }

  private static String newId() {
    return "s-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** A study from the protocol text, still paused; its id. */
  private static String study(String protocolText) {
    String id = newId();
    Reply created = post(researcher, "/api/studies", new JsonObject().put("id", id).put("protocol", protocolText));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    return id;
  }

  private static String openStudy(String protocolText) {
    String id = study(protocolText);
    expect(post(researcher, "/api/studies/" + id + "/open", null), 200);
    return id;
  }

  /** Someone joining through the study's general link. */
  private record Joined(String participantId, As as, String path) {}

  private static Joined join(String studyId) {
    Reply r = post(As.nobody(), "/api/studies/" + studyId + "/join", null);
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return joined(r.json());
  }

  private static Joined joined(JsonObject answer) {
    String id = answer.getString("participantId");
    return new Joined(id, As.bearer(answer.getString("token")), "/api/participants/" + id);
  }

  private static Reply expect(Reply r, int status) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    return r;
  }

  private static void expectRefused(Reply r, int status, String reason) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    assertThat(r.json().getString("reason")).as(r.body()).isEqualTo(reason);
    assertThat(r.json().getString("detail")).isNotBlank();
  }

  private static long count(String sql) {
    return InProcessServer.count(database, sql);
  }

  private static long events(String streamId, String type) {
    return count("select count(*) from events where stream_id = '" + streamId + "'"
        + (type == null ? "" : " and type = '" + type + "'"));
  }

  private static JsonObject monitorRow(String studyId, String participantId) {
    return expect(get(researcher, "/api/studies/" + studyId + "/monitor"), 200).json().getJsonArray("participants")
        .stream().map(JsonObject.class::cast).filter(row -> row.getString("id").equals(participantId)).findFirst()
        .orElse(null);
  }

  /** The monitor follows the log a moment behind the request that wrote it: wait (at most 5 s) for a row. */
  private static JsonObject eventuallyRow(String studyId, String participantId, Predicate<JsonObject> wanted) {
    long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    JsonObject row;
    do {
      row = monitorRow(studyId, participantId);
      if (row != null && wanted.test(row)) {
        return row;
      }
      sleep(50);
    } while (System.nanoTime() < until);
    throw new AssertionError("the monitor row never got there; last: " + row);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static Map<String, Integer> arms(JsonObject study) {
    Map<String, Integer> arms = new TreeMap<>();
    study.getJsonArray("arms").stream().map(JsonObject.class::cast)
        .forEach(a -> arms.put(a.getString("id"), a.getInteger("participants")));
    return arms;
  }

  private static String sha256(String text) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  // ---- creating a study --------------------------------------------------------------------------------------

  @Test
  void aStudyIsCreatedPausedWithItsProtocolPinnedVerbatim() throws Exception {
    String id = newId();

    Reply created = post(researcher, "/api/studies", new JsonObject().put("id", id).put("protocol", PILOT));

    expect(created, 201);
    JsonObject study = created.json();
    assertThat(study.getString("id")).isEqualTo(id);
    assertThat(study.getString("status")).isEqualTo("paused");
    assertThat(study.getString("protocolSha256")).isEqualTo(sha256(PILOT));
    assertThat(study.getString("protocolText")).isEqualTo(PILOT);
    assertThat(arms(study)).containsExactly(Map.entry("A", 0), Map.entry("B", 0));
    assertThat(study.getInteger("participants")).isZero();
    assertThat(expect(get(researcher, "/api/studies/" + id), 200).json().getString("protocolSha256"))
        .isEqualTo(sha256(PILOT));
  }

  @Test
  void aBrokenProtocolIsRefusedWithItsProblemsAndNothingIsStored() {
    String broken = PILOT.replace("blockSize: 2", "blockSize: -3").replace("id: A", "id: [A]");
    long before = count("select count(*) from events");

    Reply r = post(researcher, "/api/studies", new JsonObject().put("id", newId()).put("protocol", broken));

    expect(r, 422);
    JsonArray problems = r.json().getJsonArray("problems");
    assertThat(problems).isNotEmpty();
    for (Object p : problems) {
      assertThat(((JsonObject) p).getString("path")).isNotBlank();
      assertThat(((JsonObject) p).getString("reason")).isNotBlank();
    }
    assertThat(problems.stream().map(p -> ((JsonObject) p).getString("path")).toList())
        .anyMatch(path -> path.contains("blockSize"));
    assertThat(count("select count(*) from events")).isEqualTo(before);
    // Without an id (made from the protocol's own), the same.
    expect(post(researcher, "/api/studies", new JsonObject().put("protocol", "id: [")), 422);
    assertThat(count("select count(*) from events")).isEqualTo(before);
  }

  @Test
  void aTakenIdIsAConflictAndABadIdIsNamed() {
    String id = study(PILOT);

    Reply again = post(researcher, "/api/studies", new JsonObject().put("id", id).put("protocol", PILOT));
    Reply bad = post(researcher, "/api/studies", new JsonObject().put("id", "Not An Id!").put("protocol", PILOT));

    expect(again, 409);
    assertThat(again.json().getString("detail")).contains(id);
    expect(bad, 400);
    assertThat(bad.json().getString("field")).isEqualTo("id");
    assertThat(events("study-" + id, null)).isEqualTo(1);
  }

  // ---- lifecycle ---------------------------------------------------------------------------------------------

  @Test
  void aStudyOpensPausesAndClosesForGood() {
    String id = study(PILOT);
    String s = "/api/studies/" + id;

    assertThat(expect(post(researcher, s + "/open", null), 200).json().getString("status")).isEqualTo("open");
    Reply openTwice = expect(post(researcher, s + "/open", null), 409);
    assertThat(openTwice.json().getString("detail")).contains("open already");
    assertThat(expect(post(researcher, s + "/pause", null), 200).json().getString("status")).isEqualTo("paused");
    expect(post(researcher, s + "/pause", null), 409);
    assertThat(expect(post(researcher, s + "/open", null), 200).json().getString("status")).isEqualTo("open");
    assertThat(expect(post(researcher, s + "/close", null), 200).json().getString("status")).isEqualTo("closed");

    for (String action : List.of("open", "pause", "close")) {
      expectRefused(post(researcher, s + "/" + action, null), 409, "closed");
    }
    assertThat(expect(get(researcher, s), 200).json().getString("status")).isEqualTo("closed");
    assertThat(events("study-" + id, null)).isEqualTo(5);
  }

  // ---- joining -----------------------------------------------------------------------------------------------

  @Test
  void joiningNeedsAnOpenStudy() {
    String id = study(PILOT);
    String joinPath = "/api/studies/" + id + "/join";

    expectRefused(post(As.nobody(), joinPath, null), 409, "paused");

    expect(post(researcher, "/api/studies/" + id + "/open", null), 200);
    Joined p = join(id);
    JsonObject session = expect(get(p.as(), p.path()), 200).json();
    assertThat(session.getString("studyId")).isEqualTo(id);
    assertThat(session.getString("phase")).isEqualTo("consent");

    expect(post(researcher, "/api/studies/" + id + "/close", null), 200);
    expectRefused(post(As.nobody(), joinPath, null), 409, "closed");
    assertThat(events("study-" + id, "ParticipantAssigned")).isEqualTo(1);
  }

  @Test
  void aFullStudyTurnsTheNextOneAway() {
    String id = openStudy(PILOT.replace("maxParticipants: 200", "maxParticipants: 2"));

    join(id);
    join(id);

    expectRefused(post(As.nobody(), "/api/studies/" + id + "/join", null), 409, "full");
    assertThat(expect(get(researcher, "/api/studies/" + id), 200).json().getInteger("participants")).isEqualTo(2);
  }

  @Test
  void aRetriedJoinReturnsToTheSameParticipant() {
    String id = openStudy(PILOT);
    String key = UUID.randomUUID().toString();

    Reply first = post(As.nobody(), "/api/studies/" + id + "/join", null, key);
    Reply second = post(As.nobody(), "/api/studies/" + id + "/join", null, key);

    expect(first, 201);
    assertThat(first.json().getBoolean("returning")).isFalse();
    expect(second, 200);
    assertThat(second.json().getBoolean("returning")).isTrue();
    assertThat(second.json().getString("participantId")).isEqualTo(first.json().getString("participantId"));
    Joined p = joined(second.json());
    expect(get(p.as(), p.path()), 200);
    assertThat(events("study-" + id, "ParticipantAssigned")).isEqualTo(1);
  }

  @Test
  void aProlificParticipantComesBackToTheirSessionAndTheirIdStaysOutOfTheLog() {
    String id = openStudy(PILOT);
    String pid = "pid" + UUID.randomUUID().toString().replace("-", "");
    JsonObject body = new JsonObject().put("prolific", new JsonObject().put("PROLIFIC_PID", pid)
        .put("STUDY_ID", "prolific-study-7").put("SESSION_ID", "session-42"));

    Reply first = post(As.nobody(), "/api/studies/" + id + "/join", body);
    Joined p = joined(expect(first, 201).json());
    expect(post(p.as(), p.path() + "/consent", CONSENT), 200);
    Reply again = post(As.nobody(), "/api/studies/" + id + "/join", body);

    expect(again, 200);
    assertThat(again.json().getBoolean("returning")).isTrue();
    assertThat(again.json().getString("participantId")).isEqualTo(p.participantId());
    assertThat(again.json().getString("token")).isNotEqualTo(first.json().getString("token"));
    JsonObject session = expect(get(As.bearer(again.json().getString("token")), p.path()), 200).json();
    assertThat(session.getString("phase")).isEqualTo("parameters");

    assertThat(count("select count(*) from participant_entries where participant_id = '" + p.participantId()
        + "' and study_id = '" + id + "' and entry = 'prolific' and prolific_pid = '" + pid
        + "' and prolific_study_id = 'prolific-study-7' and prolific_session_id = 'session-42'")).isEqualTo(1);
    assertThat(count("select count(*) from events where data::text like '%" + pid + "%'"
        + " or metadata::text like '%" + pid + "%'")).isZero();
    assertThat(events("study-" + id, "ParticipantAssigned")).isEqualTo(1);
  }

  // ---- balanced arms -----------------------------------------------------------------------------------------

  @Test
  void sequentialJoinsStayWithinOneBlockOfBalance() {
    String id = openStudy(PILOT);

    for (int i = 0; i < 40; i++) {
      join(id);
    }

    JsonObject study = expect(get(researcher, "/api/studies/" + id), 200).json();
    Map<String, Integer> arms = arms(study);
    assertThat(arms.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(40);
    assertThat(study.getInteger("participants")).isEqualTo(40);
    assertThat(Math.abs(arms.get("A") - arms.get("B"))).isLessThanOrEqualTo(study.getInteger("blockSize"));
  }

  @Test
  void concurrentJoinsAreSerialisedWithoutGapsOrDuplicates() {
    String id = openStudy(PILOT);

    List<Future<Reply>> sent = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      sent.add(server.send(As.nobody(), HttpMethod.POST, "/api/studies/" + id + "/join", null, Map.of()));
    }
    await(Future.all(sent));

    Set<String> participants = new HashSet<>();
    for (Future<Reply> f : sent) {
      participants.add(expect(f.result(), 201).json().getString("participantId"));
    }
    assertThat(participants).hasSize(30);
    JsonObject study = expect(get(researcher, "/api/studies/" + id), 200).json();
    Map<String, Integer> arms = arms(study);
    assertThat(arms.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(30);
    assertThat(Math.abs(arms.get("A") - arms.get("B"))).isLessThanOrEqualTo(study.getInteger("blockSize"));
    List<Long> indexes = new ArrayList<>();
    try (var c = database.ownerConnection(); var s = c.createStatement(); var r = s.executeQuery(
        "select (data->>'index')::int from events where stream_id = 'study-" + id + "'"
            + " and type = 'ParticipantAssigned' order by version")) {
      while (r.next()) {
        indexes.add(r.getLong(1));
      }
    } catch (java.sql.SQLException e) {
      throw new AssertionError(e);
    }
    assertThat(indexes).containsExactlyElementsOf(java.util.stream.LongStream.range(0, 30).boxed().toList());
    assertThat(expect(get(researcher, "/api/studies/" + id + "/participants"), 200).json()
        .getJsonArray("participants").getList()).containsExactlyInAnyOrderElementsOf(participants);
  }

  // ---- personal links and previews --------------------------------------------------------------------------

  @Test
  void personalLinksCarryTheirLabels() {
    String id = study(PILOT);   // links may be prepared while the study is paused

    Reply made = post(researcher, "/api/studies/" + id + "/links", new JsonObject().put("labels", List.of("P01", "P02")));

    List<JsonObject> links = expect(made, 201).json().getJsonArray("links").stream().map(JsonObject.class::cast)
        .toList();
    assertThat(links).extracting(l -> l.getString("label")).containsExactly("P01", "P02");
    Map<String, String> labelOf = new TreeMap<>();
    for (JsonObject link : links) {
      String url = link.getString("url");
      assertThat(url).startsWith("http://localhost/#participant=");
      As participant = As.bearer(url.substring(url.indexOf('=') + 1));
      String pid = link.getString("participantId");
      expect(get(participant, "/api/participants/" + pid), 200);
      labelOf.put(pid, link.getString("label"));
    }
    Reply twice = post(researcher, "/api/studies/" + id + "/links", new JsonObject().put("labels", List.of("P03", "P03")));
    expect(twice, 400);
    assertThat(twice.json().getString("field")).isEqualTo("labels");
    assertThat(events("study-" + id, "ParticipantAssigned")).isEqualTo(2);

    for (var entry : labelOf.entrySet()) {
      assertThat(eventuallyRow(id, entry.getKey(), row -> true).getString("label")).isEqualTo(entry.getValue());
    }
    assertThat(expect(get(researcher, "/api/studies/" + id + "/participants"), 200).json()
        .getJsonArray("participants").getList()).containsExactlyElementsOf(labelOf.keySet().stream()
            .sorted((a, b) -> labelOf.get(a).compareTo(labelOf.get(b))).toList());
  }

  @Test
  void linksThatWouldOverfillTheStudyAreRefusedWhole() {
    String id = study(PILOT.replace("maxParticipants: 200", "maxParticipants: 2"));
    expect(post(researcher, "/api/studies/" + id + "/links", new JsonObject().put("labels", List.of("P01"))), 201);

    Reply r = post(researcher, "/api/studies/" + id + "/links", new JsonObject().put("labels", List.of("P02", "P03")));

    expectRefused(r, 409, "full");
    assertThat(r.json().getString("detail")).contains("1 more participant");
    assertThat(events("study-" + id, "ParticipantAssigned")).isEqualTo(1);
    assertThat(count("select count(*) from participant_entries where study_id = '" + id + "'")).isEqualTo(1);
    expect(post(researcher, "/api/studies/" + id + "/links", new JsonObject().put("labels", List.of("P02"))), 201);
  }

  @Test
  void aPreviewWorksWhilePausedAndIsLeftOutOfTheCounts() {
    String id = study(PILOT);
    Joined real = joined(expect(post(researcher, "/api/studies/" + id + "/participants", new JsonObject()), 201)
        .json());

    Reply preview = expect(post(researcher, "/api/studies/" + id + "/preview", null), 201);

    String pid = preview.json().getString("participantId");
    String url = preview.json().getString("url");
    As tester = As.bearer(url.substring(url.indexOf('=') + 1));
    String p = "/api/participants/" + pid;
    expect(post(tester, p + "/consent", CONSENT), 200);
    assertThat(expect(post(tester, p + "/parameters", PARAMETERS), 200).json().getString("phase"))
        .isEqualTo("training");
    JsonObject row = eventuallyRow(id, pid, r -> "training".equals(r.getString("phase")));
    assertThat(row.getJsonArray("flags").getList()).contains("test");
    eventuallyRow(id, real.participantId(), r -> true);
    JsonObject monitor = expect(get(researcher, "/api/studies/" + id + "/monitor"), 200).json();
    JsonObject counts = monitor.getJsonObject("counts");
    assertThat(counts.getJsonObject("arms").getMap().values().stream().mapToInt(v -> (Integer) v).sum())
        .isEqualTo(1);
    assertThat(counts.getJsonObject("phases").getMap()).containsOnlyKeys("consent");
    JsonObject study = expect(get(researcher, "/api/studies/" + id), 200).json();
    assertThat(study.getInteger("participants")).isEqualTo(1);
    assertThat(study.getInteger("tests")).isEqualTo(1);
    assertThat(arms(study).values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(1);
    assertThat(monitor.getJsonObject("study").getInteger("participants")).isEqualTo(1);
  }

  // ---- the monitor -------------------------------------------------------------------------------------------

  @Test
  void theMonitorStreamShowsAParticipantsStepsWithinASecond() throws Exception {
    String id = openStudy(PILOT);
    Joined p = join(id);
    JsonObject row = eventuallyRow(id, p.participantId(), r -> true);
    assertThat(row.getString("arm")).isIn("A", "B");
    assertThat(row.getString("phase")).isEqualTo("consent");

    record Received(long nanos, JsonObject row) {}
    List<Received> rows = new CopyOnWriteArrayList<>();
    StringBuilder pending = new StringBuilder();
    HttpClient http = vertx.createHttpClient();
    HttpClientResponse response = await(http.request(new RequestOptions().setMethod(HttpMethod.GET)
            .setPort(server.port).setHost("localhost").setURI("/api/studies/" + id + "/monitor/stream")
            .putHeader("Authorization", "Bearer " + researcher.bearer()))
        .compose(request -> request.send()));
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.getHeader("Content-Type")).startsWith("text/event-stream");
    response.handler(chunk -> {
      long at = System.nanoTime();
      synchronized (pending) {
        pending.append(chunk.toString(StandardCharsets.UTF_8));
        int end;
        while ((end = pending.indexOf("\n\n")) >= 0) {
          String message = pending.substring(0, end);
          pending.delete(0, end + 2);
          if (message.startsWith("event: row\n")) {
            rows.add(new Received(at, new JsonObject(message.substring(message.indexOf("data: ") + 6))));
          }
        }
      }
    });
    try {
      List<Long> delays = new ArrayList<>();
      String s = p.path();
      record Step(String path, JsonObject body, Predicate<JsonObject> shows) {}
      List<Step> steps = List.of(
          new Step(s + "/consent", CONSENT, r -> "parameters".equals(r.getString("phase"))),
          new Step(s + "/parameters", PARAMETERS, r -> "training".equals(r.getString("phase"))
              && r.getInteger("episode") == 1 && r.getInteger("step") == 1),
          new Step(s + "/ratings", rating(1, 1, 7), r -> r.getInteger("step") == 2 && r.getInteger("lastRating") == 7),
          new Step(s + "/ratings", rating(1, 2, 3), r -> r.getInteger("step") == 3 && r.getInteger("lastRating") == 3),
          new Step(s + "/ratings", rating(1, 3, 9), r -> r.getInteger("step") == 4 && r.getInteger("lastRating") == 9));
      for (Step step : steps) {
        long sent = System.nanoTime();
        expect(post(p.as(), step.path(), step.body()), 200);
        long until = sent + Duration.ofSeconds(2).toNanos();
        Received seen = null;
        while (seen == null && System.nanoTime() < until) {
          seen = rows.stream().filter(r -> r.nanos() >= sent && r.row().getString("id").equals(p.participantId())
              && step.shows().test(r.row())).findFirst().orElse(null);
          sleep(5);
        }
        assertThat(seen).as("a row after " + step.path() + " within 2 s; rows so far: " + rows).isNotNull();
        delays.add(Duration.ofNanos(seen.nanos() - sent).toMillis());
      }
      delays.sort(Long::compare);
      assertThat(delays.get(delays.size() / 2)).as("median delay in ms of " + delays).isLessThan(1000);
      JsonObject training = rows.stream().map(Received::row).filter(r -> "training".equals(r.getString("phase")))
          .findFirst().orElseThrow();
      assertThat(training.getString("arm")).isEqualTo(row.getString("arm"));
    } finally {
      await(http.close());
    }
  }

  private static JsonObject rating(int episode, int step, int rating) {
    return new JsonObject().put("episode", episode).put("step", step).put("rating", rating);
  }

  // ---- supervision -------------------------------------------------------------------------------------------

  @Test
  void aResearcherPausesResumesNotesAndEndsASession() {
    String id = openStudy(PILOT);
    Joined p = join(id);
    Joined other = join(id);

    JsonObject paused = expect(post(researcher, p.path() + "/pause", new JsonObject().put("reason", "a break")), 200)
        .json();
    assertThat(paused.getJsonArray("flags").getList()).contains("paused");
    expectRefused(post(p.as(), p.path() + "/consent", CONSENT), 409, "paused-by-researcher");
    expect(post(researcher, other.path() + "/pause", null), 200);
    assertThat(expect(post(other.as(), other.path() + "/withdraw", null), 200).json().getString("phase"))
        .isEqualTo("withdrawn");

    JsonObject resumed = expect(post(researcher, p.path() + "/resume", null), 200).json();
    assertThat(resumed.getJsonArray("flags").getList()).doesNotContain("paused");
    expect(post(p.as(), p.path() + "/consent", CONSENT), 200);
    expect(post(p.as(), p.path() + "/parameters", PARAMETERS), 200);

    Instant before = Instant.now().minusSeconds(5);
    expect(post(researcher, p.path() + "/notes", new JsonObject().put("text", "hums along to the tracks")), 200);
    List<JsonObject> notes = expect(get(researcher, p.path() + "/notes"), 200).json().getJsonArray("notes").stream()
        .map(JsonObject.class::cast).toList();
    assertThat(notes).hasSize(1);
    assertThat(notes.getFirst().getString("by")).isEqualTo(owner.id());
    assertThat(notes.getFirst().getString("text")).isEqualTo("hums along to the tracks");
    assertThat(Instant.parse(notes.getFirst().getString("at"))).isBetween(before, Instant.now().plusSeconds(5));

    JsonObject ended = expect(post(researcher, p.path() + "/end", new JsonObject().put("reason", "felt unwell")), 200)
        .json();
    assertThat(ended.getString("phase")).isEqualTo("ended");
    assertThat(expect(get(p.as(), p.path()), 200).json().getString("phase")).isEqualTo("ended");
    expect(post(p.as(), p.path() + "/ratings", rating(1, 1, 5)), 409);
    expect(post(researcher, p.path() + "/end", new JsonObject().put("reason", "again")), 409);
    expect(post(researcher, p.path() + "/kiosk", null), 409);
  }

  @Test
  void aKioskCodeHandsTheSessionToALabComputerOnce() {
    String id = openStudy(PILOT);
    Joined p = join(id);

    Reply code = expect(post(researcher, p.path() + "/kiosk", null), 200);

    assertThat(Instant.parse(code.json().getString("expiresAt"))).isAfter(Instant.now());
    JsonObject body = new JsonObject().put("code", code.json().getString("code"));
    Reply redeemed = expect(post(As.nobody(), "/api/kiosk", body), 200);
    assertThat(redeemed.json().getString("participantId")).isEqualTo(p.participantId());
    As kiosk = As.bearer(redeemed.json().getString("token"));
    expect(post(kiosk, p.path() + "/consent", CONSENT), 200);
    assertThat(expect(get(p.as(), p.path()), 200).json().getString("phase")).isEqualTo("parameters");
    expect(post(As.nobody(), "/api/kiosk", body), 404);
    expect(post(As.nobody(), "/api/kiosk", new JsonObject().put("code", "made-up")), 404);
  }

  @Test
  void aParticipantTokenReachesNoSupervisionRoute() {
    String id = openStudy(PILOT);
    Joined p = join(id);
    long before = events("participant-" + p.participantId(), null);

    for (Reply r : List.of(
        post(p.as(), p.path() + "/pause", null),
        post(p.as(), p.path() + "/resume", null),
        post(p.as(), p.path() + "/notes", new JsonObject().put("text", "x")),
        get(p.as(), p.path() + "/notes"),
        post(p.as(), p.path() + "/end", new JsonObject().put("reason", "x")),
        post(p.as(), p.path() + "/kiosk", null),
        get(p.as(), "/api/studies/" + id + "/monitor"))) {
      expect(r, 403);
    }
    assertThat(events("participant-" + p.participantId(), null)).isEqualTo(before);
  }

  // ---- a paused study ----------------------------------------------------------------------------------------

  @Test
  void aPausedStudyHoldsItsParticipantsOnlyWhenTheProtocolSaysSo() {
    String hold = """
        id: held
        version: 1
        title: Held while paused
        consent:
          version: "1.0"
          text: You agree to take part.
        recruitment:
          whilePaused: hold
        arms:
          - id: only
        """;
    String held = openStudy(hold);
    String continuing = openStudy(PILOT);
    Joined h = join(held);
    Joined c = join(continuing);
    expect(post(researcher, "/api/studies/" + held + "/pause", null), 200);
    expect(post(researcher, "/api/studies/" + continuing + "/pause", null), 200);

    expectRefused(post(h.as(), h.path() + "/consent", CONSENT), 409, "paused");
    assertThat(expect(post(c.as(), c.path() + "/consent", CONSENT), 200).json().getString("phase"))
        .isEqualTo("parameters");
    // A preview is how a researcher tries a paused study: it is never held.
    JsonObject preview = expect(post(researcher, "/api/studies/" + held + "/preview", null), 201).json();
    String previewUrl = preview.getString("url");
    expect(post(As.bearer(previewUrl.substring(previewUrl.indexOf('=') + 1)),
        "/api/participants/" + preview.getString("participantId") + "/consent", CONSENT), 200);

    expect(post(researcher, "/api/studies/" + held + "/open", null), 200);
    expect(post(h.as(), h.path() + "/consent", CONSENT), 200);
  }

  // ---- dropouts ----------------------------------------------------------------------------------------------

  @Test
  void anIdleParticipantIsMarkedDroppedOutOnceAndComesBack() {
    String id = openStudy(PILOT.replace("idleMinutes: 10", "idleMinutes: 1"));
    Joined p = join(id);
    expect(post(p.as(), p.path() + "/consent", CONSENT), 200);
    eventuallyRow(id, p.participantId(), r -> "parameters".equals(r.getString("phase")));
    StudyMonitor monitor = server.http.monitor();
    Instant later = Instant.now().plus(Duration.ofMinutes(2));

    await(Future.all(monitor.sweep(later), monitor.sweep(later)));
    await(monitor.sweep(later));

    String stream = "participant-" + p.participantId();
    assertThat(events(stream, "ParticipantDroppedOut")).isEqualTo(1);
    eventuallyRow(id, p.participantId(), r -> r.getJsonArray("flags").contains("dropped-out"));
    assertThat(expect(post(p.as(), p.path() + "/parameters", PARAMETERS), 200).json().getString("phase"))
        .isEqualTo("training");
    eventuallyRow(id, p.participantId(), r -> "training".equals(r.getString("phase"))
        && !r.getJsonArray("flags").contains("dropped-out"));
    assertThat(events(stream, "ParticipantDroppedOut")).isEqualTo(1);
  }

  // ---- who may reach a study ---------------------------------------------------------------------------------

  @Test
  void aStrangerGets404OnEveryRouteOfAStudyTheyDoNotBelongTo() throws Exception {
    String id = openStudy(PILOT);
    Joined p = join(id);
    Researchers.Researcher stranger = account("stranger");
    As strangerApi = As.bearer(apiToken(stranger));
    String studyStream = "study-" + id;
    String participantStream = "participant-" + p.participantId();
    long studyEvents = events(studyStream, null);
    long participantEvents = events(participantStream, null);
    String absent = expect(get(strangerApi, "/api/studies/no-such-study"), 404).json().getString("detail");
    assertThat(absent).isEqualTo("no study 'no-such-study'");

    Map<String, JsonObject> bodies = Map.of(
        "/api/studies/{studyId}/links", new JsonObject().put("labels", List.of("P01")),
        "/api/studies/{studyId}/members", new JsonObject().put("email", stranger.email()),
        "/api/studies/{studyId}/participants", new JsonObject().put("arm", "A"));
    @SuppressWarnings("unchecked")
    Map<String, Map<String, Map<String, Object>>> paths = (Map<String, Map<String, Map<String, Object>>>)
        new ObjectMapper(new YAMLFactory()).readValue(OpenApi.document(), Map.class).get("paths");
    List<String> walked = new ArrayList<>();
    for (var path : paths.entrySet()) {
      if (!path.getKey().contains("{studyId}")) {
        continue;
      }
      for (var operation : path.getValue().entrySet()) {
        if (List.of().equals(operation.getValue().get("security"))) {
          continue;   // public: joining needs no account
        }
        HttpMethod method = HttpMethod.valueOf(operation.getKey().toUpperCase(java.util.Locale.ROOT));
        JsonObject body = method == HttpMethod.GET ? null : bodies.get(path.getKey());
        if (method != HttpMethod.GET && body == null) {
          assertThat(operation.getValue().get("requestBody")).as("a body for " + path.getKey()).isNull();
        }
        Reply r = server.call(strangerApi, method, path.getKey().replace("{studyId}", id), body);
        assertThat(r.status()).as(method + " " + path.getKey() + ": " + r.body()).isEqualTo(404);
        assertThat(r.json().getString("detail")).as(method + " " + path.getKey())
            .isEqualTo("no study '" + id + "'");
        walked.add(method + " " + path.getKey());
      }
    }
    assertThat(walked).contains("GET /api/studies/{studyId}", "POST /api/studies/{studyId}/close",
        "GET /api/studies/{studyId}/monitor/stream", "POST /api/studies/{studyId}/members");

    String pp = p.path();
    for (Reply r : List.of(
        post(strangerApi, pp + "/pause", new JsonObject().put("reason", "x")),
        post(strangerApi, pp + "/resume", null),
        post(strangerApi, pp + "/notes", new JsonObject().put("text", "x")),
        get(strangerApi, pp + "/notes"),
        post(strangerApi, pp + "/end", new JsonObject().put("reason", "x")),
        post(strangerApi, pp + "/kiosk", null),
        get(strangerApi, pp + "/q-table"),
        get(strangerApi, pp + "/events"),
        get(strangerApi, pp))) {
      assertThat(r.status()).as(r.body()).isEqualTo(404);
      // As for a participant who does not exist: the answer names no study.
      assertThat(r.json().getString("detail")).as(r.body()).isEqualTo("no participant '" + p.participantId() + "'");
    }
    assertThat(events(studyStream, null)).isEqualTo(studyEvents);
    assertThat(events(participantStream, null)).isEqualTo(participantEvents);
    assertThat(count("select count(*) from study_members where study_id = '" + id + "'")).isEqualTo(1);
    expect(get(researcher, "/api/studies/" + id + "/monitor"), 200);
  }
}
