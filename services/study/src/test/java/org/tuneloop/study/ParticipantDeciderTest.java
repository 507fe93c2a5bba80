package org.tuneloop.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tuneloop.agent.AgentSettings;
import org.tuneloop.agent.QKey;
import org.tuneloop.agent.StateEncoder;
import org.tuneloop.music.EditBounds;
import org.tuneloop.music.Note;
import org.tuneloop.music.Scale;
import org.tuneloop.music.StartParameters;
import org.tuneloop.music.Track;
import org.tuneloop.music.TrackEdit;
import org.tuneloop.study.ParticipantCommand.AnswerConsent;
import org.tuneloop.study.ParticipantCommand.ChooseStartParameters;
import org.tuneloop.study.ParticipantCommand.Enrol;
import org.tuneloop.study.ParticipantCommand.FinishTraining;
import org.tuneloop.study.ParticipantCommand.RateTrack;
import org.tuneloop.study.ParticipantEvent.ActionChosen;
import org.tuneloop.study.ParticipantEvent.CompositionCreated;
import org.tuneloop.study.ParticipantEvent.EpisodeCompleted;
import org.tuneloop.study.ParticipantEvent.EpisodeStarted;
import org.tuneloop.study.ParticipantEvent.QValueUpdated;
import org.tuneloop.study.ParticipantEvent.TrackPresented;
import org.tuneloop.study.ParticipantEvent.TrackRated;

/** Given past events, when a command, then the expected events or a rejection. */
class ParticipantDeciderTest {
  private static final ParticipantDecider DECIDER = new ParticipantDecider();
  private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
  private static final StartParameters PARAMETERS = new StartParameters(60, Scale.MAJOR, 4, 120);

  /** Two episodes of two steps, so a short script covers the terminal step and a second episode. */
  private static ArmSettings twoByTwo() {
    return new ArmSettings("short", AgentSettings.paper(), StartParameterRules.paper(), 12, 24, 0.25, 1.0, 0.25, 2,
        List.of(35, 38), 2, 2);
  }

  private static Protocol protocol(ArmSettings arm) {
    return new Protocol("test", 1, "Test", new Protocol.Consent("1.0", "Consent text"),
        new Protocol.Recruitment(null, Protocol.WhilePaused.CONTINUE, 30, null, null), 2,
        List.of(new Protocol.Arm(arm, 1, null)));
  }

  private static ChooseStartParameters choose(StartParameters p) {
    return new ChooseStartParameters(p.baseNote(), p.scale().id(), p.length(), p.tempo(), T0);
  }

  /** A participant's events so far, and the commands that grow them. */
  private static final class Session {
    final List<ParticipantEvent> events = new ArrayList<>();

    List<ParticipantEvent> when(ParticipantCommand command) {
      List<ParticipantEvent> decided = DECIDER.decide(command, state());
      events.addAll(decided);
      return decided;
    }

    Participant state() {
      return DECIDER.fold(DECIDER.initialState(), events);
    }

    Participant.Training training() {
      return (Participant.Training) state();
    }
  }

  private static Session enrolledAndConsented(ArmSettings arm) {
    Session s = new Session();
    s.when(new Enrol("p1", "s1", protocol(arm), arm.arm(), 42L, false));
    s.when(new AnswerConsent("1.0", true));
    return s;
  }

  private static <T> T only(List<ParticipantEvent> events, Class<T> type) {
    List<T> found = events.stream().filter(type::isInstance).map(type::cast).toList();
    assertThat(found).hasSize(1);
    return found.getFirst();
  }

