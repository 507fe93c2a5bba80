package org.tuneloop.study;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.tuneloop.agent.AgentSettings;
import org.tuneloop.agent.Baseline;
import org.tuneloop.agent.Learner;
import org.tuneloop.agent.LinearQ;
import org.tuneloop.agent.Policy;
import org.tuneloop.agent.Reward;
import org.tuneloop.agent.StateEncoder;
import org.tuneloop.music.PitchStep;
import org.tuneloop.music.StartParameters;
import org.tuneloop.study.ParticipantCommand.AnswerConsent;
import org.tuneloop.study.ParticipantCommand.ChooseStartParameters;
import org.tuneloop.study.ParticipantCommand.Enrol;
import org.tuneloop.study.ParticipantCommand.FinishTraining;
import org.tuneloop.study.ParticipantCommand.RateTrack;
import org.tuneloop.study.ParticipantEvent.ActionChosen;
import org.tuneloop.study.ParticipantEvent.CompositionCreated;
import org.tuneloop.study.ParticipantEvent.EpisodeStarted;
import org.tuneloop.study.ParticipantEvent.QValueUpdated;
import org.tuneloop.study.ParticipantEvent.TrackPresented;
import org.tuneloop.study.ParticipantEvent.TrackRated;

/**
 * Every learning option as an arm: a whole session replays from the seed and the ratings, the audit recomputes every
 * choice, update and the composition, and an altered event of the option's own kind is caught.
 */
class LearningOptionsDeciderTest {
  private static final ParticipantDecider DECIDER = new ParticipantDecider();
  private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");

  private static ArmSettings arm(String id, AgentSettings agent) {
    return arm(id, agent, StartParameterRules.paper(), false);
  }

  private static ArmSettings arm(String id, AgentSettings agent, StartParameterRules rules, boolean rateFresh) {
    return new ArmSettings(id, agent, rules, 12, 24, 0.25, 1.0, 0.25, 2, List.of(35, 38), 4, 0, rateFresh);
  }

  /** A session of the arm: a deterministic rater (and aspect ratings for a compound reward), then the composition. */
  private static List<ParticipantEvent> run(ArmSettings arm, long seed) {
    Protocol protocol = new Protocol("options", 1, "Options", new Protocol.Consent("1.0", "Consent text."),
        new Protocol.Recruitment(null, Protocol.WhilePaused.CONTINUE, 60, null, null), 1,
        List.of(new Protocol.Arm(arm, 1, null)));
    List<ParticipantEvent> events = new ArrayList<>();
    Function<ParticipantCommand, List<ParticipantEvent>> when = command -> {
      List<ParticipantEvent> decided = DECIDER.decide(command, DECIDER.fold(DECIDER.initialState(), events));
      events.addAll(decided);
      return decided;
    };
    when.apply(new Enrol("p1", "s1", protocol, arm.arm(), seed, false));
    when.apply(new AnswerConsent("1.0", true));
    StartParameters p = StartParameters.defaults();
    when.apply(new ChooseStartParameters(p.baseNote(), p.scale().id(), p.length(), p.tempo(), T0));
    Instant now = T0;
    while (DECIDER.fold(DECIDER.initialState(), events) instanceof Participant.Training t) {
      now = now.plusSeconds(5);
      // Likes notes in the C major scale: what the options can learn from.
      int inScale = (int) t.current().notes().stream().filter(n -> new PitchStep.ScaleDegree(60,
          org.tuneloop.music.Scale.MAJOR).contains(n.pitch())).count();
      int rating = Math.max(1, Math.min(10, 1 + inScale + Math.floorMod(t.step(), 2)));
      when.apply(new RateTrack(t.episode(), t.step(), rating, null, null, null, null, now,
          Math.max(1, rating - 1), 1 + Math.floorMod(t.step() * 3, 10), rating));
    }
    when.apply(new FinishTraining());
    return List.copyOf(events);
  }

  /** The events with the first event matching {@code which} replaced by {@code how} of it. */
  @SuppressWarnings("unchecked")
  private static <T extends ParticipantEvent> List<ParticipantEvent> altered(List<ParticipantEvent> events,
                                                                             Class<T> type, Predicate<T> which,
                                                                             Function<T, ParticipantEvent> how) {
    List<ParticipantEvent> copy = new ArrayList<>(events);
    for (int i = 0; i < copy.size(); i++) {
      if (type.isInstance(copy.get(i)) && which.test((T) copy.get(i))) {
        copy.set(i, how.apply((T) copy.get(i)));
        return copy;
      }
    }
    throw new AssertionError("no " + type.getSimpleName() + " to alter");
  }

