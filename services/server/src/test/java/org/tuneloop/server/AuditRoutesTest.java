package org.tuneloop.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tuneloop.server.InProcessServer.await;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tuneloop.eventstore.Checkpoints;
import org.tuneloop.eventstore.StoredEvent;
import org.tuneloop.eventstore.testing.TestDatabases;
import org.tuneloop.eventstore.testing.TestDatabases.TestDatabase;
import org.tuneloop.server.InProcessServer.As;
import org.tuneloop.server.InProcessServer.Reply;
import org.tuneloop.study.Participant;
import org.tuneloop.study.ParticipantCommand;

/**
 * The researcher's reads of the log over HTTP: a participant's events (whole or paged), a study's audit, and the
 * access log that records both. Each test makes its own study and participant.
 */
@Timeout(120)
class AuditRoutesTest {
  private static final String PILOT = StudyCommand.resource("/protocols/pilot-training-only.yaml");

  private static TestDatabase database;
  private static Vertx vertx;
  private static InProcessServer server;
  private static Researchers.Researcher owner;
  private static As researcher;
  private static As outsider;

  @BeforeAll
  static void start() {
    database = TestDatabases.fresh();
    vertx = Vertx.vertx();
    Pool pool = database.appPool(vertx, 8);
    server = InProcessServer.deploy(vertx, pool, database, "http://localhost");
    owner = account();
    researcher = As.bearer(await(server.platform.apiTokens.issue(owner.id(), "test")).token());
    outsider = As.bearer(await(server.platform.apiTokens.issue(account().id(), "test")).token());
  }

  @AfterAll
  static void stop() {
    await(vertx.close());
    database.close();
  }

  private static Researchers.Researcher account() {
    String email = "r-" + UUID.randomUUID().toString().substring(0, 8) + "@example.org";
    return await(server.platform.researchers.create(email, Researchers.Role.RESEARCHER, "not-a-password-hash"));
  }

  private record Trained(String studyId, String participantId, String token) {}

  /** A study of the owner's with one participant through the pilot's training. */
  private static Trained trained() {
    Platform p = server.platform;
    String studyId = "r-" + UUID.randomUUID().toString().substring(0, 8);
    await(p.studies.create(studyId, PILOT, owner.id()));
    await(p.access.grantOwner(studyId, owner.id()));
    await(p.studies.change(studyId, new org.tuneloop.study.StudyDecider.Command.Open(owner.id())));
    Studies.Joined joined = await(p.studies.join(studyId, new Studies.Entry("link", null, null, false, null, null)));
    String id = joined.participantId();
    handle(id, new ParticipantCommand.AnswerConsent("1.0", true));
    handle(id, new ParticipantCommand.ChooseStartParameters(60, "major", 4, 200, Instant.now()));
    Participants.Loaded loaded = await(p.participants.load(id));
    while (loaded.state() instanceof Participant.Training t) {
      loaded = handle(id, new ParticipantCommand.RateTrack(t.episode(), t.step(), 6, null, Instant.now()));
    }
    return new Trained(studyId, id, joined.token());
  }

  private static Participants.Loaded handle(String id, ParticipantCommand command) {
    return await(server.platform.participants.handle(id, command, UUID.randomUUID().toString(), new JsonObject()))
        .loaded();
  }

  private static Reply expect(Reply reply, int status) {
    assertThat(reply.status()).as(reply.body()).isEqualTo(status);
    return reply;
  }

  @Test
  void eventsComeWithTheirPlaceAndTimeWholeOrInPages() {
    Trained t = trained();
    String path = "/api/participants/" + t.participantId() + "/events";
    List<StoredEvent> stored = await(server.platform.store.readStream(Participants.streamId(t.participantId()), 0));

    JsonObject whole = expect(server.get(researcher, path), 200).json();
    JsonArray events = whole.getJsonArray("events");
    assertThat(events).hasSize(stored.size());
    assertThat(whole.getValue("next")).isNull();
    for (int i = 0; i < stored.size(); i++) {
      JsonObject e = events.getJsonObject(i);
      StoredEvent s = stored.get(i);
      assertThat(e.getLong("position")).isEqualTo(s.position());
      assertThat(e.getInteger("version")).isEqualTo(s.version());
      assertThat(e.getString("type")).isEqualTo(s.type());
      assertThat(e.getInteger("schemaVersion")).isEqualTo(s.schemaVersion());
      assertThat(Instant.parse(e.getString("recordedAt"))).isEqualTo(s.recordedAt());
      assertThat(e.getJsonObject("data")).isNotNull();
    }
    // What the web client reads stays as it was.
    assertThat(events.getJsonObject(0).getString("type")).isEqualTo("ParticipantEnrolled");
    assertThat(events.getJsonObject(0).getJsonObject("data").getString("studyId")).isEqualTo(t.studyId());

    List<Integer> paged = new ArrayList<>();
    Object after = 0;
    int pages = 0;
    while (after != null) {
      JsonObject page = expect(server.get(researcher, path + "?limit=7&after=" + after), 200).json();
      page.getJsonArray("events").forEach(e -> paged.add(((JsonObject) e).getInteger("version")));
      assertThat(page.getJsonArray("events").size()).isLessThanOrEqualTo(7);
      after = page.getValue("next");
      pages++;
    }
    assertThat(paged).isEqualTo(stored.stream().map(StoredEvent::version).toList());
    assertThat(pages).isEqualTo(stored.size() / 7 + 1);

    for (String bad : List.of("?limit=0", "?limit=1001", "?limit=ten", "?after=-1")) {
      Reply r = expect(server.get(researcher, path + bad), 400);
      assertThat(r.json().getString("field")).isIn("limit", "after");
    }
    expect(server.get(outsider, path), 404);
    expect(server.get(As.bearer(t.token()), path), 403);
  }

