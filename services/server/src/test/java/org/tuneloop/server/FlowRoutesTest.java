package org.tuneloop.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tuneloop.server.InProcessServer.await;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.tuneloop.eventstore.testing.TestDatabases;
import org.tuneloop.eventstore.testing.TestDatabases.TestDatabase;
import org.tuneloop.server.InProcessServer.As;
import org.tuneloop.server.InProcessServer.Reply;

/**
 * A participant's whole formal study over HTTP, in one process: formal-study.yaml's flow from consent to the
 * completion code, the researcher's data-quality figures and monitor flags, and "withdraw my data" afterwards.
 */
@ExtendWith(VertxExtension.class)
@Timeout(180)
class FlowRoutesTest {
  private static final String FORMAL = StudyCommand.resource("/study-protocols/formal-study.yaml");

  /**
   * formal-study.yaml made short: three episodes of two two-note tracks at 300 BPM, the probe within them, the
   * must-listen rule off (it has its own test) and an evaluation tolerance longer than any of its tracks.
   */
  private static final String SHORT_FORMAL = replaced(FORMAL,
      "  idleMinutes: 30\n", "  idleMinutes: 30\n  completionCode: FORMAL-DONE\n",
      "mustListen: {enabled: true, toleranceMillis: 500}", "mustListen: {enabled: false}",
      "- {episode: 5, afterStep: 4, repeatEpisode: 2, repeatStep: 3}",
      "- {episode: 2, afterStep: 1, repeatEpisode: 1, repeatStep: 2}",
      "    tracks: [first, best, composition, baseline]\n",
      "    tracks: [first, best, composition, baseline]\n    toleranceMillis: 10000\n",
      "arms:\n  - id: paper\n", """
          arms:
            - id: paper
              startParameters:
                defaults: {baseNote: 60, scale: major, length: 2, tempo: 300}
                length: [2, 2]
                tempo: [300, 300]
                fixed: true
              episodes:
                minimum: 3
                stepsPerEpisode: 2
          """);

  private static TestDatabase database;
  private static InProcessServer server;
  private static As researcher;

  @BeforeAll
  static void start(Vertx vertx) {
    database = TestDatabases.fresh();
    server = InProcessServer.deploy(vertx, database.appPool(vertx, 8), database, "http://localhost",
        ConnectionGuard.Limits.standard(), null);
    String email = "owner-" + UUID.randomUUID().toString().substring(0, 8) + "@example.org";
    var owner = await(server.platform.researchers.create(email, Researchers.Role.RESEARCHER, "not-a-password-hash"));
    researcher = As.bearer(await(server.platform.apiTokens.issue(owner.id(), "test")).token());
  }

  @AfterAll
  static void dropDatabase() {
    database.close();
  }

  // ---- helpers ---------------------------------------------------------------------------------------------

  private static String replaced(String text, String... pairs) {
    for (int i = 0; i < pairs.length; i += 2) {
      if (!text.contains(pairs[i])) {
        throw new AssertionError("formal-study.yaml no longer holds: " + pairs[i]);
      }
      text = text.replace(pairs[i], pairs[i + 1]);
    }
    return text;
  }