  private static <T> List<T> all(List<ParticipantEvent> events, Class<T> type) {
    return events.stream().filter(type::isInstance).map(type::cast).toList();
  }

  /** Replays reproducibly, passes the audit with every update recomputed, and returns the events. */
  private static List<ParticipantEvent> replayable(ArmSettings arm) {
    List<ParticipantEvent> events = run(arm, 7L);
    assertThat(run(arm, 7L)).isEqualTo(events);
    Audit.Report report = Audit.replay(events);
    assertThat(report.mismatches()).isEmpty();
    assertThat(report.updates()).isEqualTo(all(events, QValueUpdated.class).size()).isEqualTo(4 * 8);
    return events;
  }

  private static void caught(List<ParticipantEvent> alteredEvents, String words) {
    Audit.Report report = Audit.replay(alteredEvents);
    assertThat(report.ok()).isFalse();
    assertThat(String.join("\n", report.mismatches())).contains(words);
  }

  private static QValueUpdated withReward(QValueUpdated u, double reward) {
    return new QValueUpdated(u.episode(), u.step(), u.state(), u.action(), u.before(), reward, u.maxNext(), u.alpha(),
        u.gamma(), u.terminal(), u.after(), u.features(), u.tdError(), u.deltas());
  }

  @Test
  void epsilonDecayRecordsTheEffectiveEpsilonAndAnAlteredOneIsCaught() {
    AgentSettings agent = AgentSettings.paper().withPolicy(
        new Policy.EpsilonGreedy(0.5, new Policy.Decay.PerEpisode(0.5, 0.1)));
    List<ParticipantEvent> events = replayable(arm("decay", agent));
    assertThat(all(events, ActionChosen.class).stream().filter(a -> a.episode() == 3).map(ActionChosen::epsilon))
        .containsOnly(0.125);
    assertThat(all(events, ActionChosen.class).stream().filter(a -> a.episode() == 4).map(ActionChosen::epsilon))
        .containsOnly(0.1);
    caught(altered(events, ActionChosen.class, a -> a.episode() == 3, a -> new ActionChosen(a.episode(), a.step(),
        a.action(), a.explored(), 0.5)), "epsilon 0.5");
  }

  @Test
  void softmaxRecordsItsTemperatureAndProbabilityAndAnAlteredTemperatureIsCaught() {
    List<ParticipantEvent> events = replayable(arm("softmax", AgentSettings.paper().withPolicy(new Policy.Softmax(2.0))));
    assertThat(all(events, ActionChosen.class)).allSatisfy(a -> {
      assertThat(a.temperature()).isEqualTo(2.0);
      assertThat(a.probability()).isBetween(0.0, 1.0);
    });
    caught(altered(events, ActionChosen.class, a -> true, a -> new ActionChosen(a.episode(), a.step(), a.action(),
        a.explored(), a.epsilon(), 0.5, a.probability(), null, null)), "temperature 0.5");
  }

  @Test
  void ucbRecordsVisitsAndBonusAndAnAlteredBonusIsCaught() {
    AgentSettings agent = AgentSettings.paper().withPolicy(new Policy.Ucb(2.0)).withEncoder(new StateEncoder.Local());
    List<ParticipantEvent> events = replayable(arm("ucb", agent));
    // Untried actions come first (visits 0, no bonus); a tried one has its bonus.
    assertThat(all(events, ActionChosen.class)).allSatisfy(a -> {
      assertThat(a.visits()).isNotNull();
      assertThat(a.visits() == 0 ? a.bonus() == 0.0 : a.bonus() > 0.0).isTrue();
    });
    ActionChosen first = all(events, ActionChosen.class).get(5);
    caught(altered(events, ActionChosen.class, a -> a.equals(first), a -> new ActionChosen(a.episode(), a.step(),
        a.action(), a.explored(), a.epsilon(), null, null, a.visits(), a.bonus() + 0.25)), "bonus");
  }

  @Test
  void changeOfRatingRatesTheFreshTrackFirstAndAnAlteredRatingIsCaught() {
    AgentSettings agent = AgentSettings.paper().withReward(new Reward.ChangeOfRating());
    List<ParticipantEvent> events = replayable(arm("change", agent, StartParameterRules.paper(), true));
    List<TrackRated> ratings = all(events, TrackRated.class);
    assertThat(ratings.stream().filter(r -> r.step() == 0)).hasSize(4);
    assertThat(all(events, TrackPresented.class).stream().filter(t -> t.step() == 0)).hasSize(4);
    // Step 1's reward is its rating minus the fresh track's.
    TrackRated fresh = ratings.get(0);
    TrackRated step1 = ratings.get(1);
    assertThat(all(events, QValueUpdated.class).getFirst().reward()).isEqualTo(step1.rating() - fresh.rating());
    caught(altered(events, TrackRated.class, r -> r.step() == 0, r -> new TrackRated(r.episode(), 0,
        r.rating() == 10 ? 9 : r.rating() + 1, r.millisToRate(), null)), "recorded reward");
  }

