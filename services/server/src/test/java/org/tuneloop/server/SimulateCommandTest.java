package org.tuneloop.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.tuneloop.eventstore.testing.TestDatabases;
import org.tuneloop.eventstore.testing.TestDatabases.TestDatabase;
import org.tuneloop.music.StartParameters;
import org.tuneloop.music.Track;
import org.tuneloop.study.ParticipantEvent;
import org.tuneloop.study.StudyEvent;

/**
 * `study simulate` in process against a real server (an HttpVerticle on port 0 over a real PostgreSQL), checked
 * against what the server recorded; and once with a server of its own, as a researcher runs it on a laptop.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class SimulateCommandTest {
  private static final Path PILOT = ServerProcess.repositoryRoot().resolve("study-protocols/pilot.yaml");
  private static final Pattern STUDY = Pattern.compile("of study (\\S+) ");
  private static TestDatabase database;

  private Platform platform;
  private String url;
  private String token;

  @TempDir
  Path folder;

  @BeforeAll
  static void database() {
    database = TestDatabases.fresh();
  }

  @AfterAll
  static void dropDatabase() {
    database.close();
  }

  @BeforeEach
  void start(Vertx vertx) {
    InProcessServer server = InProcessServer.deploy(vertx, database.appPool(vertx, 8), database, null);
    platform = server.platform;
    url = "http://localhost:" + server.port;
    String email = "sim-" + UUID.randomUUID().toString().substring(0, 8) + "@example.org";
    Researchers.Researcher researcher = await(platform.researchers.create(email, Researchers.Role.RESEARCHER,
        "not-a-password-hash"));
    token = await(platform.apiTokens.issue(researcher.id(), "simulate")).token();
  }

  private record Run(int exit, String out, String err) {
    String studyId() {
      Matcher m = STUDY.matcher(out);
      assertThat(m.find()).as(out + err).isTrue();
      return m.group(1);
    }
  }

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = StudyCommand.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
        .execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  private Run simulate(String... args) {
    List<String> all = new ArrayList<>(List.of("simulate", "--url", url, "--token", token));
    all.addAll(List.of(args));
    return run(all.toArray(String[]::new));
  }

  private static List<CSVRecord> csv(Path file) throws IOException {
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
         CSVParser parser = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(reader)) {
      return parser.getRecords();
    }
  }

  @Test
  void simulatedParticipantsTakePartThroughTheApiAndTheFiguresAreWhatTheServerRecorded() throws IOException {
    Path out = folder.resolve("pilot");
    Run sim = simulate("--protocol", PILOT.toString(), "--participants", "6", "--concurrency", "3", "--seed", "7",
        "--out", out.toString());

    assertThat(sim.exit()).as(sim.err()).isZero();
    assertThat(sim.out()).contains("Simulated 6 participants", "taste in-scale-small-steps", "seed 7",
        "Arm A (", "Arm B (", "GAIN 95% CI", "REVISITS", "Q SIZE", "actions:  pitch-up ");
    assertThat(sim.out().lines().filter(l -> l.matches("(A|B) +3 .*"))).hasSize(2);
    String studyId = sim.studyId();

    // The server randomised the participants into arms; the files say the same.
    Map<String, String> assigned = await(platform.studies.assignments(studyId)).stream()
        .collect(Collectors.toMap(StudyEvent.ParticipantAssigned::participantId, StudyEvent.ParticipantAssigned::arm));
    List<CSVRecord> participants = csv(out.resolve("participants.csv"));
    assertThat(participants).hasSize(6);
    assertThat(assigned).hasSize(6);
    for (CSVRecord p : participants) {
      assertThat(p.get("arm")).isEqualTo(assigned.get(p.get("participantId")));
      assertThat(p.get("taste")).isEqualTo("in-scale-small-steps");
      assertThat(Integer.parseInt(p.get("qSize"))).isBetween(1, 8);
    }
    assertThat(participants.stream().map(p -> p.get("index"))).containsExactly("1", "2", "3", "4", "5", "6");

    List<CSVRecord> steps = csv(out.resolve("steps.csv"));
    assertThat(steps).hasSize(6 * 2 * 4);
    for (CSVRecord p : participants) {
      String id = p.get("participantId");
      List<ParticipantEvent> events = await(platform.participants.events(id));
      List<ParticipantEvent.TrackRated> rated = events.stream()
          .filter(ParticipantEvent.TrackRated.class::isInstance).map(ParticipantEvent.TrackRated.class::cast).toList();
      assertThat(rated).as("ratings stored for " + id).hasSize(8);
      assertThat(rated).allSatisfy(r -> assertThat(r.clientMillisToRate()).isPositive());
      assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOf(ParticipantEvent.TrainingFinished.class));

      // Every stored rating is the participant's taste, seeded from (seed 7, their index), applied to the track
      // the server presented: the same tracks give the same ratings in any run.
      Taste.Rater rater = Taste.Rater.of("in-scale-small-steps", 7, Integer.parseInt(p.get("index")) - 1);
      StartParameters parameters = events.stream().filter(ParticipantEvent.StartParametersChosen.class::isInstance)
          .map(e -> ((ParticipantEvent.StartParametersChosen) e).parameters()).findFirst().orElseThrow();
      List<Track> presented = events.stream().filter(ParticipantEvent.TrackPresented.class::isInstance)
          .map(e -> ((ParticipantEvent.TrackPresented) e).track()).toList();
      List<Integer> expected = new ArrayList<>();
      for (int n = 0; n < rated.size(); n++) {
        expected.add(rater.rate(presented.get(n), parameters, n + 1));
      }
      assertThat(rated.stream().map(ParticipantEvent.TrackRated::rating).toList()).isEqualTo(expected);
      assertThat(steps.stream().filter(s -> s.get("participantId").equals(id)).map(s -> Integer.parseInt(s.get("rating")))
          .toList()).isEqualTo(expected);
    }
  }

  /** formal-study.yaml made short: the same blocks, two episodes of two two-note tracks, an evaluation ratable at once. */
  private static final String SHORT_FORMAL = """
      id: formal-short
      version: 1
      title: A short formal study
      consent: {version: "1.0", text: "You rate short melodies; you may stop at any time."}
      flow:
        - type: instructions
          id: instructions
          pages: [{title: What happens, text: "You rate {episodes} episodes of {steps} melodies."}]
        - type: listening-check
          id: listening-check
          text: Please put on headphones.
          headphoneCheck: {trials: 3, passMinimum: 3, onFail: end}
        - type: questionnaire
          id: background
          title: About you
          items:
            - {type: single-choice, id: age, text: "How old are you?", options: ["18-24", "25-34", "35 or older"]}
            - {type: number, id: training-years, text: "Years of musical training?", min: 0, max: 80}
            - {type: multiple-choice, id: genres, text: "Which do you listen to?", options: [Pop, Jazz, Folk], min: 1, max: 2}
            - type: attention-check
              id: attention
              text: To show that you read the questions, please choose "Somewhat agree" here.
              options: [Disagree, Somewhat disagree, Somewhat agree, Agree]
              expected: Somewhat agree
        - type: practice
          id: practice
        - type: training
          id: training
          pauseBetweenEpisodes: true
          questionnaires:
            - every: 1
              id: fatigue
              title: How do you feel right now?
              items: [{type: fatigue, id: fatigue, text: "How do you feel right now?", scale: samn-perelli}]
          breaks: {afterMinutes: 60, mode: suggest, seconds: 5}
          mustListen: {enabled: false}
        - type: evaluation
          id: evaluation
          tracks: [first, best, composition, baseline]
          toleranceMillis: 10000
        - type: questionnaire
          id: feedback
          title: Your feedback
          items:
            - {type: likert, id: enjoyment, text: "Did you enjoy it?", points: 7, anchors: [Not at all, Very much]}
            - {type: text, id: comments, text: "Anything to tell us?", required: false, maxLength: 200}
        - type: debrief
          id: debrief
          title: Thank you
          text: Thank you for taking part.
      arms:
        - id: formal
          startParameters:
            defaults: {baseNote: 60, scale: major, length: 2, tempo: 200}
            length: [2, 2]
            tempo: [200, 200]
            fixed: true
          episodes: {minimum: 2, stepsPerEpisode: 2}
      """;

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void simulatedParticipantsGoThroughEveryBlockOfAFormalStudy() throws IOException {
    Path protocol = folder.resolve("formal-short.yaml");
    Files.writeString(protocol, SHORT_FORMAL);
    Run sim = simulate("--protocol", protocol.toString(), "--participants", "3", "--concurrency", "3", "--seed", "5");

    assertThat(sim.exit()).as(sim.out() + sim.err()).isZero();
    assertThat(sim.out()).contains("Simulated 3 participants", "Arm formal (3 participants");
    assertThat(sim.err()).doesNotContain("screened out");
    String studyId = sim.studyId();
    List<String> ids = await(platform.studies.assignments(studyId)).stream()
        .map(StudyEvent.ParticipantAssigned::participantId).toList();
    assertThat(ids).hasSize(3);
    for (String id : ids) {
      List<ParticipantEvent> events = await(platform.participants.events(id));
      assertThat(events).as(id).anySatisfy(e -> assertThat(e).isInstanceOf(ParticipantEvent.QuestionnaireAnswered.class));
      assertThat(events.stream().filter(ParticipantEvent.EvaluationAnswered.class::isInstance)).as(id).hasSize(4);
      List<ParticipantEvent.TrackRated> rated = events.stream().filter(ParticipantEvent.TrackRated.class::isInstance)
          .map(ParticipantEvent.TrackRated.class::cast).toList();
      assertThat(rated).as(id).hasSize(2 * 2)
          .allSatisfy(r -> assertThat(r.heardShare()).isEqualTo(1.0));
      // The attention check was answered as asked, the headphone check passed.
      assertThat(events).filteredOn(ParticipantEvent.AttentionCheckAnswered.class::isInstance)
          .singleElement().satisfies(e -> assertThat(((ParticipantEvent.AttentionCheckAnswered) e).passed()).isTrue());
      assertThat(events).as(id).anySatisfy(e -> assertThat(e).isInstanceOf(ParticipantEvent.HeadphoneCheckCompleted.class));
      Participants.Loaded loaded = await(platform.participants.load(id));
      assertThat(loaded.state().phase()).as(id).isEqualTo("finished");
    }
  }

  @Test
  void theSameSeedGivesTheSameParticipantsAndAnotherSeedOthers() throws IOException {
    Path first = folder.resolve("first");
    Path second = folder.resolve("second");
    Path other = folder.resolve("other");
    for (String[] run : List.of(new String[] {"11", first.toString()}, new String[] {"11", second.toString()},
        new String[] {"12", other.toString()})) {
      Run sim = simulate("--protocol", PILOT.toString(), "--participants", "3", "--concurrency", "3",
          "--taste", "mixed", "--seed", run[0], "--out", run[1]);
      assertThat(sim.exit()).as(sim.err()).isZero();
    }
    List<String> tastes = csv(first.resolve("participants.csv")).stream().map(r -> r.get("tasteDetail")).toList();
    assertThat(tastes).hasSize(3).doesNotHaveDuplicates();
    assertThat(csv(second.resolve("participants.csv")).stream().map(r -> r.get("tasteDetail")).toList())
        .isEqualTo(tastes);
    assertThat(csv(other.resolve("participants.csv")).stream().map(r -> r.get("tasteDetail")).toList())
        .doesNotContainAnyElementsOf(tastes);
  }

  @Test
  void moreEpisodesThanTheMinimumAreTrainedThroughAnotherEpisode() throws IOException {
    Path out = folder.resolve("three");
    Run sim = simulate("--protocol", PILOT.toString(), "--participants", "1", "--episodes", "3", "--out",
        out.toString());
    assertThat(sim.exit()).as(sim.err()).isZero();
    assertThat(csv(out.resolve("steps.csv"))).hasSize(3 * 4);
    assertThat(sim.out()).contains("  3 ");
  }

  @Test
  void tastesAreListedWithOrWithoutTheWordList() {
    for (Run listed : List.of(run("simulate", "--taste"), run("simulate", "--taste", "list"))) {
      assertThat(listed.exit()).as(listed.err()).isZero();
      for (Taste.Kind kind : Taste.KINDS) {
        assertThat(listed.out()).contains(kind.name() + " ").contains(kind.description());
      }
    }
    Run unknown = run("simulate", "--protocol", PILOT.toString(), "--taste", "jazz");
    assertThat(unknown.exit()).isEqualTo(1);
    assertThat(unknown.err()).contains("no taste 'jazz'", "--taste list");
  }

  @Test
  void aRemoteServerNeedsAToken() {
    Run sim = run("simulate", "--protocol", PILOT.toString(), "--url", url, "--token", "");
    assertThat(sim.exit()).isEqualTo(1);
    assertThat(sim.err()).contains("No API token: pass --token or set TUNELOOP_TOKEN");
  }

  @Test
  void withoutAUrlItRunsAServerOfItsOwnAndRemovesItAfterwards() {
    Run sim = run("simulate", "--protocol", PILOT.toString(), "--participants", "2", "--concurrency", "2");
    assertThat(sim.exit()).as(sim.err()).isZero();
    assertThat(sim.out()).contains("Simulated 2 participants");
    Matcher m = Pattern.compile("embedded PostgreSQL in (\\S+) ").matcher(sim.err());
    assertThat(m.find()).as(sim.err()).isTrue();
    assertThat(Path.of(m.group(1))).doesNotExist();
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError(e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new AssertionError(e);
    }
  }
}
