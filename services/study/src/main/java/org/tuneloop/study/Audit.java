package org.tuneloop.study;

import java.util.ArrayList;
import java.util.List;
import org.tuneloop.agent.AgentSettings;
import org.tuneloop.agent.Choice;
import org.tuneloop.agent.Draws;
import org.tuneloop.agent.QKey;
import org.tuneloop.agent.QLearning;
import org.tuneloop.agent.QTable;
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
 * that never reads it: each Q-value update from the recorded state, action and rating and the Q-values recomputed
 * so far; each fresh track and each action choice from the seed.
 */
public final class Audit {
  private Audit() {}

  /** What the replay found. {@code updates} counts the Q-value updates recomputed. */
  public record Report(int updates, int choices, List<String> mismatches) {
    public boolean ok() { return mismatches.isEmpty(); }
  }

  private static final double TOLERANCE = 1e-9;

  public static Report replay(List<ParticipantEvent> events) {
    List<String> mismatches = new ArrayList<>();
    ParticipantEnrolled enrolment = null;
    StartParameters parameters = null;
    QTable q = QTable.empty();
    Track state = null;       // s_(k-1), the track the next action is taken at
    Track current = null;     // s_k, the track a rating is about
    ActionChosen action = null;
    TrackRated rating = null;
    int updates = 0;
    int choices = 0;
    for (ParticipantEvent event : events) {
      switch (event) {
        case ParticipantEnrolled e -> enrolment = e;
        case StartParametersChosen e -> parameters = e.parameters();
        case EpisodeStarted e -> {
          Track expected = TrackGenerator.generate(parameters, bounds(enrolment, parameters),
              Draws.of(enrolment.seed(), e.episode(), 0, Draws.Purpose.TRACK));
          if (!expected.equals(e.track())) {
            mismatches.add("episode " + e.episode() + ": the fresh track differs from the one drawn from the seed");
          }
          current = e.track();
        }
        case ActionChosen e -> {
          state = current;
          action = e;
          choices++;
          Choice expected = QLearning.choose(q, state, parameters, bounds(enrolment, parameters),
              enrolment.settings().agent(), Draws.of(enrolment.seed(), e.episode(), e.step(), Draws.Purpose.POLICY));
          if (!expected.action().equals(e.action()) || expected.explored() != e.explored()) {
            mismatches.add(at(e.episode(), e.step()) + "recorded action " + e.action().key()
                + (e.explored() ? " (explore)" : " (exploit)") + ", recomputed " + expected.action().key()
                + (expected.explored() ? " (explore)" : " (exploit)"));
          }
        }
        case TrackPresented e -> {
          Track expected = action == null ? null
              : action.action().applyTo(state, bounds(enrolment, parameters)).orElse(null);
          if (!e.track().equals(expected)) {
            mismatches.add(at(e.episode(), e.step()) + "the presented track is not the chosen edit of the previous one");
          }
          current = e.track();
        }
        case TrackRated e -> rating = e;
        case QValueUpdated e -> {
          updates++;
          AgentSettings agent = enrolment.settings().agent();
          EditBounds bounds = bounds(enrolment, parameters);
          if (rating == null || action == null || rating.episode() != e.episode() || rating.step() != e.step()) {
            mismatches.add(at(e.episode(), e.step()) + "an update without the rating of its step");
            continue;
          }
          QKey key = agent.encoder().key(state, action.action(), parameters);
          boolean terminal = e.step() >= enrolment.settings().steps(parameters);
          double before = q.value(key);
          double maxNext = terminal ? 0.0 : QLearning.maxNext(q, current, parameters, bounds, agent.encoder());
          double after = QLearning.update(before, rating.rating(), maxNext, agent.alpha(), agent.gamma(), terminal);
          q = q.with(key, after);
          if (!key.state().equals(e.state()) || !key.action().equals(e.action())) {
            mismatches.add(at(e.episode(), e.step()) + "credited to " + e.action() + " at a recorded state that is not "
                + "the one the rated action was taken at");
          }
          if (Math.abs(after - e.after()) > TOLERANCE || Math.abs(before - e.before()) > TOLERANCE
              || Math.abs(maxNext - e.maxNext()) > TOLERANCE || terminal != e.terminal()) {
            mismatches.add(at(e.episode(), e.step()) + "recorded Q " + e.before() + " -> " + e.after()
                + " (max next " + e.maxNext() + "), recomputed " + before + " -> " + after + " (max next " + maxNext + ")");
          }
          rating = null;
        }
        case ParticipantEvent.ConsentGiven e -> { }
        case ParticipantEvent.ConsentDeclined e -> { }
        case ParticipantEvent.EpisodeCompleted e -> { }
        case ParticipantEvent.TrainingFinished e -> { }
        case ParticipantEvent.CompositionCreated e -> { }
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
    return new Report(updates, choices, List.copyOf(mismatches));
  }

  private static EditBounds bounds(ParticipantEnrolled enrolment, StartParameters parameters) {
    return enrolment.settings().bounds(parameters);
  }

  private static String at(int episode, int step) {
    return "episode " + episode + " step " + step + ": ";
  }
}
