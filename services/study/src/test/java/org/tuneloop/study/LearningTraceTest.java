package org.tuneloop.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tuneloop.music.Note;
import org.tuneloop.music.StartParameters;
import org.tuneloop.music.Track;
import org.tuneloop.music.TrackEdit;
import org.tuneloop.study.ParticipantEvent.ActionChosen;
import org.tuneloop.study.ParticipantEvent.EpisodeStarted;
import org.tuneloop.study.ParticipantEvent.ParticipantEnrolled;
import org.tuneloop.study.ParticipantEvent.QValueUpdated;
import org.tuneloop.study.ParticipantEvent.StartParametersChosen;
import org.tuneloop.study.ParticipantEvent.TrackPresented;
import org.tuneloop.study.ParticipantEvent.TrackRated;

class LearningTraceTest {
  private static final Instant T0 = Instant.parse("2026-01-10T10:00:00Z");
  private static final Track TRACK = new Track(List.of(new Note(60, 0.5, 35), new Note(62, 0.5, 38),
      new Note(64, 0.5, 35), new Note(65, 0.5, 38)));
  private static final Protocol.Diagnostics LIMITS = new Protocol.Diagnostics(4, 0.6, 0.9, -0.3);

  /** A session written by hand: each step's choice, track, rating and update, the update's figures given. */
  private static final class Session {
    final List<ParticipantEvent> events = new ArrayList<>();
    int episode;

    Session() {
      events.add(new ParticipantEnrolled("p1", "s1", "proto", 1, 42L, "v1", "sha", ArmSettings.paper(), false));
      events.add(new StartParametersChosen(StartParameters.defaults()));
    }

    Session episode(int rating) {
      episode++;
      events.add(new EpisodeStarted(episode, TRACK));
      events.add(new TrackPresented(episode, 0, TRACK, T0));
      events.add(new TrackRated(episode, 0, rating, 3000, null));
      return this;
    }

    /** A step whose update has the given before, reward and after (max next 0, gamma 0.9, alpha 0.5). */
    Session step(int step, String action, boolean explored, String state, int rating, double before, double after) {
      events.add(new ActionChosen(episode, step, TrackEdit.parse(action), explored, 0.2));
      events.add(new TrackPresented(episode, step, TRACK, T0.plusSeconds(step)));
      events.add(new TrackRated(episode, step, rating, 2000 + step, 1900L, 1.0, 0, 0L));
      events.add(new QValueUpdated(episode, step, state, action, before, rating, 0.0, 0.5, 0.9, false, after));
      return this;
    }
  }

  @Test
  void eachRatedStepCarriesItsChoiceRatingUpdateAndTheTableSoFar() {
    Session s = new Session().episode(5)
        .step(1, "pitch-up@2", true, "A", 6, 0.0, 3.0)
        .step(2, "pitch-up@0", false, "B", 8, 0.0, 4.0)
        .step(3, "duration-up@1", false, "A", 4, 0.0, 2.0);
    // The next edit is chosen and shown but not rated yet: it is no step and not counted as explored or exploited.
    s.events.add(new ActionChosen(1, 4, TrackEdit.parse("pitch-down@1"), true, 0.2));
    s.events.add(new TrackPresented(1, 4, TRACK, T0.plusSeconds(4)));
    LearningTrace trace = LearningTrace.of(s.events);

    assertThat(trace.steps()).hasSize(4);
    LearningTrace.Step fresh = trace.steps().getFirst();
    assertThat(fresh.step()).isZero();
    assertThat(fresh.action()).as("a fresh track is rated without an action").isNull();
    assertThat(fresh.qBefore()).isNull();
    assertThat(fresh.revisit()).isNull();
    assertThat(fresh.qTableSize()).isZero();

    LearningTrace.Step first = trace.steps().get(1);
    assertThat(first.position()).as("the eighth event").isEqualTo(8);
    assertThat(first.action().key()).isEqualTo("pitch-up@2");
    assertThat(first.actionText()).isEqualTo("raised note 3 by a semitone");
    assertThat(first.explored()).isTrue();
    assertThat(first.epsilon()).isEqualTo(0.2);
    assertThat(first.rating()).isEqualTo(6);
    assertThat(first.clientMillisToRate()).isEqualTo(1900L);
    assertThat(first.heardShare()).isEqualTo(1.0);
    assertThat(first.tempo()).isEqualTo(90);
    assertThat(first.reward()).isEqualTo(6.0);
    assertThat(first.qAfter()).isEqualTo(3.0);
    assertThat(first.tdError()).as("reward + gamma * max next - before").isEqualTo(6.0);
    assertThat(first.state()).isEqualTo("A");
    assertThat(first.qTableSize()).isEqualTo(1);
    assertThat(first.revisit()).isFalse();

    LearningTrace.Step third = trace.steps().get(3);
    assertThat(third.revisit()).as("state A was credited at step 1").isTrue();
    assertThat(third.revisitRate()).isCloseTo(1.0 / 3, within(1e-12));
    assertThat(third.qTableSize()).isEqualTo(3);

    assertThat(trace.episodes()).singleElement().satisfies(e -> {
      assertThat(e.meanRating()).isEqualTo((5 + 6 + 8 + 4) / 4.0);
      assertThat(e.ratings()).isEqualTo(4);
      assertThat(e.explored()).isEqualTo(1);
      assertThat(e.exploited()).isEqualTo(2);
    });
    assertThat(trace.actions()).extracting(LearningTrace.ActionKind::kind).containsExactly("pitch-up", "duration-up");
    assertThat(trace.actions().getFirst().chosen()).isEqualTo(2);
    assertThat(trace.actions()).extracting(LearningTrace.ActionKind::kind).doesNotContain("pitch-down");
    assertThat(trace.actions().getFirst().greedy()).isEqualTo(1);
    assertThat(trace.actions().getFirst().text()).isEqualTo("raise a note by a semitone");
    assertThat(trace.learned().updates()).isEqualTo(3);
    assertThat(trace.learned().revisitedStates()).isEqualTo(1);
    assertThat(trace.learned().greedySteps()).isEqualTo(2);
    assertThat(Audit.learned(s.events)).isEqualTo(trace.learned());
  }

