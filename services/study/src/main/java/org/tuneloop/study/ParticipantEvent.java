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
                             long seed, String consentVersion, String consentSha256, ArmSettings settings)
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

  /** Schema version of each event type; bump it and add an upcaster when a type's shape changes. */
  static int schemaVersion(ParticipantEvent event) {
    return 1;
  }

  static String type(ParticipantEvent event) {
    return event.getClass().getSimpleName();
  }
}