  @Test
  void theStudysAuditAnswersWithEveryMismatch() throws Exception {
    Trained t = trained();
    String path = "/api/studies/" + t.studyId() + "/audit";
    JsonObject ok = expect(server.get(researcher, path), 200).json();
    assertThat(ok.getBoolean("ok")).isTrue();
    assertThat(ok.getInteger("streams")).isEqualTo(2);
    assertThat(ok.getJsonObject("checks").getLong("Q-value update")).isEqualTo(8);
    assertThat(ok.getJsonArray("mismatches")).isEmpty();
    expect(server.get(outsider, path), 404);
    expect(server.get(researcher, "/api/studies/no-such-study/audit"), 404);

    try (var c = database.ownerConnection(); Statement s = c.createStatement()) {
      s.execute("alter table events disable trigger user");
      s.executeUpdate("update events set data = jsonb_set(data, '{rating}', '1') where stream_id = 'participant-"
          + t.participantId() + "' and type = 'TrackRated' and (data->>'step')::int = 2 and (data->>'episode')::int = 1");
      s.execute("alter table events enable trigger user");
    }
    JsonObject failed = expect(server.get(researcher, path), 200).json();
    assertThat(failed.getBoolean("ok")).isFalse();
    assertThat(failed.getJsonArray("mismatches")).anySatisfy(m -> {
      JsonObject mismatch = (JsonObject) m;
      assertThat(mismatch.getString("participant")).isEqualTo(t.participantId());
      assertThat(mismatch.getString("check")).isEqualTo("reward");
      assertThat(mismatch.getString("found")).isEqualTo("6.0");
      assertThat(mismatch.getString("expected")).isEqualTo("1.0");
    });
  }

  @Test
  void everyReadOfTheLogIsInTheStudysAccessLog() {
    Trained t = trained();
    String log = "/api/studies/" + t.studyId() + "/access-log";
    assertThat(expect(server.get(researcher, log), 200).json().getJsonArray("entries")).isEmpty();
    expect(server.get(researcher, "/api/participants/" + t.participantId() + "/events?limit=3"), 200);
    expect(server.get(researcher, "/api/studies/" + t.studyId() + "/audit"), 200);
    expect(server.get(outsider, "/api/participants/" + t.participantId() + "/events"), 404);

    JsonObject answer = expect(server.get(researcher, log), 200).json();
    JsonArray entries = answer.getJsonArray("entries");
    assertThat(entries).hasSize(2);
    JsonObject audit = entries.getJsonObject(0);
    JsonObject events = entries.getJsonObject(1);
    assertThat(audit.getString("action")).isEqualTo("audit");
    assertThat(audit.getString("researcherId")).isEqualTo(owner.id().toString());
    assertThat(audit.getString("email")).isEqualTo(owner.email());
    assertThat(audit.getValue("participantId")).isNull();
    assertThat(events.getString("action")).isEqualTo("events");
    assertThat(events.getString("participantId")).isEqualTo(t.participantId());
    assertThat(events.getJsonObject("detail").getInteger("limit")).isEqualTo(3);
    assertThat(Instant.parse(events.getString("at"))).isBefore(Instant.parse(audit.getString("at")).plusMillis(1));

    JsonObject first = expect(server.get(researcher, log + "?limit=1"), 200).json();
    assertThat(first.getJsonArray("entries")).hasSize(1);
    JsonObject second = expect(server.get(researcher, log + "?limit=1&before=" + first.getLong("next")), 200).json();
    assertThat(second.getJsonArray("entries").getJsonObject(0).getString("action")).isEqualTo("events");
    expect(server.get(outsider, log), 404);
    expect(server.get(researcher, log + "?limit=0"), 400);
  }

  @Test
  void theServerWritesACheckpointWhenTheLogMoved() throws Exception {
    trained();
    long before = InProcessServer.count(database, "select count(*) from checkpoints");
    CheckpointSchedule schedule = new CheckpointSchedule(vertx, new Checkpoints(server.platform.pool()), "test");
    schedule.start(Duration.ofMillis(100));
    try {
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (InProcessServer.count(database, "select count(*) from checkpoints") == before
          && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      long written = InProcessServer.count(database, "select count(*) from checkpoints");
      assertThat(written).isGreaterThan(before);
      Thread.sleep(500);
      // Ticks while nothing moves write nothing.
      assertThat(InProcessServer.count(database, "select count(*) from checkpoints")).isEqualTo(written);
    } finally {
      schedule.stop();
    }
    assertThat(Checkpoints.check(await(server.platform.checkpoints.all())).problems()).isEmpty();
  }
}
