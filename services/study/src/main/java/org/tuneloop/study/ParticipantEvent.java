package org.tuneloop.study;

import java.time.Instant;
import java.util.List;
import org.tuneloop.music.StartParameters;
import org.tuneloop.music.Track;
import org.tuneloop.music.TrackEdit;

/** Every fact of a participant's session, in the past tense. The event catalogue in docs/ lists them. */
public sealed interface ParticipantEvent {

  /** Enrolment: the study, the arm, the seed of every random draw, and the settings copied from the protocol. */
  /**
   * @param flow            the protocol's blocks after consent, copied like the settings (training alone for
   *                        events of schema versions before 3)
   * @param assignmentIndex the participant's place in the study's assignments (counterbalances the evaluation)
   * @param completionCode  shown at the end, or null
   */
  record ParticipantEnrolled(String participantId, String studyId, String protocolId, int protocolVersion,
                             long seed, String consentVersion, String consentSha256, ArmSettings settings,
                             boolean test, List<Block> flow, int assignmentIndex, String completionCode)
      implements ParticipantEvent {
    public ParticipantEnrolled {
      flow = List.copyOf(flow);
    }

    /** An enrolment in a study whose flow is training alone. */
    public ParticipantEnrolled(String participantId, String studyId, String protocolId, int protocolVersion,
                               long seed, String consentVersion, String consentSha256, ArmSettings settings,
                               boolean test) {
      this(participantId, studyId, protocolId, protocolVersion, seed, consentVersion, consentSha256, settings, test,
          List.of(Block.Training.plain()), 0, null);
    }
  }

  /** Agreement to the consent text of this version, whose SHA-256 is recorded. */
  record ConsentGiven(String consentVersion, String consentSha256) implements ParticipantEvent {}

  record ConsentDeclined(String consentVersion) implements ParticipantEvent {}

  record StartParametersChosen(StartParameters parameters) implements ParticipantEvent {}

  /**
   * A fresh track s0, drawn from (seed, episode, 0).
   *
   * @param baseNote the episode's base note when the arm draws one per episode (from the seed), else null
   */
  record EpisodeStarted(int episode, Track track, Integer baseNote) implements ParticipantEvent {
    public EpisodeStarted(int episode, Track track) {
      this(episode, track, null);
    }
  }

  /**
   * The action a_k taken at s_(k-1); {@code explored} tells a random pick from a greedy one. The policy's figures
   * are null where the policy has none (all null for epsilon-greedy, whose figure is {@code epsilon}).
   *
   * @param epsilon     the effective epsilon after any decay; 0 for softmax and UCB
   * @param temperature softmax: the temperature
   * @param probability softmax: the chosen action's Boltzmann probability
   * @param visits      UCB: N(s, a) of the chosen action before this step (0: untried)
   * @param bonus       UCB: the chosen action's bonus c * sqrt(ln N(s) / N(s, a)); 0 for an untried action
   */
  record ActionChosen(int episode, int step, TrackEdit action, boolean explored, double epsilon, Double temperature,
                      Double probability, Integer visits, Double bonus) implements ParticipantEvent {
    public ActionChosen(int episode, int step, TrackEdit action, boolean explored, double epsilon) {
      this(episode, step, action, explored, epsilon, null, null, null, null);
    }
  }

  /** The track s_k, shown to the participant for rating. */
  record TrackPresented(int episode, int step, Track track, Instant presentedAt) implements ParticipantEvent {}

  /**
   * The participant's rating of s_k, with the passive signals the client sent (each null when it did not).
   *
   * @param millisToRate       server-measured time from presentation to rating
   * @param clientMillisToRate what the client measured, if it said (null otherwise)
   * @param heardShare         share of the track played before the rating, 0 to 1
   * @param replays            times the track was started again
   * @param hiddenMillis       time the page was hidden while the track waited for its rating
   * @param musicality         an arm with a compound reward: the aspect ratings, 1 to 10 (else null)
   */
  record TrackRated(int episode, int step, int rating, long millisToRate, Long clientMillisToRate, Double heardShare,
                    Integer replays, Long hiddenMillis, Integer musicality, Integer novelty, Integer coherence)
      implements ParticipantEvent {
    public TrackRated(int episode, int step, int rating, long millisToRate, Long clientMillisToRate,
                      Double heardShare, Integer replays, Long hiddenMillis) {
      this(episode, step, rating, millisToRate, clientMillisToRate, heardShare, replays, hiddenMillis, null, null,
          null);
    }

    public TrackRated(int episode, int step, int rating, long millisToRate, Long clientMillisToRate) {
      this(episode, step, rating, millisToRate, clientMillisToRate, null, null, null);
    }
  }

  /**
   * Q(s_(k-1), a_k) updated from the rating of s_k; holds every input so an audit can recompute it. {@code reward}
   * is after the arm's reward and baseline. A linear learner adds its features phi(s_(k-1), a_k), the TD error and
   * each weight's change (null for a Q-table): the weights are the fold of these deltas, as the table is of
   * {@code after}.
   */
  record QValueUpdated(int episode, int step, String state, String action, double before, double reward,
                       double maxNext, double alpha, double gamma, boolean terminal, double after,
                       List<Double> features, Double tdError, List<Double> deltas)
      implements ParticipantEvent {
    public QValueUpdated {
      features = features == null ? null : List.copyOf(features);
      deltas = deltas == null ? null : List.copyOf(deltas);
    }

    public QValueUpdated(int episode, int step, String state, String action, double before, double reward,
                         double maxNext, double alpha, double gamma, boolean terminal, double after) {
      this(episode, step, state, action, before, reward, maxNext, alpha, gamma, terminal, after, null, null, null);
    }
  }

