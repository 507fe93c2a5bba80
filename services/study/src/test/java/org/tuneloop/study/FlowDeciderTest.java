package org.tuneloop.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.tuneloop.agent.AgentSettings;
import org.tuneloop.study.ParticipantCommand.*;
import org.tuneloop.study.ParticipantEvent.*;

/** The flow's blocks and rules: given events, when a command, then events or a rejection. */
class FlowDeciderTest {
  private static final ParticipantDecider DECIDER = new ParticipantDecider();
  private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");

  /** Two episodes of three steps of two-note tracks at 120 BPM. */
  private static final ArmSettings ARM = new ArmSettings("a", AgentSettings.paper(), StartParameterRules.paper(), 12, 24,
      0.25, 1.0, 0.25, 2, List.of(35, 38), 2, 3);

  private static final Block.Training TRAINING = new Block.Training("training", false, List.of(),
      new Block.BreakPolicy(null, null, 3, true, 60), new Block.MustListen(true, 500),
      List.of(new Block.Probe(2, 1, 1, 2)));

  private static Protocol protocol(Block.Training training) {
    List<Block> flow = List.of(
        new Block.Instructions("intro", List.of(new Block.Page("Hello", "Read me"))),
        new Block.Questionnaire("about", "About you", List.of(
            new Item.AttentionCheck("attention", "Choose B", List.of("A", "B"), "B"),
            new Item.TextItem("notes", "Anything?", false, 20))),
        training,
        new Block.Evaluation("evaluation", "Rate", List.of(Block.Source.FIRST, Block.Source.BEST,
            Block.Source.COMPOSITION, Block.Source.BASELINE),
            List.of(new Item.Likert("musicality", "How musical?", true, 7, List.of("Not", "Very"))), 0),
        new Block.Debrief("debrief", "Thanks", "Bye", List.of()));
    return new Protocol("flow", 1, "Flow", new Protocol.Consent("1", "Consent"),
        new Protocol.Recruitment(null, Protocol.WhilePaused.CONTINUE, 30, "DONE", null), 2,
        List.of(new Protocol.Arm(ARM, 1, null)), flow, Protocol.Timing.DEFAULT);
  }

  private static final class Session {
    final List<ParticipantEvent> events = new ArrayList<>();
    Instant now = T0;

    List<ParticipantEvent> when(ParticipantCommand command) {
      List<ParticipantEvent> decided = DECIDER.decide(command, state());
      events.addAll(decided);
      return decided;
    }

    Participant state() {
      return DECIDER.fold(DECIDER.initialState(), events);
    }

    /** Rates the track waiting, long enough after it was presented. */
    List<ParticipantEvent> rate(int rating) {
      Participant.Training t = (Participant.Training) state();
      now = now.plusSeconds(10);
      int step = t.probe() == null ? t.step() : t.step() + 1;
      return when(new RateTrack(t.episode(), step, rating, null, now));
    }
  }

  private static Session inTraining(Block.Training training, int index) {
    Session s = new Session();
    s.when(new Enrol("p", "s", protocol(training), "a", 42L, false, index));
    s.when(new AnswerConsent("1", true, T0));
    s.when(new CompleteInstructions("intro", T0));
    s.when(new SubmitAnswers("about", Map.of("attention", new Answer.Choice("A"), "notes",
        new Answer.Choice("my name")), "key", T0));
    s.when(new ChooseStartParameters(60, "major", 2, 120, T0));
    return s;
  }

  @Test
  void evaluationItemsMustBeLikert() {
    Protocol good = protocol(TRAINING);
    List<Block> flow = new ArrayList<>(good.flow());
    flow.set(3, new Block.Evaluation("evaluation", "Rate", List.of(Block.Source.FIRST),
        List.of(new Item.Likert("musicality", "How musical?", true, 7, List.of("Not", "Very")),
            new Item.SingleChoice("liked", "Did you like it?", true, List.of("Yes", "No"))), 0));
    Protocol bad = new Protocol(good.id(), good.version(), good.title(), good.consent(), good.recruitment(),
        good.blockSize(), good.arms(), flow, good.timing());

    assertThat(good.problems()).isEmpty();
    assertThat(bad.problems()).extracting(Object::toString).containsExactly("flow[3].items[1].type: an evaluation"
        + " rates each track on points, so its items must be likert, got 'single-choice'");
  }

