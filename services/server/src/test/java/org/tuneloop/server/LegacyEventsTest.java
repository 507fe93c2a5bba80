package org.tuneloop.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tuneloop.server.InProcessServer.await;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tuneloop.eventstore.ExpectedVersion;
import org.tuneloop.eventstore.NewEvent;
import org.tuneloop.eventstore.testing.TestDatabases;
import org.tuneloop.eventstore.testing.TestDatabases.TestDatabase;
import org.tuneloop.server.InProcessServer.As;
import org.tuneloop.study.Participant;

/**
 * A study and a participant whose events were written in earlier schema versions (StudyCreated 1 before studies
 * had a lifecycle, ParticipantEnrolled 1 before test participants and flows, TrackRated 1 before the passive
 * signals, CompositionCreated 1 before compositions started from the best-rated track), from the committed fixture
 * legacy-events/pilot-participant-v1.jsonl: stored as they were into a fresh database, they replay, pass the audit
 * and show in the learning views with the current code.
 */
@Timeout(120)
class LegacyEventsTest {
  private static final String FIXTURE = "/legacy-events/pilot-participant-v1.jsonl";
  private static final String STUDY = "legacy-pilot";

  private static TestDatabase database;
  private static Vertx vertx;
  private static InProcessServer server;
  private static As researcher;
  private static String participantId;
  private static Map<String, Integer> versions;

  @BeforeAll
  static void load() throws IOException {
    database = TestDatabases.fresh();
    vertx = Vertx.vertx();
    Pool pool = database.appPool(vertx, 8);
    server = InProcessServer.deploy(vertx, pool, database, "http://localhost");
    Map<String, List<NewEvent>> streams = new LinkedHashMap<>();
    versions = new LinkedHashMap<>();
    try (InputStream in = LegacyEventsTest.class.getResourceAsStream(FIXTURE)) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        JsonObject e = new JsonObject(line);
        streams.computeIfAbsent(e.getString("stream"), s -> new ArrayList<>()).add(new NewEvent(UUID.randomUUID(),
            e.getString("type"), e.getInteger("schemaVersion"), e.getJsonObject("data"), e.getJsonObject("metadata")));
        versions.put(e.getString("type"), e.getInteger("schemaVersion"));
      }
    }
    streams.forEach((stream, events) -> await(server.platform.store.append(stream, ExpectedVersion.noStream(),
        events)));
    participantId = streams.keySet().stream().filter(s -> s.startsWith("participant-")).findFirst().orElseThrow()
        .substring("participant-".length());
    Researchers.Researcher owner = await(server.platform.researchers.create("legacy@example.org",
        Researchers.Role.RESEARCHER, "not-a-password-hash"));
    await(server.platform.access.grantOwner(STUDY, owner.id()));
    researcher = As.bearer(await(server.platform.apiTokens.issue(owner.id(), "test")).token());
  }

  @AfterAll
  static void stop() {
    await(vertx.close());
    database.close();
  }

  @Test
  void theFixtureHoldsEventsOfEarlierSchemaVersions() {
    assertThat(versions).containsEntry("StudyCreated", 1).containsEntry("ParticipantEnrolled", 1)
        .containsEntry("TrackRated", 1).containsEntry("CompositionCreated", 1);
    Studies.Loaded study = await(server.platform.studies.get(STUDY));
    assertThat(study.study().created().openOnCreate()).as("upcast: open from the start").isTrue();
    assertThat(study.protocol().thresholds().diagnostics().minSteps()).as("the schema's default").isEqualTo(16);
  }

  @Test
  void theParticipantReplaysToTheEndOfTraining() {
    Participants.Loaded loaded = await(server.platform.participants.load(participantId));
    assertThat(loaded.state()).isInstanceOf(Participant.Finished.class);
    Participant.Finished finished = (Participant.Finished) loaded.state();
    assertThat(finished.completedEpisodes()).isEqualTo(2);
    assertThat(finished.composition().fromEpisode()).as("unknown in version 1").isNull();
    assertThat(finished.enrolment().test()).isFalse();
  }

  @Test
  void theAuditPassesOnTheStoredEventsAsTheyWereWritten() {
    AuditRun.Result result = await(AuditRun.verify(vertx, server.platform.store, server.platform.checkpoints, STUDY,
        null, 2));
    assertThat(result.mismatches()).isEmpty();
    assertThat(result.streams()).isEqualTo(2);
    assertThat(result.checks().get("Q-value update")).isEqualTo(8L);

    InProcessServer.Reply route = server.get(researcher, "/api/studies/" + STUDY + "/audit");
    assertThat(route.status()).as(route.body()).isEqualTo(200);
    assertThat(route.json().getBoolean("ok")).isTrue();
    assertThat(route.json().getJsonArray("mismatches")).isEmpty();
  }

  @Test
  void theLearningViewsReadTheOlderEvents() {
    InProcessServer.Reply reply = server.get(researcher, "/api/participants/" + participantId + "/learning");
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    JsonArray steps = reply.json().getJsonArray("steps");
    assertThat(steps).hasSize(8);
    assertThat(steps.stream().map(s -> ((JsonObject) s).getInteger("rating")))
        .containsExactly(3, 8, 5, 10, 7, 4, 9, 6);
    for (Object s : steps) {
      JsonObject step = (JsonObject) s;
      assertThat(step.getValue("heardShare")).as("not recorded before TrackRated 2").isNull();
      assertThat(step.getLong("clientMillisToRate")).isEqualTo(1800);
      assertThat(step.getDouble("qAfter")).isNotNull();
    }
    JsonObject study = server.get(researcher, "/api/studies/" + STUDY + "/learning").json();
    assertThat(study.getJsonArray("arms").stream().mapToInt(a -> ((JsonObject) a).getInteger("participants")).sum())
        .isEqualTo(1);

    JsonArray events = server.get(researcher, "/api/participants/" + participantId + "/events").json()
        .getJsonArray("events");
    JsonObject rated = events.stream().map(JsonObject.class::cast).filter(e -> e.getString("type")
        .equals("TrackRated")).findFirst().orElseThrow();
    assertThat(rated.getInteger("schemaVersion")).isEqualTo(1);
  }
}
