package org.tuneloop.study;

import java.time.Instant;

/** What a participant (or the researcher enrolling one) asks for. Imperative names; validated at the edge first. */
public sealed interface ParticipantCommand {

  record Enrol(String participantId, String studyId, Protocol protocol, String arm, long seed, boolean test)
      implements ParticipantCommand {}

  record AnswerConsent(String consentVersion, boolean agree) implements ParticipantCommand {}

  /** The participant's choice as sent; the arm's rules decide what is allowed. */
  record ChooseStartParameters(int baseNote, String scale, int length, int tempo, Instant now)
      implements ParticipantCommand {}

  /** Rates s_step of the episode; episode and step guard against a stale page rating the wrong track. */
  record RateTrack(int episode, int step, int rating, Long clientMillisToRate, Instant now)
      implements ParticipantCommand {}

  record ContinueTraining(Instant now) implements ParticipantCommand {}

  record FinishTraining() implements ParticipantCommand {}

  record Withdraw() implements ParticipantCommand {}
}
