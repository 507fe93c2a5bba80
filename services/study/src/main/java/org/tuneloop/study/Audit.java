package org.tuneloop.study;

import java.util.ArrayList;
import java.util.List;
import org.tuneloop.agent.AgentSettings;
import org.tuneloop.agent.Choice;
import org.tuneloop.agent.Draws;
import org.tuneloop.agent.Learning;
import org.tuneloop.agent.Learnt;
import org.tuneloop.agent.RewardInputs;
import org.tuneloop.agent.StepContext;
import org.tuneloop.agent.Update;
import org.tuneloop.music.EditBounds;
import org.tuneloop.music.StartParameters;
import org.tuneloop.music.Track;
import org.tuneloop.music.TrackGenerator;
import org.tuneloop.study.ParticipantEvent.ActionChosen;
import org.tuneloop.study.ParticipantEvent.EpisodeStarted;
import org.tuneloop.study.ParticipantEvent.ParticipantEnrolled;
import org.tuneloop.study.ParticipantEvent.QValueUpdated;
import org.tuneloop.study.ParticipantEvent.StartParametersChosen;
import org.tuneloop.study.ParticipantEvent.TrackPresented;
import org.tuneloop.study.ParticipantEvent.TrackRated;

/**
 * Replays one participant's events with the agent code and checks every recorded result against a recomputation
 * that never reads it, for every learning option of the arm (docs/agent-options.md): each update (Q-table entry,
 * or a linear learner's features, TD error and weight changes) from the ratings and what was recomputed so far;
 * each base note, fresh track and choice (with its policy's figures) from the seed; and the composition.
 */
public final class Audit {
  private Audit() {}

  /** What the replay found. {@code updates} counts the Q-value updates recomputed. */
  public record Report(int updates, int choices, List<Mismatch> findings) {
    public Report {
      findings = List.copyOf(findings);
    }

    public boolean ok() { return findings.isEmpty(); }

    /** Each finding as a sentence. */
    public List<String> mismatches() { return findings.stream().map(Mismatch::sentence).toList(); }
  }

  /**
   * A recorded result that differs from its recomputation.
   *
   * @param index    the event's place in the replayed list, from 0
   * @param check    what was checked: "track", "action", "presented track", "update", "Q-value", "reward",
   *                 "settings", "composition"
   * @param expected what the recomputation (or the participant's own settings and ratings) says
   * @param found    what is recorded
   */
  public record Mismatch(int index, int episode, int step, String check, String expected, String found,
                         String sentence) {}

  /** The findings of one replay, each stamped with the event being replayed. */
  private static final class Findings {
    private final List<Mismatch> list = new ArrayList<>();
    private int index;

    void add(int episode, int step, String check, Object expected, Object found, String sentence) {
      list.add(new Mismatch(index, episode, step, check, String.valueOf(expected), String.valueOf(found), sentence));
    }
  }

  private static final double TOLERANCE = 1e-9;

