package org.tuneloop.study;

import java.time.Instant;
import org.tuneloop.agent.QTable;
import org.tuneloop.music.EditBounds;
import org.tuneloop.music.StartParameters;
import org.tuneloop.music.Track;
import org.tuneloop.music.TrackEdit;
import org.tuneloop.study.ParticipantEvent.ParticipantEnrolled;

/** A participant's state, one record per phase of the session. */
public sealed interface Participant {

  /** The phase's name as the API shows it. */
  String phase();

  /** No events yet. */
  record Unknown() implements Participant {
    public String phase() { return "unknown"; }
  }

  record AwaitingConsent(ParticipantEnrolled enrolment) implements Participant {
    public String phase() { return "consent"; }
  }

  record Declined(ParticipantEnrolled enrolment) implements Participant {
    public String phase() { return "declined"; }
  }

  record ChoosingParameters(ParticipantEnrolled enrolment) implements Participant {
    public String phase() { return "parameters"; }
  }

  /**
   * In an episode. {@code current} is s_step, the track waiting for a rating; {@code previous} and
   * {@code action} are s_(step-1) and a_step, the pair the rating will be credited to.
   */
  record Training(ParticipantEnrolled enrolment, StartParameters parameters, QTable q, int completedEpisodes,
                  int episode, int step, Track previous, TrackEdit action, Track current, Instant presentedAt)
      implements Participant {
    public String phase() { return "training"; }

    public EditBounds bounds() { return enrolment.settings().bounds(parameters); }

    public int stepsPerEpisode() { return enrolment.settings().steps(parameters); }
  }

  /** The required episodes are done: the participant may continue or finish. */
  record BetweenEpisodes(ParticipantEnrolled enrolment, StartParameters parameters, QTable q, int completedEpisodes)
      implements Participant {
    public String phase() { return "between-episodes"; }
  }

  record Finished(ParticipantEnrolled enrolment, StartParameters parameters, QTable q, int completedEpisodes,
                  ParticipantEvent.CompositionCreated composition) implements Participant {
    public String phase() { return "finished"; }
  }

  record Withdrawn(ParticipantEnrolled enrolment) implements Participant {
    public String phase() { return "withdrawn"; }
  }

  /** A researcher ended the session early. */
  record Ended(ParticipantEnrolled enrolment, String reason) implements Participant {
    public String phase() { return "ended"; }
  }

  /** No more commands of the participant's are possible. */
  default boolean isOver() {
    return this instanceof Declined || this instanceof Finished || this instanceof Withdrawn || this instanceof Ended;
  }
}
