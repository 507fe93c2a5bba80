package org.tuneloop.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.tuneloop.server.InProcessServer.await;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tuneloop.eventstore.StoredEvent;
import org.tuneloop.eventstore.testing.TestDatabases;
import org.tuneloop.eventstore.testing.TestDatabases.TestDatabase;
import org.tuneloop.server.InProcessServer.As;
import org.tuneloop.server.InProcessServer.Reply;

/**
 * The learning views over HTTP against participants driven through the participant API: their shapes, their
 * values against the stored events, who may read them, and the access log that records each call.
 */
@Timeout(180)
class LearningRoutesTest {
  /** The pilot's training alone (two episodes of four steps), with flags from four rated steps on. */
  private static final String PROTOCOL = StudyCommand.resource("/protocols/pilot-training-only.yaml")
      + "\ndiagnostics: {minSteps: 4}\n";

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
    String email = "l-" + UUID.randomUUID().toString().substring(0, 8) + "@example.org";
    return await(server.platform.researchers.create(email, Researchers.Role.RESEARCHER, "not-a-password-hash"));
  }

  private static String study() {
    Platform p = server.platform;
    String studyId = "l-" + UUID.randomUUID().toString().substring(0, 8);
    await(p.studies.create(studyId, PROTOCOL, owner.id()));
    await(p.access.grantOwner(studyId, owner.id()));
    await(p.studies.change(studyId, new org.tuneloop.study.StudyDecider.Command.Open(owner.id())));
    return studyId;
  }

  private record Driven(String participantId, As as) {}

  /**
   * A participant through the participant API to the end of training: every track of episode 1 rated 9, of
   * episode 2 rated 3.
   */
  private static Driven drive(String studyId, boolean test) {
    return rate(join(studyId, test), Integer.MAX_VALUE);
  }

  private static Driven join(String studyId, boolean test) {
    Studies.Joined joined = await(server.platform.studies.join(studyId,
        new Studies.Entry("link", null, null, test, null, null)));
    return new Driven(joined.participantId(), As.bearer(joined.token()));
  }

  /** The participant on through their session as {@link #drive} does, until it ends or after {@code ratings}. */
  private static Driven rate(Driven driven, int ratings) {
    As as = driven.as();
    String p = "/api/participants/" + driven.participantId();
    int rated = 0;
    for (int guard = 0; guard < 100 && rated < ratings; guard++) {
      JsonObject session = expect(server.get(as, p), 200).json();
      switch (session.getString("phase")) {
        case "consent" -> expect(server.post(as, p + "/consent", new JsonObject()
            .put("consentVersion", session.getJsonObject("consent").getString("version")).put("agree", true)), 200);
        case "parameters" -> expect(server.post(as, p + "/parameters", new JsonObject().put("baseNote", 60)
            .put("scale", "major").put("length", 4).put("tempo", 200)), 200);
        case "training" -> {
          JsonObject track = session.getJsonObject("track");
          int episode = track.getInteger("episode");
          expect(server.post(as, p + "/ratings", new JsonObject().put("episode", episode)
              .put("step", track.getInteger("step")).put("rating", episode == 1 ? 9 : 3)
              .put("clientMillisToRate", 1500).put("heardShare", 1.0)), 200);
          rated++;
        }
        case "between-episodes" -> {
          if (session.getBoolean("canFinish")) {
            expect(server.post(as, p + "/finish", new JsonObject()), 200);
          } else {
            expect(server.post(as, p + "/episodes", new JsonObject()), 200);
          }
        }
        default -> {
          return driven;
        }
      }
    }
    if (rated == ratings) {
      return driven;
    }
    throw new AssertionError("the session did not end");
  }

  private static Reply expect(Reply reply, int status) {
    assertThat(reply.status()).as(reply.body()).isEqualTo(status);
    return reply;
  }

  private static List<StoredEvent> stored(String participantId) {
    return await(server.platform.store.readStream(Participants.streamId(participantId), 0));
  }

  private static List<StoredEvent> ofType(List<StoredEvent> events, String type) {
    return events.stream().filter(e -> e.type().equals(type)).toList();
  }

  @Test
  void theLearningTraceHasAStepPerRatingWithItsUpdateAndTheDiagnostics() {
    String studyId = study();
    Driven d = drive(studyId, false);
    List<StoredEvent> events = stored(d.participantId());
    List<StoredEvent> rated = ofType(events, "TrackRated");
    List<StoredEvent> updated = ofType(events, "QValueUpdated");

    JsonObject learning = expect(server.get(researcher, "/api/participants/" + d.participantId() + "/learning"),
        200).json();
    assertThat(learning.getString("participantId")).isEqualTo(d.participantId());
    assertThat(learning.getString("arm")).isIn("A", "B");
    assertThat(learning.getString("phase")).isEqualTo("finished");
    JsonArray steps = learning.getJsonArray("steps");
    assertThat(steps).hasSize(8).hasSize(rated.size());
    for (int i = 0; i < steps.size(); i++) {
      JsonObject s = steps.getJsonObject(i);
      JsonObject u = updated.get(i).data();
      assertThat(s.getLong("position")).isEqualTo(rated.get(i).position());
      assertThat(s.getInteger("episode")).isEqualTo(i < 4 ? 1 : 2);
      assertThat(s.getInteger("step")).isEqualTo(i % 4 + 1);
      assertThat(s.getInteger("rating")).isEqualTo(i < 4 ? 9 : 3);
      assertThat(s.getLong("clientMillisToRate")).isEqualTo(1500);
      assertThat(s.getDouble("heardShare")).isEqualTo(1.0);
      assertThat(s.getInteger("tempo")).isEqualTo(200);
      assertThat(s.getJsonObject("track").getJsonArray("notes").size()).as("a removal leaves fewer").isBetween(2, 4);
      assertThat(s.getJsonObject("track").getInteger("step")).isEqualTo(s.getInteger("step"));
      assertThat(s.getString("action")).isEqualTo(u.getString("action"));
      assertThat(s.getString("actionText")).matches("(raised|lowered|lengthened|shortened|changed|removed) .*note \\d.*");
      assertThat(s.getString("state")).isEqualTo(u.getString("state"));
      assertThat(s.getDouble("qBefore")).isEqualTo(u.getDouble("before"));
      assertThat(s.getDouble("qAfter")).isEqualTo(u.getDouble("after"));
      assertThat(s.getDouble("reward")).isEqualTo(u.getDouble("reward"));
      double target = u.getBoolean("terminal") ? u.getDouble("reward")
          : u.getDouble("reward") + u.getDouble("gamma") * u.getDouble("maxNext");
      assertThat(s.getDouble("tdError")).isCloseTo(target - u.getDouble("before"), within(1e-12));
      assertThat(s.getBoolean("explored")).isNotNull();
      assertThat(s.getInteger("qTableSize")).isBetween(1, i + 1);
      assertThat(s.getDouble("revisitRate")).isBetween(0.0, 1.0);
    }
    JsonArray episodes = learning.getJsonArray("episodes");
    assertThat(episodes).hasSize(2);
    assertThat(episodes.getJsonObject(0).getDouble("meanRating")).isEqualTo(9.0);
    assertThat(episodes.getJsonObject(1).getDouble("meanRating")).isEqualTo(3.0);
    assertThat(episodes.getJsonObject(0).getInteger("explored") + episodes.getJsonObject(0).getInteger("exploited"))
        .isEqualTo(4);
    JsonArray actions = learning.getJsonArray("actions");
    assertThat(actions.stream().mapToInt(a -> ((JsonObject) a).getInteger("chosen")).sum()).isEqualTo(8);
    assertThat(actions.getJsonObject(0).getString("text")).isNotBlank();

    JsonObject diagnostics = learning.getJsonObject("diagnostics");
    assertThat(diagnostics.getJsonObject("figures").getDouble("ratingSlopePerEpisode")).isEqualTo(-6.0);
    assertThat(diagnostics.getJsonObject("thresholds").getMap()).containsEntry("minSteps", 4)
        .containsEntry("policyCollapseShare", 0.6).containsEntry("neverSeenStateShare", 0.9)
        .containsEntry("ratingDriftPerEpisode", -0.3);
    assertThat(diagnostics.getJsonArray("flags").stream().map(f -> ((JsonObject) f).getString("kind")))
        .contains("rating-drift");
    assertThat(diagnostics.getJsonArray("flags").stream().map(f -> ((JsonObject) f).getString("message")))
        .anySatisfy(m -> assertThat(m).contains("6.00 points per episode").contains("0.30"));
  }

  @Test
  void provenanceListsEveryUpdateOfAStateAction() {
    Driven d = drive(study(), false);
    String p = "/api/participants/" + d.participantId();
    JsonObject first = expect(server.get(researcher, p + "/learning"), 200).json().getJsonArray("steps")
        .getJsonObject(0);
    String state = first.getString("state");
    String action = first.getString("action");
    List<StoredEvent> updates = ofType(stored(d.participantId()), "QValueUpdated").stream()
        .filter(e -> e.data().getString("state").equals(state) && e.data().getString("action").equals(action))
        .toList();

    JsonObject answer = expect(server.get(researcher, p + "/provenance?state=" + encode(state) + "&action="
        + encode(action)), 200).json();
    assertThat(answer.getString("state")).isEqualTo(state);
    assertThat(answer.getString("action")).isEqualTo(action);
    JsonArray listed = answer.getJsonArray("updates");
    assertThat(listed).hasSize(updates.size());
    JsonObject u = listed.getJsonObject(0);
    assertThat(u.getLong("position")).isEqualTo(updates.getFirst().position());
    assertThat(u.getInteger("episode")).isEqualTo(1);
    assertThat(u.getInteger("step")).isEqualTo(1);
    assertThat(u.getInteger("rating")).isEqualTo(9);
    assertThat(u.getDouble("after")).isEqualTo(first.getDouble("qAfter"));
    assertThat(u.getDouble("delta")).isEqualTo(u.getDouble("after") - u.getDouble("before"));
    assertThat(answer.getDouble("value")).isEqualTo(updates.getLast().data().getDouble("after"));

    Reply never = expect(server.get(researcher, p + "/provenance?state=" + encode(state) + "&action=remove-note@99"),
        404);
    assertThat(never.json().getString("detail")).contains("never updated");
    assertThat(expect(server.get(researcher, p + "/provenance?action=" + action), 400).json().getString("field"))
        .isEqualTo("state");
    assertThat(expect(server.get(researcher, p + "/provenance?state=" + encode(state)), 400).json()
        .getString("field")).isEqualTo("action");
  }

  @Test
  void theQTableAtAPositionLeavesOutLaterUpdates() {
    Driven d = drive(study(), false);
    String p = "/api/participants/" + d.participantId() + "/q-table";
    List<StoredEvent> events = stored(d.participantId());
    List<StoredEvent> updates = ofType(events, "QValueUpdated");
    long firstRated = ofType(events, "TrackRated").getFirst().position();

    JsonObject before = expect(server.get(researcher, p + "?at=" + firstRated), 200).json();
    assertThat(before.getLong("at")).isEqualTo(firstRated);
    assertThat(before.getInteger("entries")).isZero();
    assertThat(before.getJsonArray("policy")).isEmpty();

    JsonObject one = expect(server.get(researcher, p + "?at=" + updates.getFirst().position()), 200).json();
    assertThat(one.getInteger("entries")).isEqualTo(1);
    JsonObject row = one.getJsonArray("values").getJsonObject(0);
    assertThat(row.getString("state")).isEqualTo(updates.getFirst().data().getString("state"));
    assertThat(row.getDouble("value")).isEqualTo(updates.getFirst().data().getDouble("after"));
    assertThat(one.getJsonArray("policy").getJsonObject(0).getMap())
        .containsEntry("greedyAction", updates.getFirst().data().getString("action"));
    assertThat(one.getJsonObject("learning").getInteger("updates")).isEqualTo(1);

    JsonObject now = expect(server.get(researcher, p), 200).json();
    assertThat(now.getLong("at")).isEqualTo(events.getLast().position());
    assertThat(now.getJsonObject("learning").getInteger("updates")).isEqualTo(updates.size());
    assertThat(now.getInteger("entries")).isEqualTo(now.getJsonObject("learning").getInteger("qTableSize"));
    assertThat(now.getJsonArray("policy").size()).isBetween(1, now.getInteger("entries"));
    assertThat(expect(server.get(researcher, p + "?at=" + Long.MAX_VALUE), 200).json().getInteger("entries"))
        .isEqualTo(now.getInteger("entries"));

    for (String bad : List.of("-1", "ten", "1.5", "")) {
      assertThat(expect(server.get(researcher, p + "?at=" + bad), 400).json().getString("field")).isEqualTo("at");
    }
  }

  @Test
  void aStudysLearningAveragesItsParticipantsAndLeavesOutTestAndWithdrawnOnes() {
    String studyId = study();
    Driven a = drive(studyId, false);
    Driven b = drive(studyId, false);
    drive(studyId, true);
    Driven withdrawn = drive(studyId, false);
    expect(server.post(withdrawn.as(), "/api/participants/" + withdrawn.participantId() + "/withdraw",
        new JsonObject()), 200);

    JsonObject answer = expect(server.get(researcher, "/api/studies/" + studyId + "/learning"), 200).json();
    assertThat(answer.getString("studyId")).isEqualTo(studyId);
    JsonArray arms = answer.getJsonArray("arms");
    assertThat(arms.stream().map(x -> ((JsonObject) x).getString("arm"))).containsExactly("A", "B");
    assertThat(arms.stream().mapToInt(x -> ((JsonObject) x).getInteger("participants")).sum()).isEqualTo(2);
    for (Object x : arms) {
      JsonObject arm = (JsonObject) x;
      int n = arm.getInteger("participants");
      assertThat(arm.getJsonObject("flags").getInteger("rating-drift")).isEqualTo(n);
      assertThat(arm.getJsonObject("flags").fieldNames()).containsExactlyInAnyOrder("no-convergence",
          "policy-collapse", "state-space-explosion", "rating-drift");
      if (n == 0) {
        assertThat(arm.getJsonArray("episodes")).isEmpty();
        continue;
      }
      JsonObject first = arm.getJsonArray("episodes").getJsonObject(0);
      assertThat(first.getInteger("episode")).isEqualTo(1);
      assertThat(first.getInteger("n")).isEqualTo(n);
      assertThat(first.getDouble("mean")).isEqualTo(9.0);
      if (n == 1) {
        assertThat(first.getValue("low")).isNull();
      } else {
        // Every participant's mean is 9: no spread, so the interval is the mean itself.
        assertThat(first.getDouble("low")).isEqualTo(9.0);
        assertThat(first.getDouble("high")).isEqualTo(9.0);
      }
    }
    assertThat(answer.getJsonArray("participants").stream().map(x -> ((JsonObject) x).getString("participantId")))
        .containsExactlyInAnyOrder(a.participantId(), b.participantId());
    assertThat(answer.getJsonArray("participants").getJsonObject(0).getJsonArray("flags").getList())
        .contains("rating-drift");
  }

  /** A study's view keeps what it folded, and folds again whatever moved since: ratings, a withdrawal, a newcomer. */
  @Test
  void aStudysLearningFollowsWhatHappensAfterItWasRead() {
    String studyId = study();
    Driven done = drive(studyId, false);
    Driven going = rate(join(studyId, false), 2);
    String path = "/api/studies/" + studyId + "/learning";

    JsonObject before = expect(server.get(researcher, path), 200).json();
    assertThat(episodeMeans(before)).containsOnlyKeys("A", "B");
    assertThat(episodeMeans(before).values()).containsExactlyInAnyOrder(List.of(9.0, 3.0), List.of(9.0));
    assertThat(expect(server.get(researcher, path), 200).json()).as("nothing moved: the same answer")
        .isEqualTo(before);

    rate(going, Integer.MAX_VALUE);
    JsonObject after = expect(server.get(researcher, path), 200).json();
    assertThat(episodeMeans(after).values()).containsExactly(List.of(9.0, 3.0), List.of(9.0, 3.0));

    expect(server.post(done.as(), "/api/participants/" + done.participantId() + "/withdraw", new JsonObject()), 200);
    Driven late = drive(studyId, false);
    JsonObject last = expect(server.get(researcher, path), 200).json();
    Map<String, Integer> counts = new java.util.TreeMap<>();
    for (Object x : last.getJsonArray("arms")) {
      counts.put(((JsonObject) x).getString("arm"), ((JsonObject) x).getInteger("participants"));
    }
    // The withdrawn participant's arm lost them; the newcomer joined the arm with fewer assigned.
    assertThat(counts.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(2);
    assertThat(last.getJsonArray("participants").stream().map(x -> ((JsonObject) x).getString("participantId")))
        .containsExactlyInAnyOrder(going.participantId(), late.participantId());
  }

  /** Each arm's mean rating per episode, in episode order. */
  private static Map<String, List<Double>> episodeMeans(JsonObject studyLearning) {
    Map<String, List<Double>> means = new java.util.TreeMap<>();
    for (Object x : studyLearning.getJsonArray("arms")) {
      JsonObject arm = (JsonObject) x;
      means.put(arm.getString("arm"), arm.getJsonArray("episodes").stream()
          .map(e -> ((JsonObject) e).getDouble("mean")).toList());
    }
    return means;
  }

  @Test
  void onlyTheStudysResearchersMayReadAndEachReadIsRecorded() {
    String studyId = study();
    Driven d = drive(studyId, false);
    String p = "/api/participants/" + d.participantId();
    List<String> participantPaths = List.of(p + "/learning", p + "/provenance?state=x&action=pitch-up@0",
        p + "/q-table?at=1");
    for (String path : participantPaths) {
      expect(server.get(As.nobody(), path), 401);
      expect(server.get(d.as(), path), 403);
      assertThat(expect(server.get(outsider, path), 404).json().getString("detail"))
          .isEqualTo("no participant '" + d.participantId() + "'");
    }
    // Access is checked before the query: only the study's researchers learn that a query is malformed.
    expect(server.get(outsider, p + "/provenance"), 404);
    expect(server.get(outsider, p + "/q-table?at=soon"), 404);
    expect(server.get(d.as(), p + "/provenance"), 403);
    expect(server.get(researcher, p + "/q-table?at=soon"), 400);
    expect(server.get(researcher, p + "/provenance?state=x"), 400);
    expect(server.get(researcher, "/api/participants/" + UUID.randomUUID() + "/learning"), 404);
    String study = "/api/studies/" + studyId + "/learning";
    expect(server.get(As.nobody(), study), 401);
    expect(server.get(d.as(), study), 403);
    assertThat(expect(server.get(outsider, study), 404).json().getString("detail"))
        .isEqualTo("no study '" + studyId + "'");
    expect(server.get(researcher, "/api/studies/no-such-study/learning"), 404);
    String log = "/api/studies/" + studyId + "/access-log";
    assertThat(expect(server.get(researcher, log), 200).json().getJsonArray("entries"))
        .as("refused calls are not recorded").isEmpty();

    JsonObject step = expect(server.get(researcher, p + "/learning"), 200).json().getJsonArray("steps")
        .getJsonObject(0);
    expect(server.get(researcher, p + "/provenance?state=" + encode(step.getString("state")) + "&action="
        + encode(step.getString("action"))), 200);
    expect(server.get(researcher, p + "/q-table?at=5"), 200);
    expect(server.get(researcher, study), 200);
    expect(server.get(researcher, "/api/studies/" + studyId + "/export?format=csv"), 200);

    JsonArray entries = expect(server.get(researcher, log), 200).json().getJsonArray("entries");
    assertThat(entries.stream().map(e -> ((JsonObject) e).getString("action")))
        .containsExactly("export", "study-learning", "replay", "provenance", "learning");
    for (Object e : entries) {
      JsonObject entry = (JsonObject) e;
      assertThat(entry.getString("researcherId")).isEqualTo(owner.id().toString());
      assertThat(entry.getString("email")).isEqualTo(owner.email());
      assertThat(entry.getString("at")).isNotBlank();
    }
    assertThat(entries.getJsonObject(0).getJsonObject("detail").getMap()).containsEntry("format", "csv")
        .containsEntry("includeTest", false);
    assertThat(entries.getJsonObject(1).getValue("participantId")).isNull();
    assertThat(entries.getJsonObject(2).getJsonObject("detail").getLong("at")).isEqualTo(5L);
    assertThat(entries.getJsonObject(3).getJsonObject("detail").getString("action"))
        .isEqualTo(step.getString("action"));
    assertThat(entries.getJsonObject(4).getString("participantId")).isEqualTo(d.participantId());
  }

  private static String encode(String text) {
    return java.net.URLEncoder.encode(text, java.nio.charset.StandardCharsets.UTF_8);
  }
}
