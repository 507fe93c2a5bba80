package org.tuneloop.study;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.tuneloop.study.ParticipantEvent.AttentionCheckAnswered;
import org.tuneloop.study.ParticipantEvent.FatigueReported;
import org.tuneloop.study.ParticipantEvent.HeadphoneCheckCompleted;
import org.tuneloop.study.ParticipantEvent.ProbeRated;
import org.tuneloop.study.ParticipantEvent.TrackRated;

/**
 * A participant's data-quality and fatigue figures, folded from their events and the times the events were recorded
 * (docs/flow.md defines each). Pure: the monitor folds it per row, the researcher's route from the stored stream.
 *
 * @param longestIdenticalRun longest run of identical training ratings in a row (probes and practice left out)
 * @param identicalRun        the run of identical ratings the latest rating ends
 * @param lastRating          the latest training rating, or null
 * @param millisOnTask        time on task: the gaps between consecutive actions added up, gaps longer than the
 *                            protocol's {@code breakMinutes} left out as breaks
 * @param lastActionAt        when the participant last acted, or null
 * @param attentionPassed     attention checks answered right
 * @param attentionFailed     attention checks answered wrong
 * @param probes              reliability probes rated
 * @param probeDifferenceSum  the probes' absolute rating differences added up
 * @param probeDifferenceMax  the largest of them (0 without probes)
 * @param latestFatigue       the latest fatigue self-report, or null
 * @param fatigueScale        its scale ({@code samn-perelli} or {@code kss}), or null
 * @param headphonesPassed    the headphone check's outcome, or null when none was completed
 */
public record DataQuality(int longestIdenticalRun, int identicalRun, Integer lastRating, long millisOnTask,
                          Instant lastActionAt, int attentionPassed, int attentionFailed, int probes,
                          int probeDifferenceSum, int probeDifferenceMax, Integer latestFatigue, String fatigueScale,
                          Boolean headphonesPassed) {

  /** Nothing seen yet. */
  public static DataQuality start() {
    return new DataQuality(0, 0, null, 0, null, 0, 0, 0, 0, 0, null, null, null);
  }

  /** An event and the time it was recorded. */
  public record Timed(ParticipantEvent event, Instant at) {}

  /** The figures of a whole stream. */
  public static DataQuality of(List<Timed> events, Protocol.Thresholds thresholds) {
    DataQuality q = start();
    for (Timed t : events) {
      q = q.next(t.event(), t.at(), thresholds);
    }
    return q;
  }

  /** The figures after one more event, recorded at {@code at}. */
  public DataQuality next(ParticipantEvent event, Instant at, Protocol.Thresholds thresholds) {
    long onTask = millisOnTask;
    Instant last = lastActionAt;
    if (at != null && byParticipant(event)) {
      if (lastActionAt != null) {
        long gap = Math.max(0, Duration.between(lastActionAt, at).toMillis());
        if (thresholds.breakMinutes() == null || gap <= Duration.ofMinutes(thresholds.breakMinutes()).toMillis()) {
          onTask += gap;
        }
      }
      last = at;
    }
    DataQuality q = new DataQuality(longestIdenticalRun, identicalRun, lastRating, onTask, last, attentionPassed,
        attentionFailed, probes, probeDifferenceSum, probeDifferenceMax, latestFatigue, fatigueScale,
        headphonesPassed);
    return switch (event) {
      case TrackRated r -> {
        int run = lastRating != null && lastRating == r.rating() ? identicalRun + 1 : 1;
        yield new DataQuality(Math.max(longestIdenticalRun, run), run, r.rating(), onTask, last, attentionPassed,
            attentionFailed, probes, probeDifferenceSum, probeDifferenceMax, latestFatigue, fatigueScale,
            headphonesPassed);
      }
      case AttentionCheckAnswered a -> new DataQuality(longestIdenticalRun, identicalRun, lastRating, onTask, last,
          attentionPassed + (a.passed() ? 1 : 0), attentionFailed + (a.passed() ? 0 : 1), probes, probeDifferenceSum,
          probeDifferenceMax, latestFatigue, fatigueScale, headphonesPassed);
      case ProbeRated p -> {
        int difference = Math.abs(p.rating() - p.earlierRating());
        yield new DataQuality(longestIdenticalRun, identicalRun, lastRating, onTask, last, attentionPassed,
            attentionFailed, probes + 1, probeDifferenceSum + difference, Math.max(probeDifferenceMax, difference),
            latestFatigue, fatigueScale, headphonesPassed);
      }
      case FatigueReported f -> new DataQuality(longestIdenticalRun, identicalRun, lastRating, onTask, last,
          attentionPassed, attentionFailed, probes, probeDifferenceSum, probeDifferenceMax, f.level(), f.scale(),
          headphonesPassed);
      case HeadphoneCheckCompleted h -> new DataQuality(longestIdenticalRun, identicalRun, lastRating, onTask, last,
          attentionPassed, attentionFailed, probes, probeDifferenceSum, probeDifferenceMax, latestFatigue,
          fatigueScale, h.passed());
      default -> q;
    };
  }

  /** The probes' mean absolute rating difference, or null without probes. */
  public Double probeDifferenceMean() {
    return probes == 0 ? null : (double) probeDifferenceSum / probes;
  }

  /** Whether the latest fatigue report lies above the protocol's threshold (null: no report or no threshold). */
  public Boolean fatigued(Protocol.Thresholds thresholds) {
    return latestFatigue == null || thresholds.fatigueAbove() == null ? null
        : latestFatigue > thresholds.fatigueAbove();
  }

  /**
   * The monitor's flags from the protocol's thresholds: {@code fatigued}, {@code attention-failed},
   * {@code unreliable}, {@code identical-run}, {@code headphones-failed}.
   */
  public List<String> flags(Protocol.Thresholds thresholds) {
    List<String> flags = new ArrayList<>();
    if (Boolean.TRUE.equals(fatigued(thresholds))) {
      flags.add("fatigued");
    }
    if (thresholds.attentionFailures() != null && attentionFailed >= thresholds.attentionFailures()
        && attentionFailed > 0) {
      flags.add("attention-failed");
    }
    if (thresholds.probeDifference() != null && probes > 0 && probeDifferenceMean() >= thresholds.probeDifference()) {
      flags.add("unreliable");
    }
    if (thresholds.identicalRun() != null && longestIdenticalRun >= thresholds.identicalRun()) {
      flags.add("identical-run");
    }
    if (Boolean.FALSE.equals(headphonesPassed)) {
      flags.add("headphones-failed");
    }
    return List.copyOf(flags);
  }

  /** Events a researcher or the server wrote are not the participant acting, so they leave time on task alone. */
  private static boolean byParticipant(ParticipantEvent event) {
    return !(event instanceof ParticipantEvent.SessionPaused || event instanceof ParticipantEvent.SessionResumed
        || event instanceof ParticipantEvent.ObservationNoted || event instanceof ParticipantEvent.SessionEndedEarly
        || event instanceof ParticipantEvent.ParticipantDroppedOut
        || event instanceof ParticipantEvent.IdentifyingDataErased);
  }
}