  @Test
  void ratingIsCreditedToTheActionThatMadeTheRatedTrackWithTheMaxOverTheNextState() {
    Session s = enrolledAndConsented(twoByTwo());
    List<ParticipantEvent> started = s.when(choose(PARAMETERS));
    Track a = only(started, EpisodeStarted.class).track();
    TrackEdit a1 = only(started, ActionChosen.class).action();
    Track b = only(started, TrackPresented.class).track();
    StateEncoder encoder = new StateEncoder.Absolute();

    // Episode 1, step 1: Q(A, a1) = 0 + 0.1 * (7 + 0.9 * 0 - 0) = 0.7
    List<ParticipantEvent> step1 = s.when(new RateTrack(1, 1, 7, 1500L, T0.plusSeconds(3)));
    QValueUpdated u1 = only(step1, QValueUpdated.class);
    QKey k1 = encoder.key(a, a1, PARAMETERS);
    assertThat(new QKey(u1.state(), u1.action())).isEqualTo(k1);
    assertThat(u1.before()).isZero();
    assertThat(u1.maxNext()).isZero();
    assertThat(u1.terminal()).isFalse();
    assertThat(u1.after()).isCloseTo(0.7, within(1e-12));
    TrackRated rated = only(step1, TrackRated.class);
    assertThat(rated.millisToRate()).isEqualTo(3000);
    assertThat(rated.clientMillisToRate()).isEqualTo(1500L);
    TrackEdit a2 = only(step1, ActionChosen.class).action();
    assertThat(only(step1, TrackPresented.class).track()).isEqualTo(a2.applyTo(b, twoByTwo().bounds(PARAMETERS)).orElseThrow());

    // Episode 1, step 2 is terminal: Q(B, a2) = 0 + 0.1 * (4 - 0) = 0.4, no max term
    List<ParticipantEvent> step2 = s.when(new RateTrack(1, 2, 4, null, T0.plusSeconds(6)));
    QValueUpdated u2 = only(step2, QValueUpdated.class);
    assertThat(new QKey(u2.state(), u2.action())).isEqualTo(encoder.key(b, a2, PARAMETERS));
    assertThat(u2.terminal()).isTrue();
    assertThat(u2.maxNext()).isZero();
    assertThat(u2.after()).isCloseTo(0.4, within(1e-12));
    assertThat(only(step2, EpisodeCompleted.class).episode()).isEqualTo(1);
    assertThat(only(step2, EpisodeStarted.class).episode()).isEqualTo(2);

    // Script episode 2 to revisit A -a1-> B (events are facts, whatever the seed would have drawn).
    s.events.subList(s.events.size() - 3, s.events.size()).clear();
    s.events.add(new EpisodeStarted(2, a));
    s.events.add(new ActionChosen(2, 1, a1, false, 0.5));
    s.events.add(new TrackPresented(2, 1, b, T0.plusSeconds(7)));

    // Episode 2, step 1: Q(A, a1) = 0.7 + 0.1 * (6 + 0.9 * max_a' Q(B, a') - 0.7), max = Q(B, a2) = 0.4 -> 1.266
    List<ParticipantEvent> step3 = s.when(new RateTrack(2, 1, 6, null, T0.plusSeconds(9)));
    QValueUpdated u3 = only(step3, QValueUpdated.class);
    assertThat(new QKey(u3.state(), u3.action())).isEqualTo(k1);
    assertThat(u3.before()).isCloseTo(0.7, within(1e-12));
    assertThat(u3.maxNext()).isCloseTo(0.4, within(1e-12));
    assertThat(u3.after()).isCloseTo(1.266, within(1e-12));
    TrackEdit a2again = only(step3, ActionChosen.class).action();

    // Episode 2, step 2 (terminal): from 0.4 if the same action was taken at B again, else from 0.
    QValueUpdated u4 = only(s.when(new RateTrack(2, 2, 9, null, T0.plusSeconds(12))), QValueUpdated.class);
    double expected = a2again.equals(a2) ? 0.4 + 0.1 * (9 - 0.4) : 0.9;
    assertThat(u4.after()).isCloseTo(expected, within(1e-12));

    // The Q-table after both episodes, by hand.
    Participant.BetweenEpisodes done = (Participant.BetweenEpisodes) s.state();
    assertThat(done.completedEpisodes()).isEqualTo(2);
    assertThat(done.q().value(k1)).isCloseTo(1.266, within(1e-12));
    QKey kB = encoder.key(b, a2, PARAMETERS);
    assertThat(done.q().value(kB)).isCloseTo(a2again.equals(a2) ? 1.26 : 0.4, within(1e-12));
    assertThat(done.q().size()).isEqualTo(a2again.equals(a2) ? 2 : 3);

    // Finishing composes greedily from a fresh track.
    CompositionCreated composition = only(s.when(new FinishTraining()), CompositionCreated.class);
    assertThat(composition.actions()).hasSize(2);
    assertThat(s.state()).isInstanceOf(Participant.Finished.class);
  }

  @Test
  void aFullRunIsReproducibleFromTheSeedAndPassesTheAudit() {
    List<ParticipantEvent> first = run(99L);
    assertThat(run(99L)).isEqualTo(first);
    assertThat(run(100L)).isNotEqualTo(first);
    Audit.Report report = Audit.replay(first);
    assertThat(report.mismatches()).isEmpty();
    assertThat(report.updates()).isEqualTo(80);
    assertThat(report.choices()).isEqualTo(80);
    assertThat(first.stream().filter(TrackRated.class::isInstance)).hasSize(80);
  }