  public static Report replay(List<ParticipantEvent> events) {
    Findings mismatches = new Findings();
    ParticipantEnrolled enrolment = null;
    StartParameters chosen = null;     // the participant's parameters
    StartParameters parameters = null; // the episode's (its base note drawn when the arm draws one)
    Learnt learnt = null;
    Track state = null;       // s_(k-1), the track the next action is taken at
    Track current = null;     // s_k, the track a rating is about
    ActionChosen action = null;
    TrackRated rating = null;
    List<Participant.Rated> rated = new ArrayList<>();
    int updates = 0;
    int choices = 0;
    for (int index = 0; index < events.size(); index++) {
      ParticipantEvent event = events.get(index);
      mismatches.index = index;
      switch (event) {
        case ParticipantEnrolled e -> enrolment = e;
        case StartParametersChosen e -> {
          chosen = e.parameters();
          parameters = chosen;
          learnt = Learning.start(enrolment.settings().agent());
        }
        case EpisodeStarted e -> {
          Integer baseNote = enrolment.settings().baseNote(enrolment.seed(), e.episode());
          if (!java.util.Objects.equals(baseNote, e.baseNote())) {
            mismatches.add(e.episode(), 0, "track", baseNote, e.baseNote(), "episode " + e.episode()
                + ": recorded base note " + e.baseNote() + ", drawn from the seed " + baseNote);
          }
          parameters = enrolment.settings().episodeParameters(chosen, enrolment.seed(), e.episode());
          Track expected = TrackGenerator.generate(parameters, bounds(enrolment, parameters),
              Draws.of(enrolment.seed(), e.episode(), 0, Draws.Purpose.TRACK));
          if (!expected.equals(e.track())) {
            mismatches.add(e.episode(), 0, "track", "the track drawn from the seed", "another track",
                "episode " + e.episode() + ": the fresh track differs from the one drawn from the seed");
          }
          current = e.track();
          action = null;
        }
        case ActionChosen e -> {
          state = current;
          action = e;
          choices++;
          ArmSettings settings = enrolment.settings();
          Choice expected = Learning.choose(learnt, state, parameters, bounds(enrolment, parameters),
              settings.agent(), new StepContext(e.episode(), e.step(), settings.steps(parameters)),
              Draws.of(enrolment.seed(), e.episode(), e.step(), Draws.Purpose.POLICY));
          if (!expected.action().equals(e.action()) || expected.explored() != e.explored()) {
            String recorded = e.action().key() + (e.explored() ? " (explore)" : " (exploit)");
            String again = expected.action().key() + (expected.explored() ? " (explore)" : " (exploit)");
            mismatches.add(e.episode(), e.step(), "action", again, recorded,
                at(e.episode(), e.step()) + "recorded action " + recorded + ", recomputed " + again);
          }
          ActionChosen recomputed = ParticipantDecider.chosen(e.episode(), e.step(), expected);
          if (differs(recomputed.epsilon(), e.epsilon()) || differs(recomputed.temperature(), e.temperature())
              || differs(recomputed.probability(), e.probability()) || differs(recomputed.bonus(), e.bonus())
              || !java.util.Objects.equals(recomputed.visits(), e.visits())) {
            mismatches.add(e.episode(), e.step(), "action", recomputed, e, at(e.episode(), e.step())
                + "recorded pick figures (epsilon " + e.epsilon()
                + ", temperature " + e.temperature() + ", probability " + e.probability() + ", visits " + e.visits()
                + ", bonus " + e.bonus() + "), recomputed (epsilon " + recomputed.epsilon() + ", temperature "
                + recomputed.temperature() + ", probability " + recomputed.probability() + ", visits "
                + recomputed.visits() + ", bonus " + recomputed.bonus() + ")");
          }
        }
        case TrackPresented e -> {
          Track expected = e.step() == 0 ? current : action == null ? null
              : action.action().applyTo(state, bounds(enrolment, parameters)).orElse(null);
          if (!e.track().equals(expected)) {
            mismatches.add(e.episode(), e.step(), "presented track",
                e.step() == 0 ? "the fresh track" : "the chosen edit of the previous track", "another track",
                at(e.episode(), e.step()) + (e.step() == 0 ? "the presented track is not the fresh track"
                    : "the presented track is not the chosen edit of the previous one"));
          }
          current = e.track();
        }
        case TrackRated e -> {
          rating = e;
          rated.add(new Participant.Rated(e.episode(), e.step(), current, e.rating(), parameters));
        }
        case QValueUpdated e -> {
          updates++;
          AgentSettings agent = enrolment.settings().agent();
          if (rating == null || action == null || rating.episode() != e.episode() || rating.step() != e.step()) {
            mismatches.add(e.episode(), e.step(), "update", "a rating of this step before it",
                rating == null ? "no rating" : "the rating of episode " + rating.episode() + " step " + rating.step(),
                at(e.episode(), e.step()) + "an update without the rating of its step");
            continue;
          }
          boolean terminal = e.step() >= enrolment.settings().steps(parameters);
          Update expected;
          try {
            RewardInputs.Aspects aspects = rating.musicality() == null || rating.novelty() == null
                || rating.coherence() == null ? null
                : new RewardInputs.Aspects(rating.musicality(), rating.novelty(), rating.coherence());
            Integer previous = previousRating(rated, e.episode(), e.step());
            expected = Learning.update(learnt, new Learning.Transition(state, action.action(), current, terminal,
                    ParticipantDecider.rewardInputs(agent, rating.rating(), previous, aspects)),
                parameters, bounds(enrolment, parameters), agent);
          } catch (RuntimeException ex) {
            mismatches.add(e.episode(), e.step(), "update", "an update that can be recomputed", ex.getMessage(),
                at(e.episode(), e.step()) + "the update cannot be recomputed: " + ex.getMessage());
            rating = null;
            continue;
          }
          learnt = expected.applyTo(learnt);
          compare(e, ParticipantDecider.updated(e.episode(), e.step(), expected), mismatches);
          rating = null;
        }
        case ParticipantEvent.CompositionCreated e -> {
          // Version 1 compositions started from a fresh track and did not count learned steps.
          if (e.learnedSteps() != null && learnt != null) {
            ParticipantEvent.CompositionCreated expected = ParticipantDecider.compose(enrolment, chosen, learnt,
                rated);
            if (!expected.equals(e)) {
              mismatches.add(e.fromEpisode() == null ? 0 : e.fromEpisode(), e.fromStep() == null ? 0 : e.fromStep(),
                  "composition", expected, e, "composition: recorded " + e.actions().stream().map(a -> a.key()).toList()
                  + " from episode " + e.fromEpisode() + " step " + e.fromStep() + " with " + e.learnedSteps()
                  + " learned steps, recomputed " + expected.actions().stream().map(a -> a.key()).toList()
                  + " from episode " + expected.fromEpisode() + " step " + expected.fromStep() + " with "
                  + expected.learnedSteps());
            }
          }
        }
        case ParticipantEvent.ConsentGiven e -> { }
        case ParticipantEvent.ConsentDeclined e -> { }
        case ParticipantEvent.EpisodeCompleted e -> { }
        case ParticipantEvent.TrainingFinished e -> { }
        case ParticipantEvent.ParticipantWithdrew e -> { }
        case ParticipantEvent.SessionPaused e -> { }
        case ParticipantEvent.SessionResumed e -> { }
        case ParticipantEvent.ObservationNoted e -> { }
        case ParticipantEvent.SessionEndedEarly e -> { }
        case ParticipantEvent.ParticipantDroppedOut e -> { }
        // A probe repeats an earlier track: its rating is never a reward, so nothing here is recomputed from it,
        // and the track it shows is not the state the next action is taken at.
        case ParticipantEvent.ProbePresented e -> { }
        case ParticipantEvent.ProbeRated e -> { }
        case ParticipantEvent.IdentifyingDataErased e -> { }
        case ParticipantEvent.BlockStarted e -> { }
        case ParticipantEvent.BlockCompleted e -> { }
        case ParticipantEvent.InstructionsRead e -> { }
        case ParticipantEvent.ListeningSetupRecorded e -> { }
        case ParticipantEvent.HeadphoneTrialAnswered e -> { }
        case ParticipantEvent.HeadphoneCheckCompleted e -> { }
        case ParticipantEvent.ParticipantScreenedOut e -> { }
        case ParticipantEvent.QuestionnaireAnswered e -> { }
        case ParticipantEvent.AttentionCheckAnswered e -> { }
        case ParticipantEvent.FatigueReported e -> { }
        case ParticipantEvent.PracticeTrackPresented e -> { }
        case ParticipantEvent.PracticeTrackRated e -> { }
        case ParticipantEvent.EvaluationOrderAssigned e -> { }
        case ParticipantEvent.EvaluationTrackPresented e -> { }
        case ParticipantEvent.EvaluationAnswered e -> { }
        case ParticipantEvent.BreakSuggested e -> { }
        case ParticipantEvent.BreakStarted e -> { }
        case ParticipantEvent.BreakEnded e -> { }
        case ParticipantEvent.ParticipantCompleted e -> { }
      }
    }
    return new Report(updates, choices, mismatches.list);
  }