  @Test
  void answersAreOneEventEachAndFreeTextIsOnlyAReference() {
    Session s = inTraining(TRAINING, 0);
    assertThat(s.events).contains(new AttentionCheckAnswered("about", "attention", "A", "B", false,
        new Item.AttentionCheck("attention", "Choose B", List.of("A", "B"), "B").wordingSha256()));
    assertThat(s.events).filteredOn(e -> e instanceof QuestionnaireAnswered).singleElement()
        .extracting(e -> ((QuestionnaireAnswered) e).value()).isEqualTo(new Answer.TextReference("key:notes", 7));
    assertThat(s.events.toString()).doesNotContain("my name");
  }

  @Test
  void aRequiredItemLeftOutIsRefusedWithItsField() {
    Session s = new Session();
    s.when(new Enrol("p", "s", protocol(TRAINING), "a", 42L, false, 0));
    s.when(new AnswerConsent("1", true, T0));
    s.when(new CompleteInstructions("intro", T0));
    assertThatThrownBy(() -> s.when(new SubmitAnswers("about", Map.of(), "k", T0)))
        .isInstanceOfSatisfying(CommandRejected.class, e -> assertThat(e.field()).isEqualTo("answers.attention"));
  }

  @Test
  void theMustListenRuleRefusesARatingBeforeTheTrackCouldHaveEnded() {
    Session s = inTraining(TRAINING, 0);
    Participant.Training t = (Participant.Training) s.state();
    long millis = FlowBlocks.durationMillis(t.current(), 120);
    Instant early = t.presentedAt().plusMillis(millis - 600);
    assertThatThrownBy(() -> s.when(new RateTrack(1, 1, 5, null, early)))
        .isInstanceOfSatisfying(CommandRejected.class, e -> assertThat(e.code()).isEqualTo("must-listen"))
        .hasMessageContaining("s left");
    assertThat(s.when(new RateTrack(1, 1, 5, null, t.presentedAt().plusMillis(millis - 500))).getFirst())
        .isInstanceOf(TrackRated.class);
  }

  @Test
  void anEnforcedBreakRefusesCommandsUntilItEnds() {
    Session s = inTraining(TRAINING, 0);
    s.rate(4);
    s.rate(4);
    List<ParticipantEvent> last = s.rate(4); // three identical ratings: the episode ends on an enforced break
    BreakStarted started = (BreakStarted) last.getLast();
    assertThat(started.reason()).isEqualTo("identical-ratings");
    assertThat(started.enforced()).isTrue();
    Instant during = started.endsAt().minusSeconds(15);
    assertThatThrownBy(() -> s.when(new ContinueTraining(during)))
        .isInstanceOfSatisfying(CommandRejected.class, e -> assertThat(e.code()).isEqualTo("break"))
        .hasMessageContaining("15 s");
    List<ParticipantEvent> after = s.when(new ContinueTraining(started.endsAt()));
    assertThat(after.getFirst()).isEqualTo(new BreakEnded(started.endsAt()));
    assertThat(after.get(1)).isInstanceOf(EpisodeStarted.class);
  }