  @Test
  void theAuditCatchesAnAlteredUpdateAndAnAlteredTrack() {
    List<ParticipantEvent> events = new ArrayList<>(run(7L));
    int i = indexOf(events, QValueUpdated.class, 5);
    QValueUpdated u = (QValueUpdated) events.get(i);
    events.set(i, new QValueUpdated(u.episode(), u.step(), u.state(), u.action(), u.before(), u.reward(), u.maxNext(),
        u.alpha(), u.gamma(), u.terminal(), u.after() + 0.01));
    assertThat(Audit.replay(events).mismatches()).singleElement().asString().contains("recorded Q");

    List<ParticipantEvent> other = new ArrayList<>(run(7L));
    int j = indexOf(other, TrackPresented.class, 3);
    TrackPresented p = (TrackPresented) other.get(j);
    Track changed = p.track().with(0, new Note(p.track().note(0).pitch() + 1, p.track().note(0).beats(), p.track().note(0).drum()));
    other.set(j, new TrackPresented(p.episode(), p.step(), changed, p.presentedAt()));
    assertThat(Audit.replay(other).mismatches()).anyMatch(m -> m.contains("presented track"));
  }

  @Test
  void theAuditCatchesARewardThatIsNotTheRatingAndRatesThatAreNotTheArms() {
    List<ParticipantEvent> events = new ArrayList<>(run(7L));
    int i = indexOf(events, QValueUpdated.class, 4);
    QValueUpdated u = (QValueUpdated) events.get(i);
    events.set(i, new QValueUpdated(u.episode(), u.step(), u.state(), u.action(), u.before(), u.reward() + 1,
        u.maxNext(), u.alpha(), u.gamma(), u.terminal(), u.after()));
    assertThat(Audit.replay(events).findings()).singleElement().satisfies(m -> {
      assertThat(m.check()).isEqualTo("reward");
      assertThat(m.index()).isEqualTo(i);
      assertThat(m.expected()).isEqualTo(Double.toString(u.reward()));
      assertThat(m.found()).isEqualTo(Double.toString(u.reward() + 1));
      assertThat(m.sentence()).contains("episode " + u.episode() + " step " + u.step());
    });

    List<ParticipantEvent> other = new ArrayList<>(run(7L));
    int j = indexOf(other, QValueUpdated.class, 6);
    QValueUpdated v = (QValueUpdated) other.get(j);
    other.set(j, new QValueUpdated(v.episode(), v.step(), v.state(), v.action(), v.before(), v.reward(), v.maxNext(),
        0.5, v.gamma(), v.terminal(), v.after()));
    assertThat(Audit.replay(other).findings()).singleElement().satisfies(m -> {
      assertThat(m.check()).isEqualTo("settings");
      assertThat(m.expected()).contains("alpha " + v.alpha());
      assertThat(m.found()).contains("alpha 0.5");
    });
  }

  @Test
  void everyChosenActionIsValidAndTracksStayInBounds() {
    List<ParticipantEvent> events = run(1234L);
    EditBounds bounds = ArmSettings.paper().bounds(StartParameters.defaults());
    for (ParticipantEvent e : events) {
      if (e instanceof TrackPresented p) {
        for (Note n : p.track().notes()) {
          assertThat(n.pitch()).isBetween(bounds.minPitch(), bounds.maxPitch());
          assertThat(n.beats()).isBetween(bounds.minBeats(), bounds.maxBeats());
          assertThat(bounds.drums()).contains(n.drum());
        }
        assertThat(p.track().length()).isGreaterThanOrEqualTo(bounds.minNotes());
      }
    }
  }

