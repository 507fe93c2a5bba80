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
   *                 "settings"
   * @param expected what the recomputation (or the participant's own settings and rating) says
   * @param found    what is recorded
   */
  public record Mismatch(int index, int episode, int step, String check, String expected, String found,
                         String sentence) {}

  private static final double TOLERANCE = 1e-9;

  public static Report replay(List<ParticipantEvent> events) {
    List<Mismatch> mismatches = new ArrayList<>();
    ParticipantEnrolled enrolment = null;
    StartParameters parameters = null;
    QTable q = QTable.empty();
    Track state = null;       // s_(k-1), the track the next action is taken at
    Track current = null;     // s_k, the track a rating is about
    ActionChosen action = null;
    TrackRated rating = null;
    int updates = 0;
    int choices = 0;
    for (int index = 0; index < events.size(); index++) {
      ParticipantEvent event = events.get(index);
      switch (event) {
        case ParticipantEnrolled e -> enrolment = e;
        case StartParametersChosen e -> parameters = e.parameters();
        case EpisodeStarted e -> {
          Track expected = TrackGenerator.generate(parameters, bounds(enrolment, parameters),
              Draws.of(enrolment.seed(), e.episode(), 0, Draws.Purpose.TRACK));
          if (!expected.equals(e.track())) {
            mismatches.add(new Mismatch(index, e.episode(), 0, "track", "the track drawn from the seed",
                "another track", "episode " + e.episode() + ": the fresh track differs from the one drawn from the seed"));
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
            String recorded = e.action().key() + (e.explored() ? " (explore)" : " (exploit)");
            String recomputed = expected.action().key() + (expected.explored() ? " (explore)" : " (exploit)");
            mismatches.add(new Mismatch(index, e.episode(), e.step(), "action", recomputed, recorded,
                at(e.episode(), e.step()) + "recorded action " + recorded + ", recomputed " + recomputed));
          }
        }
        case TrackPresented e -> {
          Track expected = action == null ? null
              : action.action().applyTo(state, bounds(enrolment, parameters)).orElse(null);
          if (!e.track().equals(expected)) {
            mismatches.add(new Mismatch(index, e.episode(), e.step(), "presented track",
                "the chosen edit of the previous track", "another track",
                at(e.episode(), e.step()) + "the presented track is not the chosen edit of the previous one"));
          }
          current = e.track();
        }
        case TrackRated e -> rating = e;
        case QValueUpdated e -> {
          updates++;
          AgentSettings agent = enrolment.settings().agent();
          EditBounds bounds = bounds(enrolment, parameters);
          if (rating == null || action == null || rating.episode() != e.episode() || rating.step() != e.step()) {
            mismatches.add(new Mismatch(index, e.episode(), e.step(), "update", "a rating of this step before it",
                rating == null ? "no rating" : "the rating of episode " + rating.episode() + " step " + rating.step(),
                at(e.episode(), e.step()) + "an update without the rating of its step"));
            continue;
          }
          // The inputs the update records must be the participant's own: the rating as reward, the arm's rates.
          double reward = rating.rating();
          if (Math.abs(e.reward() - reward) > TOLERANCE) {
            mismatches.add(new Mismatch(index, e.episode(), e.step(), "reward", Double.toString(reward),
                Double.toString(e.reward()), at(e.episode(), e.step()) + "recorded reward " + e.reward()
                + ", but the rating of this step is " + rating.rating()));
          }
          if (e.alpha() != agent.alpha() || e.gamma() != agent.gamma()) {
            String expected = "alpha " + agent.alpha() + ", gamma " + agent.gamma();
            String found = "alpha " + e.alpha() + ", gamma " + e.gamma();
            mismatches.add(new Mismatch(index, e.episode(), e.step(), "settings", expected, found,
                at(e.episode(), e.step()) + "recorded " + found + ", but the participant's arm has " + expected));
          }
          QKey key = agent.encoder().key(state, action.action(), parameters);
          boolean terminal = e.step() >= enrolment.settings().steps(parameters);
          double before = q.value(key);
          double maxNext = terminal ? 0.0 : QLearning.maxNext(q, current, parameters, bounds, agent.encoder());
          double after = QLearning.update(before, rating.rating(), maxNext, agent.alpha(), agent.gamma(), terminal);
          q = q.with(key, after);
          if (!key.state().equals(e.state()) || !key.action().equals(e.action())) {
            mismatches.add(new Mismatch(index, e.episode(), e.step(), "update", key.state() + " / " + key.action(),
                e.state() + " / " + e.action(), at(e.episode(), e.step()) + "credited to " + e.action()
                + " at a recorded state that is not the one the rated action was taken at"));
          }
          if (Math.abs(after - e.after()) > TOLERANCE || Math.abs(before - e.before()) > TOLERANCE
              || Math.abs(maxNext - e.maxNext()) > TOLERANCE || terminal != e.terminal()) {
            String recorded = e.before() + " -> " + e.after() + " (max next " + e.maxNext() + ")";
            String recomputed = before + " -> " + after + " (max next " + maxNext + ")";
            mismatches.add(new Mismatch(index, e.episode(), e.step(), "Q-value", recomputed, recorded,
                at(e.episode(), e.step()) + "recorded Q " + recorded + ", recomputed " + recomputed));
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
