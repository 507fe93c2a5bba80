package org.tuneloop.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sound.midi.MetaMessage;
import javax.sound.midi.MidiEvent;
import javax.sound.midi.MidiSystem;
import javax.sound.midi.Sequence;
import javax.sound.midi.ShortMessage;
import javax.sound.midi.Track;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * One participant through the whole API against `./study serve --demo --port 0`, started as a separate process
 * the way the README says; the tests run in order and share that participant.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ParticipantApiIT {
  private Path workDir;
  private ServerProcess server;
  private Api participant;
  private Api researcher;
  private String participantId;

  @BeforeAll
  void start() throws Exception {
    workDir = Files.createTempDirectory("tuneloop-api-");
    server = ServerProcess.start(workDir, UNLIMITED);
    participantId = server.participantId();
    participant = new Api(server.url(), server.participantToken());
    researcher = new Api(server.url(), server.researcherToken());
  }

  @AfterAll
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
    ServerProcess.deleteFolder(workDir);
  }

  /** The test trains as fast as a script can, far beyond a person's pace: no per-participant limit here. */
  private static final String[] UNLIMITED = {"--command-rate", "0"};

  @Test
  @Order(1)
  void startsAndPrintsTheLinksWithinSeconds() {
    System.out.printf("serve --demo ready in %d ms%n", server.startup().toMillis());
    assertThat(server.startup()).isLessThan(java.time.Duration.ofSeconds(90));
    assertThat(server.output()).anyMatch(l -> l.startsWith("Participant link: " + server.url() + "/#participant="));
    assertThat(server.output()).anyMatch(l -> l.startsWith("Researcher link: " + server.url() + "/#researcher="));
    // at least 128 random bits: 256-bit tokens in unpadded base64url are 43 characters
    assertThat(server.participantToken()).hasSizeGreaterThanOrEqualTo(22).matches("[A-Za-z0-9_-]+");
    assertThat(server.researcherToken()).startsWith(ApiTokens.PREFIX);
    assertThat(new Api(server.url(), null).get("/health").json().getString("status")).isEqualTo("ok");
  }

  @Test
  void theDemoLinksFileIsForItsOwnerOnly() throws Exception {
    java.nio.file.Path file = server.workDir().resolve("data").resolve("demo-links.json");
    org.junit.jupiter.api.Assumptions.assumeTrue(
        java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
    assertThat(java.nio.file.Files.getPosixFilePermissions(file)).containsExactlyInAnyOrder(
        java.nio.file.attribute.PosixFilePermission.OWNER_READ, java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
  }

  @Test
  @Order(2)
  void badInputGetsAClearErrorAndStoresNothing() throws Exception {
    String p = "/api/participants/" + participantId;
    long before = eventCount();
    expectError(participant.post(p + "/consent", "{\"consentVersion\": \"1.0\"}"), 400, "agree");
    expectError(participant.post(p + "/consent", "{\"consentVersion\": \"0.9\", \"agree\": true}"), 422, "consentVersion");
    expectError(participant.post(p + "/consent", "{not json"), 400, null);
    expectError(participant.post(p + "/consent", "[1, 2]"), 400, null);
    expectError(participant.post(p + "/ratings", "{\"episode\": 1, \"step\": 1, \"rating\": 5}"), 409, null);
    expectError(participant.post(p + "/parameters", parameters(60, "major", 8, 90).encode()), 409, null);
    assertThat(eventCount()).as("events after refused commands").isEqualTo(before);

    JsonObject consent = participant.session(participantId).getJsonObject("consent");
    Api.Reply agreed = participant.post(p + "/consent", new JsonObject().put("consentVersion", consent.getString("version"))
        .put("agree", true).encode());
    assertThat(agreed.status()).isEqualTo(200);
    // The demo's flow (paper-replication.yaml) asks its questions before the start parameters.
    assertThat(participant.throughBlocksBeforeTraining(participantId, agreed.json()).getString("phase"))
        .isEqualTo("parameters");
    before = eventCount();
    // The HTTP layer checks types and shapes (400); what the arm allows is the decider's to say (422), from one rule.
    expectError(participant.post(p + "/parameters", parameters(60, "lydian", 8, 90).encode()), 422, "scale");
    expectError(participant.post(p + "/parameters", parameters(60, "major", 99, 90).encode()), 422, "length");
    expectError(participant.post(p + "/parameters", parameters(20, "major", 8, 90).encode()), 422, "baseNote");
    expectError(participant.post(p + "/parameters", parameters(60, "major", 8, 300).encode()), 422, "tempo");
    expectError(participant.post(p + "/parameters", "{\"baseNote\": \"sixty\", \"scale\": \"major\", \"length\": 8, \"tempo\": 90}"), 400, "baseNote");
    expectError(participant.post(p + "/parameters", parameters(60, "major", 8, 90).put("mode", "x").encode()), 400, "mode");
    assertThat(eventCount()).as("events after refused parameters").isEqualTo(before);

    JsonObject session = participant.post(p + "/parameters", parameters(60, "major", 8, 90).encode()).json();
    assertThat(session.getString("phase")).isEqualTo("training");
    before = eventCount();
    for (String outOfRange : List.of("{\"episode\": 1, \"step\": 1, \"rating\": 11}",
        "{\"episode\": 1, \"step\": 1, \"rating\": 0}")) {
      expectError(participant.post(p + "/ratings", outOfRange), 422, "rating");
    }
    for (String bad : List.of("{\"episode\": 1, \"step\": 1, \"rating\": 5.5}", "{\"episode\": 1, \"step\": 1, \"rating\": \"5\"}",
        "{\"episode\": 1, \"step\": 1}", "{\"episode\": 1, \"step\": 1, \"rating\": 5, \"extra\": true}")) {
      Api.Reply r = participant.post(p + "/ratings", bad);
      assertThat(r.status()).as(bad).isEqualTo(400);
      assertThat(r.json().getString("detail")).as(bad).containsAnyOf("rating", "extra");
    }
    expectError(participant.post(p + "/ratings", "{\"episode\": 1, \"step\": 2, \"rating\": 5}"), 409, null);
    expectError(participant.post(p + "/ratings", "{\"episode\": 1, \"step\": 1, \"rating\": 5}", " ".repeat(3)), 400, "Idempotency-Key");
    expectError(participant.post(p + "/finish", null), 409, null);
    expectError(participant.post(p + "/ratings", "{\"episode\": 1, \"step\": 1, \"rating\": 5}".repeat(4000)), 413, null);
    expectError(new Api(server.url(), "not-a-real-token-but-long-enough").get(p), 401, null);
    expectError(new Api(server.url(), null).get(p), 401, null);
    expectError(participant.get("/api/no-such-route"), 404, null);
    assertThat(eventCount()).as("events after refused ratings").isEqualTo(before);
  }

  @Test
  @Order(3)
  void trainsTenEpisodesAcrossAKilledServerAndRetries() throws Exception {
    String p = "/api/participants/" + participantId;
    JsonObject session = participant.session(participantId);
    int ratings = 0;
    while (session.getString("phase").equals("training")) {
      if (ratings == 20) {
        // A database outage: once the database is back, the same request with the same key is stored exactly once.
        long rated = count("TrackRated");
        stopEmbeddedDatabase();
        JsonObject track = session.getJsonObject("track");
        String body = new JsonObject().put("episode", track.getInteger("episode")).put("step", track.getInteger("step"))
            .put("rating", 4).encode();
        // The server starts its database again by itself within seconds (DatabaseRecoveryIT): the rating meets
        // the outage (503: whether it was saved is not known) or comes just after it.
        Api.Reply during = participant.post(p + "/ratings", body, "outage-key");
        assertThat(during.status()).as(during.body()).isIn(200, 503);
        if (during.status() == 503) {
          assertThat(during.json().getString("detail")).contains("database").contains("not known");
        }
        server.kill();
        server = ServerProcess.start(workDir, UNLIMITED);
        participant = new Api(server.url(), participant.token());
        researcher = new Api(server.url(), researcher.token());
        assertThat(count("TrackRated")).isBetween(rated, rated + 1);
        Api.Reply accepted = participant.post(p + "/ratings", body, "outage-key");
        assertThat(accepted.status()).as(accepted.body()).isEqualTo(200);
        assertThat(participant.post(p + "/ratings", body, "outage-key").json().getBoolean("duplicate")).isTrue();
        assertThat(count("TrackRated")).isEqualTo(rated + 1);
        session = accepted.json();
        ratings++;
        continue;
      }
      if (ratings == 37) {
        JsonObject beforeKill = session;
        server.kill();
        server = ServerProcess.start(workDir, UNLIMITED);
        participant = new Api(server.url(), participant.token());
        researcher = new Api(server.url(), researcher.token());
        assertThat(server.participantToken()).as("the demo prints the same links after a restart")
            .isEqualTo(participant.token());
        session = participant.session(participantId);
        assertThat(session.getJsonObject("track")).as("the same step and track after a SIGKILL and restart")
            .isEqualTo(beforeKill.getJsonObject("track"));
        assertThat(session.getJsonObject("progress")).isEqualTo(beforeKill.getJsonObject("progress"));
      }
      if (ratings == 50) {
        String key = UUID.randomUUID().toString();
        JsonObject track = session.getJsonObject("track");
        String body = new JsonObject().put("episode", track.getInteger("episode")).put("step", track.getInteger("step"))
            .put("rating", 7).encode();
        long rated = count("TrackRated");
        Api.Reply first = participant.post(p + "/ratings", body, key);
        Api.Reply retry = participant.post(p + "/ratings", body, key);
        assertThat(first.status()).isEqualTo(200);
        assertThat(retry.status()).isEqualTo(200);
        assertThat(first.json().getBoolean("duplicate")).isFalse();
        assertThat(retry.json().getBoolean("duplicate")).isTrue();
        assertThat(retry.json().getJsonObject("track")).isEqualTo(first.json().getJsonObject("track"));
        assertThat(count("TrackRated")).as("a retried rating is stored once").isEqualTo(rated + 1);
        expectError(participant.post(p + "/ratings", body, UUID.randomUUID().toString()), 409, null);
        session = first.json();
        ratings++;
        continue;
      }
      Api.Reply reply = participant.rate(participantId, session, taste(session.getJsonObject("track")));
      assertThat(reply.status()).as(reply.body()).isEqualTo(200);
      session = reply.json();
      ratings++;
    }
    assertThat(ratings).isEqualTo(80);
    assertThat(session.getString("phase")).isEqualTo("between-episodes");
    assertThat(session.getBoolean("canFinish")).isTrue();
    assertThat(session.getJsonObject("progress").getInteger("completedEpisodes")).isEqualTo(10);
  }

  @Test
  @Order(4)
  void storesExactlyOneRatingAndOneUpdatePerStepInOneContiguousStream() throws Exception {
    String stream = "'participant-" + participantId + "'";
    assertThat(count("TrackRated")).isEqualTo(80);
    assertThat(count("QValueUpdated")).isEqualTo(80);
    assertThat(Db.count(server.databaseUrl(), "select count(distinct (data->>'episode', data->>'step')) from events "
        + "where type = 'TrackRated' and stream_id = " + stream)).isEqualTo(80);
    long n = Db.count(server.databaseUrl(), "select count(*) from events where stream_id = " + stream);
    assertThat(Db.count(server.databaseUrl(), "select max(version) from events where stream_id = " + stream)).isEqualTo(n);
    assertThat(Db.count(server.databaseUrl(), "select min(version) from events where stream_id = " + stream)).isEqualTo(1);
    assertThat(Db.count(server.databaseUrl(), "select count(*) from events where stream_id = " + stream
        + " and (metadata->>'appVersion') is not null and (metadata->>'agentVersion') is not null")).isEqualTo(n);
    assertThat(Db.count(server.databaseUrl(), "select count(*) from events where type = 'ActionChosen' and stream_id = "
        + stream + " and data ? 'explored' and data ? 'epsilon'")).isEqualTo(80);
    assertThat(Db.count(server.databaseUrl(), "select count(*) from events where type = 'TrackRated' and stream_id = "
        + stream + " and (data->>'millisToRate')::bigint >= 0")).isEqualTo(80);
  }

  @Test
  @Order(5)
  void researcherSeesTheQTableRebuiltFromTheEvents() {
    String p = "/api/participants/" + participantId;
    expectError(participant.get(p + "/q-table"), 403, null);
    expectError(participant.get(p + "/events"), 403, null);
    JsonObject q = researcher.get(p + "/q-table").json();
    JsonArray events = researcher.get(p + "/events").json().getJsonArray("events");
    Map<String, Double> lastAfter = new HashMap<>();
    for (int i = 0; i < events.size(); i++) {
      JsonObject e = events.getJsonObject(i);
      if (e.getString("type").equals("QValueUpdated")) {
        JsonObject d = e.getJsonObject("data");
        lastAfter.put(d.getString("state") + " / " + d.getString("action"), d.getDouble("after"));
      }
    }
    assertThat(q.getInteger("entries")).isEqualTo(lastAfter.size()).isPositive();
    JsonArray values = q.getJsonArray("values");
    for (int i = 0; i < values.size(); i++) {
      JsonObject row = values.getJsonObject(i);
      assertThat(row.getDouble("value")).isEqualTo(lastAfter.get(row.getString("state") + " / " + row.getString("action")));
    }
    assertThat(participant.session(participantId).encode()).doesNotContain("\"after\"").doesNotContain("q-table");
  }

  @Test
  @Order(6)
  void finishesWithAGreedyCompositionAsJsonAndAsMidi() throws Exception {
    String p = "/api/participants/" + participantId;
    JsonObject session = participant.post(p + "/finish", null, UUID.randomUUID().toString()).json();
    // The demo's flow goes on after training: the evaluation, the feedback questions and the debrief.
    assertThat(session.getString("phase")).isEqualTo("evaluation");
    session = participant.throughBlocksAfterTraining(participantId, session);
    assertThat(session.getString("phase")).isEqualTo("finished");
    JsonObject composition = participant.get(p + "/composition").json();
    assertThat(composition.getJsonArray("actions")).hasSize(8);
    JsonArray notes = composition.getJsonArray("notes");

    Api.Reply midi = participant.get(p + "/composition.mid");
    assertThat(midi.status()).isEqualTo(200);
    Sequence sequence = MidiSystem.getSequence(new ByteArrayInputStream(midi.bytes()));
    List<Integer> melody = new ArrayList<>();
    List<Integer> drums = new ArrayList<>();
    Integer microsPerBeat = null;
    for (Track track : sequence.getTracks()) {
      for (int i = 0; i < track.size(); i++) {
        MidiEvent event = track.get(i);
        if (event.getMessage() instanceof ShortMessage m && m.getCommand() == ShortMessage.NOTE_ON && m.getData2() > 0) {
          (m.getChannel() == 0 ? melody : m.getChannel() == 9 ? drums : new ArrayList<Integer>()).add(m.getData1());
          assertThat(m.getChannel()).isIn(0, 9);
        } else if (event.getMessage() instanceof MetaMessage meta && meta.getType() == 0x51) {
          byte[] d = meta.getData();
          microsPerBeat = ((d[0] & 0xff) << 16) | ((d[1] & 0xff) << 8) | (d[2] & 0xff);
        }
      }
    }
    List<Integer> expectedPitches = new ArrayList<>();
    List<Integer> expectedDrums = new ArrayList<>();
    for (int i = 0; i < notes.size(); i++) {
      expectedPitches.add(notes.getJsonObject(i).getInteger("pitch"));
      int drum = notes.getJsonObject(i).getInteger("drum");
      if (drum != 0) {
        expectedDrums.add(drum);
      }
    }
    assertThat(melody).isEqualTo(expectedPitches);
    assertThat(drums).isEqualTo(expectedDrums);
    assertThat(microsPerBeat).isEqualTo(60_000_000 / 90);
  }

  @Test
  @Order(7)
  void anotherParticipantsTokenReachesNoParticipantRoute() throws Exception {
    Api.Reply enrolled = researcher.post("/api/studies/demo/participants", "{}");
    assertThat(enrolled.status()).isEqualTo(201);
    Api other = participant.as(enrolled.json().getString("token"));
    assertThat(other.session(enrolled.json().getString("participantId")).getString("phase")).isEqualTo("consent");
    expectError(participant.post("/api/studies/demo/participants", "{}"), 403, null);
    expectError(participant.get("/api/studies"), 403, null);

    @SuppressWarnings("unchecked")
    Map<String, Object> doc = new ObjectMapper(new YAMLFactory()).readValue(participant.get("/openapi.yaml").body(), Map.class);
    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> paths = (Map<String, Map<String, Object>>) doc.get("paths");
    int checked = 0;
    long before = eventCount();
    for (var entry : paths.entrySet()) {
      if (!entry.getKey().contains("{participantId}")) {
        continue;
      }
      String path = entry.getKey().replace("{participantId}", participantId);
      for (String method : entry.getValue().keySet()) {
        if (!List.of("get", "post").contains(method)) {
          continue;
        }
        Api.Reply r = other.send(method.toUpperCase(), path, method.equals("post") ? "{}" : null, null);
        assertThat(r.status()).as(method + " " + path + " with another participant's token").isIn(403, 404);
        assertThat(r.body()).doesNotContain(participantId + "\",\"studyId");
        Api.Reply anonymous = new Api(server.url(), null).send(method.toUpperCase(), path, null, null);
        assertThat(anonymous.status()).as(method + " " + path + " without a token").isEqualTo(401);
        checked++;
      }
    }
    assertThat(checked).isGreaterThanOrEqualTo(11);
    assertThat(eventCount()).isEqualTo(before);
  }

  @Test
  @Order(8)
  void auditVerifyPassesAndCatchesAnEventAlteredBehindTheApplicationsBack() throws Exception {
    ServerProcess.Result checkpoint = ServerProcess.study(workDir, "audit", "checkpoint", "--db", server.databaseUrl(),
        "--app-password", server.appPassword(), "--out", workDir.resolve("checkpoint.json").toString());
    assertThat(checkpoint.exitCode()).as(checkpoint.output()).isZero();
    assertThat(checkpoint.output()).contains("checkpoint 1:").contains("Copied to");
    long started = System.nanoTime();
    ServerProcess.Result ok = ServerProcess.study(workDir, "audit", "verify", "--db", server.databaseUrl(),
        "--app-password", server.appPassword(), "--against", workDir.resolve("checkpoint.json").toString());
    System.out.printf("audit verify --against (a new JVM, migrations checked, %d events): %d ms in all%n",
        eventCount(), (System.nanoTime() - started) / 1_000_000);
    System.out.println(ok.output());
    assertThat(ok.exitCode()).as(ok.output()).isZero();
    assertThat(ok.output()).contains("80 Q-value updates recomputed").contains("OK").contains("against checkpoint 1");
    ServerProcess.Result overHttp = ServerProcess.study(workDir, "audit", "verify", "--url", server.url(),
        "--study", "demo", "--token", server.researcherToken());
    assertThat(overHttp.exitCode()).as(overHttp.output()).isZero();
    assertThat(overHttp.output()).contains("Audited study demo").contains("OK");
    assertThat(researcher.get("/api/studies/demo/access-log").json().getJsonArray("entries"))
        .anySatisfy(e -> assertThat(((JsonObject) e).getString("action")).isEqualTo("audit"));

    try (Connection c = Db.owner(server.databaseUrl()); Statement s = c.createStatement()) {
      s.execute("alter table events disable trigger user");
      s.executeUpdate("update events set data = jsonb_set(data, '{after}', to_jsonb((data->>'after')::float8 + 0.5)) "
          + "where position = (select min(position) from events where type = 'QValueUpdated' and stream_id = 'participant-"
          + participantId + "' and (data->>'step')::int = 3)");
      s.execute("alter table events enable trigger user");
    }
    ServerProcess.Result tampered = ServerProcess.study(workDir, "audit", "verify", "--db", server.databaseUrl(),
        "--app-password", server.appPassword());
    assertThat(tampered.exitCode()).as(tampered.output()).isEqualTo(1);
    assertThat(tampered.output()).contains("FAILED").contains("participant " + participantId)
        .contains("[Q-value update]").contains("[hash chain]");
  }

  /** A fast shutdown (SIGINT) of the embedded PostgreSQL under the running server. */
  private void stopEmbeddedDatabase() throws Exception {
    Path pidFile = workDir.resolve("data/postgres/postmaster.pid");
    long pid = Long.parseLong(Files.readAllLines(pidFile).getFirst().trim());
    Process kill = new ProcessBuilder("kill", "-INT", Long.toString(pid)).inheritIO().start();
    assertThat(kill.waitFor()).isZero();
    ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow();
    postmaster.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
  }

  private static JsonObject parameters(int base, String scale, int length, int tempo) {
    return new JsonObject().put("baseNote", base).put("scale", scale).put("length", length).put("tempo", tempo);
  }

  /** A simulated taste: likes high, short tracks. Deterministic, so the run is repeatable. */
  private static int taste(JsonObject track) {
    JsonArray notes = track.getJsonArray("notes");
    double sum = 0;
    for (int i = 0; i < notes.size(); i++) {
      sum += notes.getJsonObject(i).getInteger("pitch") - 60 - notes.getJsonObject(i).getDouble("beats") * 4;
    }
    return (int) Math.max(1, Math.min(10, Math.round(5 + sum / notes.size())));
  }

  private long eventCount() throws Exception {
    return Db.count(server.databaseUrl(), "select count(*) from events");
  }

  private long count(String type) throws Exception {
    return Db.count(server.databaseUrl(), "select count(*) from events where type = '" + type
        + "' and stream_id = 'participant-" + participantId + "'");
  }

  private static void expectError(Api.Reply reply, int status, String field) {
    assertThat(reply.status()).as(reply.body()).isEqualTo(status);
    JsonObject body = reply.json();
    assertThat(body.getString("error")).isNotBlank();
    assertThat(body.getString("detail")).isNotBlank();
    if (field != null) {
      assertThat(body.getString("detail")).contains(field);
    }
  }
}
