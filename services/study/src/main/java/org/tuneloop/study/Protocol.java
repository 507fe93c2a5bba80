package org.tuneloop.study;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A versioned study protocol: consent text, recruitment rules, and arms. Read from a protocol file at the edge,
 * where study-protocols/protocol.schema.json supplies every default and range; {@link #problems()} adds the
 * checks a schema cannot express.
 *
 * @param blockSize balanced randomisation blocks of this many assignments (a multiple of the weights' sum)
 */
public record Protocol(String id, int version, String title, Consent consent, Recruitment recruitment, int blockSize,
                       List<Arm> arms, List<Block> flow, Timing timing, Thresholds thresholds) {
  public Protocol {
    arms = List.copyOf(arms);
    flow = List.copyOf(flow);
    if (arms.isEmpty()) {
      throw new IllegalArgumentException("a protocol needs at least one arm");
    }
  }

  /** A protocol whose flow is training alone (the paper's study), with the default timing. */
  public Protocol(String id, int version, String title, Consent consent, Recruitment recruitment, int blockSize,
                  List<Arm> arms) {
    this(id, version, title, consent, recruitment, blockSize, arms, List.of(Block.Training.plain()), Timing.DEFAULT);
  }

  /** A protocol with no data-quality thresholds: the monitor raises no quality flags for it. */
  public Protocol(String id, int version, String title, Consent consent, Recruitment recruitment, int blockSize,
                  List<Arm> arms, List<Block> flow, Timing timing) {
    this(id, version, title, consent, recruitment, blockSize, arms, flow, timing, Thresholds.NONE);
  }

  /**
   * What the study's length is estimated from: each rating takes the track's length plus {@code secondsPerRating},
   * and everything outside training takes {@code minutesOutsideTraining}.
   */
  public record Timing(int secondsPerRating, int minutesOutsideTraining) {
    public static final Timing DEFAULT = new Timing(4, 5);
  }

  /**
   * When the researcher's monitor flags a participant's data (docs/flow.md); each null turns its flag off. The
   * protocol file's values come from the schema's defaults.
   *
   * @param breakMinutes        gaps between two actions longer than this are breaks, not time on task (null: none)
   * @param identicalRun        flag "identical-run" from this many identical ratings in a row
   * @param attentionFailures   flag "attention-failed" from this many failed attention checks
   * @param probeDifference     flag "unreliable" when the probes' mean absolute rating difference reaches this
   * @param fatigueAbove        flag "fatigued" when the latest fatigue report is above this level
   * @param diagnostics         when the learning diagnostics flag a participant's session (docs/audit.md)
   */
  public record Thresholds(Integer breakMinutes, Integer identicalRun, Integer attentionFailures,
                           Double probeDifference, Integer fatigueAbove, Diagnostics diagnostics) {
    public static final Thresholds NONE = new Thresholds(null, null, null, null, null);

    public Thresholds {
      diagnostics = diagnostics == null ? Diagnostics.NONE : diagnostics;
    }

    /** Data-quality thresholds without learning diagnostics. */
    public Thresholds(Integer breakMinutes, Integer identicalRun, Integer attentionFailures, Double probeDifference,
                      Integer fatigueAbove) {
      this(breakMinutes, identicalRun, attentionFailures, probeDifference, fatigueAbove, Diagnostics.NONE);
    }
  }

  /**
   * When the learning diagnostics ({@link LearningTrace.Diagnostics}) flag a session; each null turns its flag off.
   * The protocol file's values come from the schema's defaults.
   *
   * @param minSteps              no flag before this many rated training steps; null: no learning flag at all
   * @param policyCollapseShare   flag "policy-collapse" when one kind of edit takes more than this share of the
   *                              greedy steps
   * @param neverSeenStateShare   flag "state-space-explosion" when more than this share of the updates credit a
   *                              state never credited before
   * @param ratingDriftPerEpisode flag "rating-drift" when the mean rating per episode falls faster than this (a
   *                              negative slope, points per episode)
   */
  public record Diagnostics(Integer minSteps, Double policyCollapseShare, Double neverSeenStateShare,
                            Double ratingDriftPerEpisode) {
    /** No learning flags ("no-convergence" has no threshold of its own: minSteps turns it off). */
    public static final Diagnostics NONE = new Diagnostics(null, null, null, null);
  }

  /**
   * The figures texts may name as placeholders: {duration} (whole minutes), {episodes}, {steps}, {trackSeconds};
   * taken from the arm whose training lasts longest, so that the duration promised is never too short.
   */
  public record Estimate(int minutes, int episodes, int steps, int trackSeconds) {
    public String fill(String text) {
      return text.replace("{duration}", minutes + " minutes").replace("{episodes}", Integer.toString(episodes))
          .replace("{steps}", Integer.toString(steps)).replace("{trackSeconds}", Integer.toString(trackSeconds));
    }
  }

  /** The placeholders' values for arms and timing (see {@link Estimate}). */
  public static Estimate estimate(List<Arm> arms, Timing timing) {
    Estimate longest = null;
    double longestSeconds = -1;
    for (Arm arm : arms) {
      ArmSettings a = arm.settings();
      var defaults = a.startParameters().defaults();
      int steps = a.steps(defaults);
      // A fresh track's notes last (min + max) / 2 beats on average.
      double trackSeconds = defaults.length() * (a.minBeats() + a.maxBeats()) / 2 * 60.0 / defaults.tempo();
      int ratings = steps + (a.rateFreshTrack() ? 1 : 0); // the fresh track's rating, where the arm asks for it
      double seconds = (double) a.minEpisodes() * ratings * (trackSeconds + timing.secondsPerRating());
      if (seconds > longestSeconds) {
        longestSeconds = seconds;
        int minutes = (int) Math.ceil(seconds / 60.0) + timing.minutesOutsideTraining();
        longest = new Estimate(minutes, a.minEpisodes(), steps, Math.max(1, (int) Math.round(trackSeconds)));
      }
    }
    return longest;
  }

  /** The flow's training block (there is exactly one). */
  public Block.Training training() {
    return flow.stream().filter(b -> b instanceof Block.Training).map(b -> (Block.Training) b).findFirst()
        .orElseThrow(() -> new IllegalStateException("the flow has no training block"));
  }

  /** The consent text shown to participants, with its version and the hash recorded on agreement. */
  public record Consent(String version, String text) {
    public String sha256() { return sha256Hex(text); }
  }

  /** What happens to participants already enrolled while the study is paused. */
  public enum WhilePaused { CONTINUE, HOLD }

  /**
   * Who may join and how a participant's study ends.
   *
   * @param maxParticipants no enrolment past this many (test participants left out); null for no cap
   * @param idleMinutes     a participant idle this long is marked dropped out
   * @param completionCode  shown at the end (e.g. for Prolific); may be null
   * @param redirectUrl     where the end page sends the participant; may be null
   */
  public record Recruitment(Integer maxParticipants, WhilePaused whilePaused, int idleMinutes, String completionCode,
                            String redirectUrl) {}

  /** An arm: the settings its participants train with, its share of assignments and its cap (null: none). */
  public record Arm(ArmSettings settings, int weight, Integer maxParticipants) {
    public String id() { return settings.arm(); }
  }

  /** The arm's settings, or a rejection naming the arm. */
  public ArmSettings arm(String id) {
    return arms.stream().filter(a -> a.id().equals(id)).findFirst().map(Arm::settings)
        .orElseThrow(() -> CommandRejected.invalid("arm", "no arm '" + id + "' in protocol " + this.id));
  }

  /** A problem found in a protocol: where (e.g. "arms[1].startParameters.defaults.tempo") and why. */
  public record Problem(String path, String reason) {
    @Override public String toString() { return path + ": " + reason; }
  }

  /** The checks no schema can express; an empty list means the protocol can be used. */
  public List<Problem> problems() {
    return ProtocolChecks.problems(this);
  }

  /** Lower-case hex SHA-256 of the UTF-8 text: how protocol and consent texts are pinned. */
  public static String sha256Hex(String text) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