  @Test
  void theTableAndPolicyAtAPointLeaveOutWhatCameLater() {
    Session s = new Session().episode(5)
        .step(1, "pitch-up@2", true, "A", 6, 0.0, 3.0)
        .step(2, "pitch-down@2", true, "A", 8, 0.0, 4.0)
        .step(3, "pitch-up@2", false, "A", 2, 3.0, 2.5);
    List<LearningTrace.Logged> logged = new ArrayList<>();
    for (int i = 0; i < s.events.size(); i++) {
      logged.add(new LearningTrace.Logged(100 + i, s.events.get(i)));
    }
    long afterSecondUpdate = 100 + s.events.indexOf(s.events.stream()
        .filter(e -> e instanceof QValueUpdated q && q.step() == 2).findFirst().orElseThrow());

    LearningTrace before = LearningTrace.at(logged, afterSecondUpdate);
    assertThat(before.lastPosition()).isEqualTo(afterSecondUpdate);
    assertThat(before.qTable().size()).isEqualTo(2);
    assertThat(before.policy()).containsExactly(new LearningTrace.Greedy("A", "pitch-down@2", 4.0));

    LearningTrace whole = LearningTrace.ofLogged(logged);
    assertThat(whole.policy()).containsExactly(new LearningTrace.Greedy("A", "pitch-down@2", 4.0));
    assertThat(whole.qTable().entries()).containsEntry(new org.tuneloop.agent.QKey("A", "pitch-up@2"), 2.5);

    List<LearningTrace.Update> updates = whole.provenance("A", "pitch-up@2");
    assertThat(updates).hasSize(2);
    assertThat(updates.get(1).rating()).isEqualTo(2);
    assertThat(updates.get(1).before()).isEqualTo(3.0);
    assertThat(updates.get(1).delta()).isEqualTo(-0.5);
    assertThat(updates.get(1).tdError()).isEqualTo(-1.0);
    assertThat(whole.provenance("A", "remove-note@0")).isEmpty();
    assertThat(LearningTrace.at(logged, 0).qTable().size()).as("before anything").isZero();
  }

  @Test
  void noConvergenceFiresWhenTheLateTdErrorsAreNotSmaller() {
    // TD errors 6, 6 | 1, 1 | 6, 6: the last third is as large as the first.
    Session flat = new Session().episode(5)
        .step(1, "pitch-up@0", true, "A", 6, 0, 1).step(2, "pitch-up@1", true, "B", 6, 0, 1)
        .step(3, "pitch-up@2", true, "C", 1, 0, 1).step(4, "pitch-up@3", true, "D", 1, 0, 1)
        .step(5, "pitch-down@0", true, "E", 6, 0, 1).step(6, "pitch-down@1", true, "F", 6, 0, 1);
    LearningTrace.Diagnostics d = LearningTrace.of(flat.events).diagnostics(LIMITS);
    assertThat(d.figures().meanAbsTdErrorFirst()).isEqualTo(6.0);
    assertThat(d.figures().meanAbsTdErrorLast()).isEqualTo(6.0);
    assertThat(d.kinds()).contains(LearningTrace.NO_CONVERGENCE);

    // TD errors 6, 6 | 4, 4 | 1, 1: shrinking.
    Session shrinking = new Session().episode(5)
        .step(1, "pitch-up@0", true, "A", 6, 0, 1).step(2, "pitch-up@1", true, "B", 6, 0, 1)
        .step(3, "pitch-up@2", true, "C", 4, 0, 1).step(4, "pitch-up@3", true, "D", 4, 0, 1)
        .step(5, "pitch-down@0", true, "E", 1, 0, 1).step(6, "pitch-down@1", true, "F", 1, 0, 1);
    LearningTrace.Diagnostics ok = LearningTrace.of(shrinking.events).diagnostics(LIMITS);
    assertThat(ok.figures().meanAbsTdErrorLast()).isEqualTo(1.0);
    assertThat(ok.kinds()).doesNotContain(LearningTrace.NO_CONVERGENCE);
  }