  record EpisodeCompleted(int episode) implements ParticipantEvent {}

  record TrainingFinished(int episodes) implements ParticipantEvent {}

  /**
   * The agent's composition: a greedy rollout from the participant's best-rated track.
   *
   * @param fromEpisode  where the start was rated (episode and step); null for events of schema version 1, whose
   *                     composition started from a fresh track
   * @param learnedSteps the rollout's steps at whose track something learnt bore on the pick (the rest were ties
   *                     among untried actions); null for schema version 1
   */
  record CompositionCreated(Track start, List<TrackEdit> actions, Track result, Integer fromEpisode, Integer fromStep,
                            Integer learnedSteps) implements ParticipantEvent {
    public CompositionCreated {
      actions = List.copyOf(actions);
    }

    public CompositionCreated(Track start, List<TrackEdit> actions, Track result) {
      this(start, actions, result, null, null, null);
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

  // ---- the flow ------------------------------------------------------------------------------------------------

  /** The participant enters block {@code index} of the flow. */
  record BlockStarted(int index, String block, String type) implements ParticipantEvent {}

  record BlockCompleted(int index, String block) implements ParticipantEvent {}

  record InstructionsRead(String block, int pages) implements ParticipantEvent {}

  /** The playback setup as the browser reports it; nothing more identifying. */
  record ListeningSetupRecorded(String block, String browser, Integer sampleRate, Double outputLatency,
                                String deviceType) implements ParticipantEvent {}

  /** One trial of the headphone check: the position chosen (1 to 3) and the right one. */
  record HeadphoneTrialAnswered(String block, int trial, int answer, int expected, boolean correct)
      implements ParticipantEvent {}

  record HeadphoneCheckCompleted(String block, int correct, int trials, boolean passed) implements ParticipantEvent {}

  /** The study ended politely for the participant (a failed headphone check whose protocol says end). */
  record ParticipantScreenedOut(String block, String reason) implements ParticipantEvent {}

  /**
   * One item's answer; free text is a {@link Answer.TextReference}. {@code afterEpisode} is set for questionnaires
   * asked between episodes.
   */
  record QuestionnaireAnswered(String block, String item, Answer value, String wordingSha256, Integer afterEpisode)
      implements ParticipantEvent {}

  record AttentionCheckAnswered(String block, String item, String answer, String expected, boolean passed,
                                String wordingSha256) implements ParticipantEvent {}

  /** A fatigue self-report: the level (1 = most alert) on the named scale. */
  record FatigueReported(String block, String item, String scale, int level, String wordingSha256,
                         Integer afterEpisode) implements ParticipantEvent {}

  record PracticeTrackPresented(String block, Track track, int tempo, Instant presentedAt) implements ParticipantEvent {}

  record PracticeTrackRated(String block, int rating, long millisToRate) implements ParticipantEvent {}

  /** A blinded evaluation track: the label shown, where it came from, its notes and tempo. */
  record EvaluationTrack(String label, String source, Track track, int tempo) {}

  /** The evaluation's order: row {@code row} of a balanced Latin square, chosen by the assignment index. */
  record EvaluationOrderAssigned(String block, int row, List<EvaluationTrack> order) implements ParticipantEvent {
    public EvaluationOrderAssigned {
      order = List.copyOf(order);
    }
  }

  record EvaluationTrackPresented(String block, String label, Instant presentedAt) implements ParticipantEvent {}

  /** The answers about one track: item id to Likert point; {@code wordingSha256} hashes the items' wording. */
  record EvaluationAnswered(String block, String label, String source, java.util.Map<String, Integer> answers,
                            String wordingSha256, long millisToRate) implements ParticipantEvent {
    public EvaluationAnswered {
      answers = java.util.Map.copyOf(answers);
    }
  }

  /** The break policy suggests a break; the participant may take it. */
  record BreakSuggested(String reason, int seconds, Instant at) implements ParticipantEvent {}

  /** A break began; an enforced one refuses the participant's commands until {@code endsAt}. */
  record BreakStarted(String reason, int seconds, boolean enforced, Instant endsAt) implements ParticipantEvent {}

  record BreakEnded(Instant endedAt) implements ParticipantEvent {}

  /** An earlier rated track returns, unannounced, after the rating of ({@code episode}, {@code afterStep}). */
  record ProbePresented(int episode, int afterStep, int repeatEpisode, int repeatStep, Track track,
                        Instant presentedAt) implements ParticipantEvent {}

  /** The probe's rating beside the earlier one; never a reward. */
  record ProbeRated(int episode, int afterStep, int rating, int earlierRating, long millisToRate)
      implements ParticipantEvent {}

  /** The end of the flow; the completion code shown (null when the protocol has none). */
  record ParticipantCompleted(String completionCode) implements ParticipantEvent {}

  /** Identifying data kept outside the log (entry record, free-text answers) was deleted: rows deleted of each. */
  record IdentifyingDataErased(String by, int entries, int texts) implements ParticipantEvent {}

  /** Schema version of each event type; bump it and add an upcaster when a type's shape changes. */
  static int schemaVersion(ParticipantEvent event) {
    return switch (event) {
      case ParticipantEnrolled e -> 3;
      case TrackRated e -> 2;
      case CompositionCreated e -> 2;
      default -> 1;
    };
  }

  static String type(ParticipantEvent event) {
    return event.getClass().getSimpleName();
  }
}