  @Test
  void aProbeIsRatedBesideTheEarlierRatingAndNeverReachesTheQTableOrTheAudit() {
    Block.Training noBreaks = new Block.Training("training", false, List.of(), null, new Block.MustListen(true, 500),
        List.of(new Block.Probe(2, 1, 1, 2)));
    Session s = inTraining(noBreaks, 0);
    s.rate(3);
    s.rate(8);
    s.rate(5);
    s.rate(6); // episode 2 step 1: the probe of episode 1 step 2 follows
    assertThat(s.events.getLast()).isInstanceOf(ProbePresented.class);
    var qBefore = ((Participant.Training) s.state()).q();
    List<ParticipantEvent> probe = s.rate(2);
    assertThat(probe.getFirst()).isEqualTo(new ProbeRated(2, 1, 2, 8, 10_000));
    assertThat(probe).noneMatch(e -> e instanceof QValueUpdated || e instanceof TrackRated);
    assertThat(((Participant.Training) s.state()).q()).isEqualTo(qBefore);
    s.rate(7);
    s.rate(9);
    Audit.Report report = Audit.replay(s.events);
    assertThat(report.mismatches()).isEmpty();
    assertThat(report.updates()).isEqualTo(6);
  }

  @Test
  void theEvaluationIsBlindedCounterbalancedAndHeardToTheEndThenTheFlowCompletes() {
    Set<List<String>> orders = new HashSet<>();
    for (int index = 0; index < 4; index++) {
      Session s = inTraining(new Block.Training("training", false, List.of(), null, new Block.MustListen(false, 0),
          List.of()), index);
      for (int i = 0; i < 6; i++) {
        s.rate(i + 1);
      }
      s.when(new FinishTraining(s.now));
      EvaluationOrderAssigned order = (EvaluationOrderAssigned) s.events.stream()
          .filter(e -> e instanceof EvaluationOrderAssigned).findFirst().orElseThrow();
      assertThat(order.row()).isEqualTo(index);
      assertThat(order.order()).extracting(EvaluationTrack::label).containsExactly("A", "B", "C", "D");
      orders.add(order.order().stream().map(EvaluationTrack::source).toList());
      EvaluationTrack a = order.order().getFirst();
      Instant presented = s.now;
      assertThatThrownBy(() -> s.when(new RateEvaluation("evaluation", "A", Map.of("musicality", 4), presented)))
          .isInstanceOfSatisfying(CommandRejected.class, e -> assertThat(e.code()).isEqualTo("must-listen"));
      Instant later = presented;
      for (EvaluationTrack track : order.order()) {
        later = later.plusSeconds(30); // each track is presented when the one before is rated
        s.when(new RateEvaluation("evaluation", track.label(), Map.of("musicality", 4), later));
      }
      assertThat(s.state().phase()).isEqualTo("debrief");
      assertThat(s.when(new SubmitAnswers("debrief", Map.of(), "k", later)).getLast())
          .isEqualTo(new ParticipantCompleted("DONE"));
      assertThat(s.state()).isInstanceOf(Participant.Finished.class);
      assertThat(a.source()).isIn("first", "best", "composition", "baseline");
    }
    // Four participants, four rows: each track comes first once.
    assertThat(orders).hasSize(4);
    assertThat(orders.stream().map(List::getFirst).distinct()).hasSize(4);
  }

  @Test
  void theBalancedLatinSquareBalancesPositionsAndSuccessions() {
    for (int n = 2; n <= 5; n++) {
      List<List<Integer>> rows = FlowBlocks.balancedLatinSquare(n);
      int[][] follows = new int[n][n];
      for (List<Integer> row : rows) {
        assertThat(new HashSet<>(row)).hasSize(n);
        for (int i = 1; i < n; i++) {
          follows[row.get(i - 1)][row.get(i)]++;
        }
      }
      for (int position = 0; position < n; position++) {
        int p = position;
        assertThat(rows.stream().map(r -> r.get(p)).distinct()).hasSize(n);
      }
      for (int a = 0; a < n; a++) {
        for (int b = 0; b < n; b++) {
          if (a != b) {
            assertThat(follows[a][b]).as("n=" + n + " " + a + "->" + b).isEqualTo(rows.size() / n);
          }
        }
      }
    }
  }
}