  @Test
  void policyCollapseFiresWhenOneKindOfEditTakesMostGreedySteps() {
    Session collapsed = new Session().episode(5)
        .step(1, "pitch-up@0", false, "A", 5, 0, 1).step(2, "pitch-up@1", false, "A", 5, 0, 1)
        .step(3, "pitch-up@2", false, "A", 5, 0, 1).step(4, "remove-note@3", false, "A", 5, 0, 1);
    LearningTrace.Diagnostics d = LearningTrace.of(collapsed.events).diagnostics(LIMITS);
    assertThat(d.figures().topActionGreedyShare()).isEqualTo(0.75);
    assertThat(d.flags()).filteredOn(f -> f.kind().equals(LearningTrace.POLICY_COLLAPSE)).singleElement()
        .satisfies(f -> assertThat(f.message()).contains("pitch-up").contains("75%").contains("60%"));

    Session varied = new Session().episode(5)
        .step(1, "pitch-up@0", false, "A", 5, 0, 1).step(2, "pitch-down@1", false, "A", 5, 0, 1)
        .step(3, "pitch-up@2", false, "A", 5, 0, 1).step(4, "remove-note@3", false, "A", 5, 0, 1);
    LearningTrace.Diagnostics ok = LearningTrace.of(varied.events).diagnostics(LIMITS);
    assertThat(ok.figures().topActionGreedyShare()).isEqualTo(0.5);
    assertThat(ok.kinds()).doesNotContain(LearningTrace.POLICY_COLLAPSE);
  }

  @Test
  void stateSpaceExplosionFiresWhenStatesAreHardlyEverMetTwice() {
    Session fresh = new Session().episode(5)
        .step(1, "pitch-up@0", true, "A", 5, 0, 1).step(2, "pitch-up@1", true, "B", 5, 0, 1)
        .step(3, "pitch-up@2", true, "C", 5, 0, 1).step(4, "pitch-up@3", true, "D", 5, 0, 1);
    LearningTrace.Diagnostics d = LearningTrace.of(fresh.events).diagnostics(LIMITS);
    assertThat(d.figures().neverSeenStateShare()).isEqualTo(1.0);
    assertThat(d.kinds()).contains(LearningTrace.STATE_SPACE_EXPLOSION);

    Session revisiting = new Session().episode(5)
        .step(1, "pitch-up@0", true, "A", 5, 0, 1).step(2, "pitch-up@1", true, "A", 5, 0, 1)
        .step(3, "pitch-up@2", true, "B", 5, 0, 1).step(4, "pitch-up@3", true, "B", 5, 0, 1);
    LearningTrace.Diagnostics ok = LearningTrace.of(revisiting.events).diagnostics(LIMITS);
    assertThat(ok.figures().neverSeenStateShare()).isEqualTo(0.5);
    assertThat(ok.kinds()).doesNotContain(LearningTrace.STATE_SPACE_EXPLOSION);
  }

  @Test
  void ratingDriftFiresWhenRatingsFallEpisodeAfterEpisode() {
    // Episode means 8, 6, 4: a slope of -2 points per episode.
    Session tiring = new Session()
        .episode(8).step(1, "pitch-up@0", true, "A", 8, 0, 1)
        .episode(6).step(1, "pitch-up@0", true, "A", 6, 0, 1)
        .episode(4).step(1, "pitch-up@0", true, "A", 4, 0, 1);
    LearningTrace.Diagnostics d = LearningTrace.of(tiring.events).diagnostics(LIMITS);
    assertThat(d.figures().ratingSlopePerEpisode()).isCloseTo(-2.0, within(1e-12));
    assertThat(d.kinds()).contains(LearningTrace.RATING_DRIFT);

    // Means 5, 6, 5: about level.
    Session steady = new Session()
        .episode(5).step(1, "pitch-up@0", true, "A", 5, 0, 1)
        .episode(6).step(1, "pitch-up@0", true, "A", 6, 0, 1)
        .episode(5).step(1, "pitch-up@0", true, "A", 5, 0, 1);
    LearningTrace.Diagnostics ok = LearningTrace.of(steady.events).diagnostics(LIMITS);
    assertThat(ok.figures().ratingSlopePerEpisode()).isCloseTo(0.0, within(1e-12));
    assertThat(ok.kinds()).doesNotContain(LearningTrace.RATING_DRIFT);
  }

