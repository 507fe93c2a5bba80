package org.tuneloop.study;

import java.time.Instant;
import java.util.List;
import org.tuneloop.music.StartParameters;
import org.tuneloop.music.Track;
import org.tuneloop.music.TrackEdit;

/** Every fact of a participant's session, in the past tense. The event catalogue in docs/ lists them. */
public sealed interface ParticipantEvent {

  /** Enrolment: the study, the arm, the seed of every random draw, and the settings copied from the protocol. */
  record ParticipantEnrolled(String participantId, String studyId, String protocolId, int protocolVersion,
                             long seed, String consentVersion, String consentSha256, ArmSettings settings,
                             boolean test)
      implements ParticipantEvent {}

  /** Agreement to the consent text of this version, whose SHA-256 is recorded. */
  record ConsentGiven(String consentVersion, String consentSha256) implements ParticipantEvent {}

  record ConsentDeclined(String consentVersion) implements ParticipantEvent {}

  record StartParametersChosen(StartParameters parameters) implements ParticipantEvent {}

  /** A fresh track s0, drawn from (seed, episode, 0). */
  record EpisodeStarted(int episode, Track track) implements ParticipantEvent {}

  /** The action a_k taken at s_(k-1); {@code explored} tells a random pick from a greedy one. */
  record ActionChosen(int episode, int step, TrackEdit action, boolean explored, double epsilon)
      implements ParticipantEvent {}

  /** The track s_k, shown to the participant for rating. */
  record TrackPresented(int episode, int step, Track track, Instant presentedAt) implements ParticipantEvent {}

  /**
   * The participant's rating of s_k.
   *
   * @param millisToRate       server-measured time from presentation to rating
   * @param clientMillisToRate what the client measured, if it said (null otherwise)
   */
  record TrackRated(int episode, int step, int rating, long millisToRate, Long clientMillisToRate)
      implements ParticipantEvent {}

  /** Q(s_(k-1), a_k) updated from the rating of s_k; holds every input so an audit can recompute it. */
  record QValueUpdated(int episode, int step, String state, String action, double before, double reward,
                       double maxNext, double alpha, double gamma, boolean terminal, double after)
      implements ParticipantEvent {}

  record EpisodeCompleted(int episode) implements ParticipantEvent {}

  record TrainingFinished(int episodes) implements ParticipantEvent {}

  /** The agent's composition: a greedy rollout from a fresh track. */
  record CompositionCreated(Track start, List<TrackEdit> actions, Track result) implements ParticipantEvent {
    public CompositionCreated {
      actions = List.copyOf(actions);
    }
  }

  record ParticipantWithdrew(String phase) implements ParticipantEvent {}

  /** A researcher paused the session (e.g. for a break in the lab): the participant's commands wait. */
  record SessionPaused(String by, String reason) implements ParticipantEvent {}

  record SessionResumed(String by) implements ParticipantEvent {}

  /** A researcher's timestamped observation about the participant (the event's recorded time is the stamp). */
  record ObservationNoted(String by, String text) implements ParticipantEvent {}

  /** A researcher ended the session early; final, like a withdrawal, but by the researcher. */
  record SessionEndedEarly(String by, String reason, String phase) implements ParticipantEvent {}

  /** Idle longer than the protocol allows; the participant may still come back and carry on. */
  record ParticipantDroppedOut(int idleMinutes, String phase) implements ParticipantEvent {}

  /** Schema version of each event type; bump it and add an upcaster when a type's shape changes. */
  static int schemaVersion(ParticipantEvent event) {
    return event instanceof ParticipantEnrolled ? 2 : 1;
  }

  static String type(ParticipantEvent event) {
    return event.getClass().getSimpleName();
  }
}