  @Test
  void aCompoundRewardNeedsTheAspectsAndAChangedRewardIsCaught() {
    AgentSettings agent = AgentSettings.paper().withReward(new Reward.Compound(2, 1, 1));
    List<ParticipantEvent> events = replayable(arm("compound", agent));
    TrackRated r = all(events, TrackRated.class).getFirst();
    assertThat(all(events, QValueUpdated.class).getFirst().reward())
        .isCloseTo(0.5 * r.musicality() + 0.25 * r.novelty() + 0.25 * r.coherence(), org.assertj.core.data.Offset.offset(1e-12));
    caught(altered(events, QValueUpdated.class, u -> true, u -> withReward(u, u.reward() + 1)), "recorded reward");
  }

  @Test
  void baselinesShiftTheRewardOrTheStartAndAChangeIsCaught() {
    List<ParticipantEvent> centred = replayable(arm("centred",
        AgentSettings.paper().withBaseline(new Baseline.Centred())));
    assertThat(all(centred, QValueUpdated.class).getFirst().reward())
        .isEqualTo(all(centred, TrackRated.class).getFirst().rating() - 5.5);
    caught(altered(centred, QValueUpdated.class, u -> true, u -> withReward(u, u.reward() + 5.5)), "recorded reward");

    List<ParticipantEvent> optimistic = replayable(arm("optimistic",
        AgentSettings.paper().withBaseline(new Baseline.OptimisticStart(10))));
    assertThat(all(optimistic, QValueUpdated.class).getFirst().before()).isEqualTo(10.0);
    caught(altered(optimistic, QValueUpdated.class, u -> true, u -> new QValueUpdated(u.episode(), u.step(),
        u.state(), u.action(), 0.0, u.reward(), u.maxNext(), u.alpha(), u.gamma(), u.terminal(), u.after())),
        "recorded Q 0.0");
  }

  @Test
  void everyEncoderKeysItsOwnWayAndAForeignKeyIsCaught() {
    for (StateEncoder encoder : List.of(new StateEncoder.Relative(), new StateEncoder.Interval(),
        new StateEncoder.Local())) {
      List<ParticipantEvent> events = replayable(arm(encoder.id(), AgentSettings.paper().withEncoder(encoder)));
      caught(altered(events, QValueUpdated.class, u -> true, u -> new QValueUpdated(u.episode(), u.step(),
          u.state() + "|x", u.action(), u.before(), u.reward(), u.maxNext(), u.alpha(), u.gamma(), u.terminal(),
          u.after())), "at a recorded state");
    }
  }

  @Test
  void scaleDegreeEditsKeepTheMelodyInTheScaleAndAnAlteredTrackIsCaught() {
    List<ParticipantEvent> events = replayable(arm("scale-degree",
        AgentSettings.paper().withPitchStep(PitchStep.Kind.SCALE_DEGREE)));
    PitchStep.ScaleDegree scale = new PitchStep.ScaleDegree(60, org.tuneloop.music.Scale.MAJOR);
    for (ActionChosen a : all(events, ActionChosen.class)) {
      assertThat(a.action().edit().id()).isNotNull();
    }
    // A pitch edit from an in-scale note lands in the scale.
    List<ParticipantEvent> list = events;
    for (int i = 0; i + 1 < list.size(); i++) {
      if (list.get(i) instanceof ActionChosen a && a.action().edit().id().startsWith("pitch")
          && list.get(i + 1) instanceof TrackPresented t) {
        assertThat(scale.contains(t.track().note(a.action().note()).pitch())).isTrue();
      }
    }
    caught(altered(events, TrackPresented.class, t -> t.step() == 2, t -> new TrackPresented(t.episode(), t.step(),
        all(events, EpisodeStarted.class).getFirst().track(), t.presentedAt())), "not the chosen edit");
  }