  @Test
  void noFlagBeforeTheMinimumStepsOrWhenTheProtocolTurnsThemOff() {
    Session shortOne = new Session().episode(5)
        .step(1, "pitch-up@0", false, "A", 5, 0, 1).step(2, "pitch-up@1", false, "B", 5, 0, 1);
    LearningTrace trace = LearningTrace.of(shortOne.events);
    assertThat(trace.diagnostics(LIMITS).steps()).isEqualTo(3);
    assertThat(trace.diagnostics(LIMITS).flags()).as("3 rated steps, 4 needed").isEmpty();
    assertThat(trace.diagnostics(new Protocol.Diagnostics(1, 0.6, 0.9, -0.3)).kinds())
        .contains(LearningTrace.POLICY_COLLAPSE, LearningTrace.STATE_SPACE_EXPLOSION);
    assertThat(trace.diagnostics(Protocol.Diagnostics.NONE).flags()).isEmpty();
    assertThat(LearningTrace.of(List.of()).diagnostics(LIMITS).figures())
        .isEqualTo(new LearningTrace.Figures(null, null, null, null, null));
  }

  @Test
  void theFoldWithoutStepsGivesTheSameFiguresAndFlags() {
    Session s = new Session()
        .episode(8).step(1, "pitch-up@0", false, "A", 8, 0, 1).step(2, "pitch-up@1", false, "B", 7, 0, 1)
        .episode(6).step(1, "pitch-up@0", false, "A", 6, 0, 1).step(2, "remove-note@1", true, "C", 4, 0, 1);
    LearningTrace.Fold fold = new LearningTrace.Fold(false);
    for (int i = 0; i < s.events.size(); i++) {
      fold.next(i + 1, s.events.get(i));
    }
    LearningTrace lean = fold.result();
    LearningTrace full = LearningTrace.of(s.events);
    assertThat(lean.steps()).isEmpty();
    assertThat(full.steps()).hasSize(6);
    assertThat(lean.diagnostics(LIMITS)).isEqualTo(full.diagnostics(LIMITS));
    assertThat(lean.diagnostics(LIMITS).kinds()).contains(LearningTrace.POLICY_COLLAPSE, LearningTrace.RATING_DRIFT);
    assertThat(lean.learned()).isEqualTo(full.learned());
    assertThat(lean.episodes()).isEqualTo(full.episodes());
    assertThat(lean.topGreedyEdit()).isEqualTo(org.tuneloop.music.Edit.PITCH_UP);
  }

  @Test
  void aStudyAveragesTheParticipantsEpisodeMeansPerArmWithATInterval() {
    LearningTrace.Diagnostics none = LearningTrace.of(List.of()).diagnostics(LIMITS);
    LearningTrace.Diagnostics drifting = new LearningTrace.Diagnostics(20,
        new LearningTrace.Figures(null, null, null, null, -1.0),
        List.of(new LearningTrace.Flag(LearningTrace.RATING_DRIFT, "falls")), LIMITS);
    StudyLearning.Result r = StudyLearning.of(List.of("A", "B"), List.of(
        new StudyLearning.Participant("p1", "A", List.of(new LearningTrace.Episode(1, 4.0, 8, 4, 4)), none),
        new StudyLearning.Participant("p2", "A", List.of(new LearningTrace.Episode(1, 6.0, 8, 4, 4),
            new LearningTrace.Episode(2, 5.0, 8, 4, 4)), drifting)));

    StudyLearning.Arm a = r.arms().getFirst();
    assertThat(a.participants()).isEqualTo(2);
    StudyLearning.EpisodeMean first = a.episodes().getFirst();
    assertThat(first.n()).isEqualTo(2);
    assertThat(first.mean()).isEqualTo(5.0);
    // sd = sqrt(2), half width = 12.706 * sqrt(2) / sqrt(2)
    assertThat(first.low()).isCloseTo(5.0 - 12.706, within(1e-9));
    assertThat(first.high()).isCloseTo(5.0 + 12.706, within(1e-9));
    assertThat(a.episodes().get(1).low()).as("one participant: no interval").isNull();
    assertThat(a.flags()).containsEntry(LearningTrace.RATING_DRIFT, 1).containsEntry(LearningTrace.NO_CONVERGENCE, 0);
    assertThat(r.arms().get(1).participants()).isZero();
    assertThat(r.flagged()).containsExactly(new StudyLearning.Flagged("p2", "A", List.of("rating-drift")));
  }
}
