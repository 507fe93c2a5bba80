package org.tuneloop.study;

import java.time.Instant;

/** What a participant (or the researcher enrolling one) asks for. Imperative names; validated at the edge first. */
public sealed interface ParticipantCommand {

  record Enrol(String participantId, String studyId, Protocol protocol, String arm, long seed, boolean test,
               int assignmentIndex) implements ParticipantCommand {
    public Enrol(String participantId, String studyId, Protocol protocol, String arm, long seed, boolean test) {
      this(participantId, studyId, protocol, arm, seed, test, 0);
    }
  }

  record AnswerConsent(String consentVersion, boolean agree, Instant now) implements ParticipantCommand {
    public AnswerConsent(String consentVersion, boolean agree) {
      this(consentVersion, agree, null);
    }
  }

  /** The participant's choice as sent; the arm's rules decide what is allowed. */
  record ChooseStartParameters(int baseNote, String scale, int length, int tempo, Instant now)
      implements ParticipantCommand {}

  /**
   * Rates s_step of the episode (step 0: the fresh track, when the arm asks for its rating); episode and step guard
   * against a stale page rating the wrong track. An arm with a compound reward also needs the three aspect ratings.
   */
  record RateTrack(int episode, int step, int rating, Long clientMillisToRate, Double heardShare, Integer replays,
                   Long hiddenMillis, Instant now, Integer musicality, Integer novelty, Integer coherence)
      implements ParticipantCommand {
    public RateTrack(int episode, int step, int rating, Long clientMillisToRate, Double heardShare, Integer replays,
                     Long hiddenMillis, Instant now) {
      this(episode, step, rating, clientMillisToRate, heardShare, replays, hiddenMillis, now, null, null, null);
    }

    public RateTrack(int episode, int step, int rating, Long clientMillisToRate, Instant now) {
      this(episode, step, rating, clientMillisToRate, null, null, null, now);
    }
  }

  record ContinueTraining(Instant now) implements ParticipantCommand {}

  record FinishTraining(Instant now) implements ParticipantCommand {
    public FinishTraining() {
      this(null);
    }
  }

  /** The instructions block's pages have been read. */
  record CompleteInstructions(String block, Instant now) implements ParticipantCommand {}

  record RecordSetup(String block, String browser, Integer sampleRate, Double outputLatency, String deviceType,
                     Instant now) implements ParticipantCommand {}

  /** The position (1 to 3) picked as the quietest tone in headphone trial {@code trial}. */
  record AnswerHeadphoneTrial(String block, int trial, int answer, Instant now) implements ParticipantCommand {}

  /**
   * Answers to the items of a questionnaire or debrief (or one asked between episodes), by item id. {@code textKey}
   * is a fresh random value from the edge: free-text answers are recorded by reference {@code textKey:item}.
   */
  record SubmitAnswers(String block, java.util.Map<String, Answer> answers, String textKey, Instant now)
      implements ParticipantCommand {
    public SubmitAnswers {
      answers = java.util.Map.copyOf(answers);
    }
  }

  record RatePractice(String block, int rating, Instant now) implements ParticipantCommand {}

  /** The answers (item id to Likert point) about the evaluation track now presented, by its label. */
  record RateEvaluation(String block, String label, java.util.Map<String, Integer> answers, Instant now)
      implements ParticipantCommand {
    public RateEvaluation {
      answers = java.util.Map.copyOf(answers);
    }
  }

  /** Takes the break the policy suggested. */
  record TakeBreak(Instant now) implements ParticipantCommand {}

  /** Ends a break (an enforced one only once its time is over). */
  record EndBreak(Instant now) implements ParticipantCommand {}

  record Withdraw() implements ParticipantCommand {}
}