  @Test
  void aLinearLearnerRecordsFeaturesAndWeightChangesAndAChangedDeltaIsCaught() {
    AgentSettings agent = AgentSettings.paper().withAlpha(0.02).withLearner(new Learner.Linear())
        .withReward(new Reward.ChangeOfRating());
    List<ParticipantEvent> events = replayable(arm("linear", agent, StartParameterRules.paper(), true));
    QValueUpdated first = all(events, QValueUpdated.class).getFirst();
    assertThat(first.features()).hasSize(LinearQ.FEATURES.size());
    assertThat(first.deltas()).hasSize(LinearQ.FEATURES.size());
    assertThat(first.tdError()).isNotNull();
    // The weights are the fold of the recorded deltas.
    Participant.Finished done = (Participant.Finished) DECIDER.fold(DECIDER.initialState(), events);
    double bias = all(events, QValueUpdated.class).stream().mapToDouble(u -> u.deltas().get(LinearQ.BIAS)).sum();
    assertThat(((org.tuneloop.agent.Learnt.Linear) done.learnt()).weights().of(LinearQ.FEATURES.get(LinearQ.BIAS)))
        .isCloseTo(bias, org.assertj.core.data.Offset.offset(1e-9));
    caught(altered(events, QValueUpdated.class, u -> u.step() == 3, u -> {
      List<Double> deltas = new ArrayList<>(u.deltas());
      deltas.set(1, deltas.get(1) + 0.01);
      return new QValueUpdated(u.episode(), u.step(), u.state(), u.action(), u.before(), u.reward(), u.maxNext(),
          u.alpha(), u.gamma(), u.terminal(), u.after(), u.features(), u.tdError(), deltas);
    }), "weight changes");
  }

  @Test
  void baseNotesAreDrawnPerEpisodeFromTheSetAndAnAlteredOneIsCaught() {
    StartParameterRules p = StartParameterRules.paper();
    StartParameterRules drawn = new StartParameterRules(p.defaults(), p.scales(), p.minBaseNote(), p.maxBaseNote(),
        p.minLength(), p.maxLength(), p.minTempo(), p.maxTempo(), p.fixed(), List.of(48, 55, 60, 67));
    List<ParticipantEvent> events = replayable(arm("drawn", AgentSettings.paper().withEncoder(
        new StateEncoder.Relative()), drawn, false));
    List<EpisodeStarted> episodes = all(events, EpisodeStarted.class);
    assertThat(episodes).extracting(EpisodeStarted::baseNote).allMatch(List.of(48, 55, 60, 67)::contains);
    // The fresh track lies around the episode's base note.
    for (EpisodeStarted e : episodes) {
      assertThat(e.track().notes()).allSatisfy(n -> assertThat(n.pitch()).isBetween(e.baseNote() - 12,
          e.baseNote() + 24));
    }
    EpisodeStarted second = episodes.get(1);
    int other = second.baseNote() == 48 ? 55 : 48;
    caught(altered(events, EpisodeStarted.class, e -> e.episode() == 2, e -> new EpisodeStarted(e.episode(),
        e.track(), other)), "recorded base note " + other);
  }

  @Test
  void theCompositionStartsFromTheBestRatedTrackAndCountsItsLearnedSteps() {
    List<ParticipantEvent> events = replayable(arm("paper", AgentSettings.paper()));
    CompositionCreated composition = all(events, CompositionCreated.class).getFirst();
    int best = all(events, TrackRated.class).stream().mapToInt(TrackRated::rating).max().orElseThrow();
    TrackRated from = all(events, TrackRated.class).stream()
        .filter(r -> r.episode() == composition.fromEpisode() && r.step() == composition.fromStep()).findFirst()
        .orElseThrow();
    assertThat(from.rating()).isEqualTo(best);
    assertThat(composition.learnedSteps()).isBetween(0, composition.actions().size());
    caught(altered(events, CompositionCreated.class, c -> true, c -> new CompositionCreated(c.start(), c.actions(),
        c.result(), c.fromEpisode(), c.fromStep(), c.learnedSteps() + 1)), "composition");
    // A version-1 composition (no learned steps) is left alone: it started from a fresh track.
    assertThat(Audit.replay(altered(events, CompositionCreated.class, c -> true,
        c -> new CompositionCreated(c.start(), c.actions(), c.result()))).ok()).isTrue();
  }

  @Test
  void theLearnedSummaryCountsRevisitsAndInformedGreedySteps() {
    List<ParticipantEvent> events = run(arm("local", AgentSettings.paper().withEncoder(new StateEncoder.Local())), 3L);
    Audit.Learned learned = Audit.learned(events);
    assertThat(learned.updates()).isEqualTo(32);
    assertThat(learned.revisitedStates()).isPositive();
    assertThat(learned.greedySteps()).isEqualTo((int) all(events, ActionChosen.class).stream()
        .filter(a -> !a.explored()).count());
    assertThat(learned.informedGreedySteps()).isBetween(1, learned.greedySteps());
  }
}