  @Test
  void commandsOutOfTurnAreRejectedAndStoreNothing() {
    Session s = new Session();
    assertRejected(() -> s.when(new AnswerConsent("1.0", true)), CommandRejected.Reason.NOT_NOW);
    s.when(new Enrol("p1", "s1", protocol(ArmSettings.paper()), "paper", 1L, false));
    assertRejected(() -> s.when(new Enrol("p1", "s1", protocol(ArmSettings.paper()), "paper", 1L, false)), CommandRejected.Reason.NOT_NOW);
    assertRejected(() -> s.when(new AnswerConsent("0.9", true)), CommandRejected.Reason.INVALID);
    assertRejected(() -> s.when(new RateTrack(1, 1, 5, null, T0)), CommandRejected.Reason.NOT_NOW);
    s.when(new AnswerConsent("1.0", true));
    assertRejected(() -> s.when(choose(new StartParameters(60, Scale.MAJOR, 99, 90))),
        CommandRejected.Reason.INVALID);
    s.when(choose(StartParameters.defaults()));
    assertRejected(() -> s.when(new RateTrack(1, 2, 5, null, T0)), CommandRejected.Reason.NOT_NOW);
    assertRejected(() -> s.when(new RateTrack(1, 1, 11, null, T0)), CommandRejected.Reason.INVALID);
    assertRejected(() -> s.when(new RateTrack(1, 1, 0, null, T0)), CommandRejected.Reason.INVALID);
    assertRejected(() -> s.when(new FinishTraining()), CommandRejected.Reason.NOT_NOW);
    int before = s.events.size();
    assertThat(s.events).hasSize(before);
    s.when(new ParticipantCommand.Withdraw());
    assertThat(s.state()).isInstanceOf(Participant.Withdrawn.class);
    assertRejected(() -> s.when(new RateTrack(1, 1, 5, null, T0)), CommandRejected.Reason.NOT_NOW);
  }

  @Test
  void decliningConsentEndsTheSession() {
    Session s = new Session();
    s.when(new Enrol("p1", "s1", protocol(ArmSettings.paper()), "paper", 1L, false));
    s.when(new AnswerConsent("1.0", false));
    assertThat(s.state()).isInstanceOf(Participant.Declined.class);
    assertRejected(() -> s.when(choose(StartParameters.defaults())), CommandRejected.Reason.NOT_NOW);
  }

  @Test
  void fixedStartParametersIgnoreWhatTheParticipantSends() {
    StartParameterRules fixed = new StartParameterRules(new StartParameters(48, Scale.MINOR, 6, 100), List.of(Scale.MINOR),
        36, 84, 2, 16, 40, 200, true);
    ArmSettings paper = ArmSettings.paper();
    ArmSettings arm = new ArmSettings("fixed", paper.agent(), fixed, 12, 24, 0.25, 1.0, 0.25, 2, paper.drums(), 10, 0);
    Session s = enrolledAndConsented(arm);
    s.when(choose(StartParameters.defaults()));
    assertThat(s.training().parameters()).isEqualTo(new StartParameters(48, Scale.MINOR, 6, 100));
    assertThat(s.training().stepsPerEpisode()).isEqualTo(6);
  }

  @Test
  void editBoundsOfAWideArmStayWithinMidi() {
    ArmSettings paper = ArmSettings.paper();
    ArmSettings wide = new ArmSettings("wide", paper.agent(), paper.startParameters(), 60, 60, 0.25, 1.0, 0.25, 2,
        paper.drums(), 10, 0);
    assertThat(wide.bounds(new StartParameters(36, Scale.MAJOR, 8, 90)).minPitch()).isZero();
    assertThat(wide.bounds(new StartParameters(84, Scale.MAJOR, 8, 90)).maxPitch()).isEqualTo(127);
    assertThat(paper.bounds(new StartParameters(60, Scale.MAJOR, 8, 90)))
        .isEqualTo(org.tuneloop.music.EditBounds.around(60));
  }

  /** Ten episodes of eight steps with ratings from a fixed taste. */
  private static List<ParticipantEvent> run(long seed) {
    Session s = new Session();
    s.when(new Enrol("p1", "s1", protocol(ArmSettings.paper()), "paper", seed, false));
    s.when(new AnswerConsent("1.0", true));
    s.when(choose(StartParameters.defaults()));
    Instant now = T0;
    while (s.state() instanceof Participant.Training t) {
      now = now.plusSeconds(5);
      int rating = 1 + Math.floorMod(t.current().note(0).pitch() + t.step(), 10);
      s.when(new RateTrack(t.episode(), t.step(), rating, null, now));
    }
    s.when(new FinishTraining());
    return List.copyOf(s.events);
  }

  private static int indexOf(List<ParticipantEvent> events, Class<?> type, int nth) {
    int seen = 0;
    for (int i = 0; i < events.size(); i++) {
      if (type.isInstance(events.get(i)) && ++seen == nth) {
        return i;
      }
    }
    throw new AssertionError("fewer than " + nth + " " + type.getSimpleName());
  }

  private static void assertRejected(Runnable command, CommandRejected.Reason reason) {
    assertThatThrownBy(command::run).isInstanceOfSatisfying(CommandRejected.class,
        e -> assertThat(e.reason()).isEqualTo(reason));
  }
}