  /**
   * How much the agent could learn in a session, for the researcher: the updates, those whose state key had been
   * updated before (a revisited state), the greedy choices and those at whose track something learnt bore on the
   * pick ({@link Learning#informed}; the others were ties among untried actions).
   */
  public record Learned(int updates, int revisitedStates, int greedySteps, int informedGreedySteps) {
    public double revisitRate() { return updates == 0 ? 0.0 : (double) revisitedStates / updates; }

    public double informedGreedyShare() { return greedySteps == 0 ? 0.0 : (double) informedGreedySteps / greedySteps; }
  }

  /** {@link Learned} from the events, folding the recorded updates (nothing recomputed: see {@link #replay}). */
  public static Learned learned(List<ParticipantEvent> events) {
    return LearningTrace.of(events).learned();
  }

  /** Every recorded figure of an update against its recomputation, which never read the record. */
  private static void compare(QValueUpdated recorded, QValueUpdated expected, Findings mismatches) {
    String where = at(recorded.episode(), recorded.step());
    int episode = recorded.episode();
    int step = recorded.step();
    if (!expected.state().equals(recorded.state()) || !expected.action().equals(recorded.action())) {
      mismatches.add(episode, step, "update", expected.state() + " / " + expected.action(),
          recorded.state() + " / " + recorded.action(), where + "credited to " + recorded.action() + " at a recorded state that is not "
          + "the one the rated action was taken at");
    }
    if (differs(expected.after(), recorded.after()) || differs(expected.before(), recorded.before())
        || differs(expected.maxNext(), recorded.maxNext()) || expected.terminal() != recorded.terminal()) {
      mismatches.add(episode, step, "Q-value", expected.before() + " -> " + expected.after(),
          recorded.before() + " -> " + recorded.after(), where + "recorded Q " + recorded.before() + " -> " + recorded.after() + " (max next "
          + recorded.maxNext() + "), recomputed " + expected.before() + " -> " + expected.after() + " (max next "
          + expected.maxNext() + ")");
    }
    if (differs(expected.reward(), recorded.reward())) {
      mismatches.add(episode, step, "reward", expected.reward(), recorded.reward(), where + "recorded reward "
          + recorded.reward() + ", recomputed from the ratings "
          + expected.reward());
    }
    if (differs(expected.alpha(), recorded.alpha()) || differs(expected.gamma(), recorded.gamma())) {
      mismatches.add(episode, step, "settings", "alpha " + expected.alpha() + ", gamma " + expected.gamma(),
          "alpha " + recorded.alpha() + ", gamma " + recorded.gamma(), where + "recorded alpha " + recorded.alpha() + " and gamma " + recorded.gamma()
          + ", the arm's are " + expected.alpha() + " and " + expected.gamma());
    }
    if (differs(expected.features(), recorded.features()) || differs(expected.deltas(), recorded.deltas())
        || differs(expected.tdError(), recorded.tdError())) {
      mismatches.add(episode, step, "Q-value", expected.deltas(), recorded.deltas(), where + "recorded features "
          + recorded.features() + ", TD error " + recorded.tdError()
          + " and weight changes " + recorded.deltas() + ", recomputed " + expected.features() + ", "
          + expected.tdError() + " and " + expected.deltas());
    }
  }

  private static boolean differs(double a, double b) { return Math.abs(a - b) > TOLERANCE; }

  private static boolean differs(Double a, Double b) {
    return a == null || b == null ? a != b : differs(a.doubleValue(), b.doubleValue());
  }

  private static boolean differs(List<Double> a, List<Double> b) {
    if (a == null || b == null) {
      return a != b;
    }
    if (a.size() != b.size()) {
      return true;
    }
    for (int i = 0; i < a.size(); i++) {
      if (differs(a.get(i), b.get(i))) {
        return true;
      }
    }
    return false;
  }

  private static Integer previousRating(List<Participant.Rated> rated, int episode, int step) {
    for (int i = rated.size() - 1; i >= 0; i--) {
      if (rated.get(i).episode() == episode && rated.get(i).step() == step - 1) {
        return rated.get(i).rating();
      }
    }
    return null;
  }

  private static EditBounds bounds(ParticipantEnrolled enrolment, StartParameters parameters) {
    return enrolment.settings().bounds(parameters);
  }

  private static String at(int episode, int step) {
    return "episode " + episode + " step " + step + ": ";
  }
}