  private static Reply expect(Reply r, int status) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    return r;
  }

  private record Joined(String participantId, As as, String path) {
    JsonObject session() { return expect(server.get(as, path), 200).json(); }

    JsonObject post(String what, JsonObject body) { return expect(server.post(as, path + what, body), 200).json(); }
  }

  /** An open study from the protocol text, and participants entering by personal links (so each has an entry row). */
  private static String openStudy(String protocol) {
    String id = "s-" + UUID.randomUUID().toString().substring(0, 8);
    expect(server.post(researcher, "/api/studies", new JsonObject().put("id", id).put("protocol", protocol)), 201);
    expect(server.post(researcher, "/api/studies/" + id + "/open", null), 200);
    return id;
  }

  private static List<Joined> personalLinks(String studyId, String... labels) {
    Reply made = expect(server.post(researcher, "/api/studies/" + studyId + "/links",
        new JsonObject().put("labels", List.of(labels))), 201);
    return made.json().getJsonArray("links").stream().map(JsonObject.class::cast).map(link -> {
      String url = link.getString("url");
      String pid = link.getString("participantId");
      return new Joined(pid, As.bearer(url.substring(url.indexOf('=') + 1)), "/api/participants/" + pid);
    }).toList();
  }

  private static JsonObject block(JsonObject session, String type, String id) {
    assertThat(session.getString("phase")).as(session.encode()).isEqualTo(type);
    JsonObject block = session.getJsonObject("block");
    assertThat(block.getString("id")).isEqualTo(id);
    return block;
  }

  /** Consent, instructions, the listening check answered right, the two questionnaires: to the training block. */
  private static void beforeTraining(Joined p) {
    JsonObject s = p.session();
    assertThat(s.getString("phase")).isEqualTo("consent");
    assertThat(s.getJsonObject("consent").getString("text")).as("the duration is computed, not a placeholder")
        .doesNotContain("{duration}").contains("minutes");
    s = p.post("/consent", new JsonObject().put("consentVersion", "1.0").put("agree", true));

    assertThat(block(s, "instructions", "instructions").getJsonArray("pages")).hasSize(2);
    s = p.post("/instructions", new JsonObject().put("block", "instructions"));

    block(s, "listening-check", "listening-check");
    s = p.post("/setup", new JsonObject().put("block", "listening-check").put("browser", "Chromium 131")
        .put("sampleRate", 48000).put("outputLatency", 0.02).put("deviceType", "laptop"));
    for (int trial = 1; trial <= 6; trial++) {
      JsonObject check = block(s, "listening-check", "listening-check").getJsonObject("headphoneCheck");
      assertThat(check.getInteger("trial")).isEqualTo(trial);
      int quiet = check.getJsonArray("layout").getList().indexOf("quiet") + 1;
      s = p.post("/headphone-trials", new JsonObject().put("block", "listening-check").put("trial", trial)
          .put("answer", quiet));
    }

    block(s, "questionnaire", "demographics");
    s = p.post("/answers", new JsonObject().put("block", "demographics")
        .put("answers", new JsonObject().put("age", "25-34").put("hearing", "No")));

    JsonArray items = block(s, "questionnaire", "musical-background").getJsonArray("items");
    assertThat(items.stream().map(JsonObject.class::cast).filter(i -> i.getString("type").equals("attention-check")))
        .as("the right answer of an attention check is not sent to the page")
        .allSatisfy(i -> assertThat(i.containsKey("expected")).isFalse());
    s = p.post("/answers", new JsonObject().put("block", "musical-background").put("answers", new JsonObject()
        .put("training-years", 3).put("instrument", "Yes, occasionally").put("listening-hours", "1 to 2")
        .put("attention", "Somewhat agree")));
    assertThat(s.getString("phase")).isEqualTo("parameters");
  }

  /** The training, rated with {@code ratings} in turn (probe included), to the evaluation; a tired report on the way. */
  private static JsonObject training(Joined p, int... ratings) {
    JsonObject s = p.post("/parameters", new JsonObject().put("baseNote", 60).put("scale", "major").put("length", 2)
        .put("tempo", 300));
    int rated = 0;
    while (!s.getString("phase").equals("evaluation")) {
      switch (s.getString("phase")) {
        case "training" -> {
          JsonObject track = s.getJsonObject("track");
          s = p.post("/ratings", new JsonObject().put("episode", track.getInteger("episode"))
              .put("step", track.getInteger("step")).put("rating", ratings[rated++ % ratings.length])
              .put("heardShare", 1.0).put("replays", 0).put("hiddenMillis", 0));
        }
        case "between-episodes" -> {
          JsonObject questionnaire = s.getJsonObject("questionnaire");
          if (questionnaire != null) {
            assertThat(questionnaire.getString("block")).isEqualTo("fatigue");
            s = p.post("/answers", new JsonObject().put("block", "fatigue")
                .put("answers", new JsonObject().put("fatigue", 6)));
          } else if (s.getBoolean("canFinish")) {
            s = p.post("/finish", null);
          } else {
            s = p.post("/episodes", null);
          }
        }
        default -> throw new AssertionError("unexpected on the way through training: " + s.encode());
      }
    }
    assertThat(rated).as("three episodes of two steps, and the probe").isEqualTo(7);
    return s;
  }

  /** Every evaluation track answered, in the order shown; the sources are never shown to the participant. */
  private static JsonObject evaluation(Joined p, JsonObject s) {
    JsonObject block = block(s, "evaluation", "evaluation");
    assertThat(block.getJsonArray("labels").getList()).containsExactly("A", "B", "C", "D");
    assertThat(block.getJsonArray("items").stream().map(JsonObject.class::cast).map(i -> i.getString("id")))
        .containsExactly("musicality", "novelty", "coherence");
    for (String label : List.of("A", "B", "C", "D")) {
      JsonObject track = block(s, "evaluation", "evaluation").getJsonObject("track");
      assertThat(track.getString("label")).isEqualTo(label);
      assertThat(track.containsKey("source")).isFalse();
      s = p.post("/evaluations", new JsonObject().put("block", "evaluation").put("label", label)
          .put("answers", new JsonObject().put("musicality", 5).put("novelty", 3).put("coherence", 6)));
    }
    return s;
  }

  private static List<JsonObject> events(Joined p, String type) {
    return expect(server.get(researcher, p.path() + "/events"), 200).json().getJsonArray("events").stream()
        .map(JsonObject.class::cast).filter(e -> e.getString("type").equals(type))
        .map(e -> e.getJsonObject("data")).toList();
  }

  private static long count(String sql) {
    return InProcessServer.count(database, sql);
  }

  private static JsonObject eventuallyRow(String studyId, String participantId, Predicate<JsonObject> wanted) {
    long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    JsonObject row = null;
    while (System.nanoTime() < until) {
      row = expect(server.get(researcher, "/api/studies/" + studyId + "/monitor"), 200).json()
          .getJsonArray("participants").stream().map(JsonObject.class::cast)
          .filter(r -> r.getString("id").equals(participantId)).findFirst().orElse(null);
      if (row != null && wanted.test(row)) {
        return row;
      }
      sleep(50);
    }
    throw new AssertionError("the monitor row never got there; last: " + row);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(Math.max(0, millis));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  // ---- the tests ---------------------------------------------------------------------------------------------

  @Test
  void aParticipantGoesThroughTheWholeFormalStudyAndWithdrawsTheirDataAfterwards() {
    String studyId = openStudy(SHORT_FORMAL);
    List<Joined> joined = personalLinks(studyId, "P01", "P02");
    Joined p = joined.get(0);
    Joined other = joined.get(1);

    beforeTraining(p);
    JsonObject s = evaluation(p, training(p, 4, 7, 6, 8, 3, 5, 9));

    block(s, "questionnaire", "feedback");
    s = p.post("/answers", new JsonObject().put("block", "feedback").put("answers", new JsonObject()
        .put("enjoyment", 6).put("comments", "The drums were too loud for me.")));
    block(s, "debrief", "debrief");
    s = p.post("/answers", new JsonObject().put("block", "debrief").put("answers", new JsonObject()));

    assertThat(s.getString("phase")).isEqualTo("finished");
    assertThat(s.getJsonObject("completion").getString("code")).isEqualTo("FORMAL-DONE");
    assertThat(s.getBoolean("canWithdrawData")).isTrue();

    // The researcher's figures: the attention check passed, the headphones passed, one probe, a tired report.
    JsonObject quality = expect(server.get(researcher, p.path() + "/data-quality"), 200).json();
    assertThat(quality.getJsonObject("attentionChecks")).isEqualTo(new JsonObject().put("passed", 1).put("failed", 0));
    assertThat(quality.getString("headphoneCheck")).isEqualTo("passed");
    assertThat(quality.getJsonObject("probes").getInteger("count")).isEqualTo(1);
    assertThat(quality.getJsonObject("fatigue").getInteger("latest")).isEqualTo(6);
    assertThat(quality.getJsonObject("fatigue").getBoolean("aboveThreshold")).isTrue();
    assertThat(quality.getJsonObject("identicalRatings").getInteger("longestRun")).isEqualTo(1);
    assertThat(quality.getLong("millisOnTask")).isPositive();
    assertThat(quality.getJsonArray("flags").getList()).containsExactly("fatigued");
    assertThat(quality.getJsonObject("thresholds").getInteger("fatigueAbove")).as("the schema's default")
        .isEqualTo(5);
    expect(server.get(p.as(), p.path() + "/data-quality"), 403);
    assertThat(eventuallyRow(studyId, p.participantId(), row -> row.getString("phase").equals("finished"))
        .getJsonArray("flags").getList()).contains("fatigued").doesNotContain("attention-failed",
            "headphones-failed", "unreliable", "identical-run");

    // The free-text answer and the entry record are kept apart; the log holds only the reference.
    String pid = p.participantId();
    assertThat(count("select count(*) from participant_texts where participant_id = '" + pid + "'")).isEqualTo(1);
    assertThat(count("select count(*) from participant_entries where participant_id = '" + pid + "'")).isEqualTo(1);
    String reference = events(p, "QuestionnaireAnswered").stream()
        .filter(e -> e.getString("item").equals("comments")).findFirst().orElseThrow()
        .getJsonObject("value").getString("textRef");
    assertThat(reference).isNotBlank();
    assertThat(count("select count(*) from events where stream_id = 'participant-" + pid
        + "' and data::text like '%drums were too loud%'")).isZero();

    // Withdraw my data: the identifying rows go, the log keeps the reference, and the audit still passes.
    s = p.post("/withdraw", null);
    assertThat(s.getString("phase")).isEqualTo("withdrawn");
    assertThat(count("select count(*) from participant_texts where participant_id = '" + pid + "'")).isZero();
    assertThat(count("select count(*) from participant_entries where participant_id = '" + pid + "'")).isZero();
    assertThat(events(p, "QuestionnaireAnswered").stream().filter(e -> e.getString("item").equals("comments"))
        .map(e -> e.getJsonObject("value").getString("textRef"))).containsExactly(reference);
    assertThat(events(p, "IdentifyingDataErased")).singleElement()
        .satisfies(e -> assertThat(e.getString("by")).isEqualTo("participant"))
        .satisfies(e -> assertThat(e.getInteger("texts")).isEqualTo(1))
        .satisfies(e -> assertThat(e.getInteger("entries")).isEqualTo(1));
    eventuallyRow(studyId, pid, row -> row.getString("phase").equals("withdrawn"));

    // A second participant, the next assignment, gets another row of the Latin square.
    beforeTraining(other);
    evaluation(other, training(other, 5, 5, 6, 6, 7, 7, 8));
    JsonObject first = events(p, "EvaluationOrderAssigned").getFirst();
    JsonObject second = events(other, "EvaluationOrderAssigned").getFirst();
    assertThat(first.getInteger("row")).isNotEqualTo(second.getInteger("row"));
    List<String> firstSources = first.getJsonArray("order").stream()
        .map(t -> ((JsonObject) t).getString("source")).toList();
    List<String> secondSources = second.getJsonArray("order").stream()
        .map(t -> ((JsonObject) t).getString("source")).toList();
    assertThat(firstSources).containsExactlyInAnyOrder("first", "best", "composition", "baseline");
    assertThat(secondSources).containsExactlyInAnyOrderElementsOf(firstSources).isNotEqualTo(firstSources);

    AuditRun.Result audit = await(AuditRun.verify(server.platform.vertx(), server.platform.store,
        server.platform.checkpoints, studyId,
        null, 2));
    assertThat(audit.mismatches()).isEmpty();
    assertThat(audit.count(AuditRun.UPDATE)).as("probes are never rewards: 6 updates each").isEqualTo(12);
  }

  @Test
  void aRatingBeforeTheTrackCouldHaveBeenHeardIsRefusedUntilItHasPlayed() {
    // Two-note tracks at 60 BPM last 0.5 to 2 s; no tolerance.
    String protocol = replaced(SHORT_FORMAL, "mustListen: {enabled: false}", "mustListen: {enabled: true, toleranceMillis: 0}",
        "tempo: [300, 300]", "tempo: [60, 60]", "length: 2, tempo: 300}", "length: 2, tempo: 60}");
    String studyId = openStudy(protocol);
    Joined p = personalLinks(studyId, "M01").getFirst();
    beforeTraining(p);
    JsonObject s = p.post("/parameters", new JsonObject().put("baseNote", 60).put("scale", "major").put("length", 2)
        .put("tempo", 60));
    JsonObject track = s.getJsonObject("track");
    JsonObject rating = new JsonObject().put("episode", track.getInteger("episode"))
        .put("step", track.getInteger("step")).put("rating", 6);

    Reply early = server.post(p.as(), p.path() + "/ratings", rating);
    assertThat(early.status()).as(early.body()).isEqualTo(409);
    assertThat(early.json().getString("reason")).isEqualTo("must-listen");
    assertThat(early.json().getString("detail")).contains("listen to the whole track");

    double beats = track.getJsonArray("notes").stream().mapToDouble(n -> ((JsonObject) n).getDouble("beats")).sum();
    Instant heard = Instant.parse(track.getString("presentedAt")).plusMillis(Math.round(beats * 1000) + 50);
    sleep(Duration.between(Instant.now(), heard).toMillis());
    expect(server.post(p.as(), p.path() + "/ratings", rating), 200);
    assertThat(events(p, "TrackRated")).hasSize(1);
  }
}
