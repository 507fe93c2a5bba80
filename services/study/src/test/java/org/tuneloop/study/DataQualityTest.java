package org.tuneloop.study;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tuneloop.study.DataQuality.Timed;
import org.tuneloop.study.ParticipantEvent.AttentionCheckAnswered;
import org.tuneloop.study.ParticipantEvent.FatigueReported;
import org.tuneloop.study.ParticipantEvent.HeadphoneCheckCompleted;
import org.tuneloop.study.ParticipantEvent.ObservationNoted;
import org.tuneloop.study.ParticipantEvent.ProbeRated;
import org.tuneloop.study.ParticipantEvent.TrackRated;

class DataQualityTest {
  private static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");
  private static final Protocol.Thresholds THRESHOLDS = new Protocol.Thresholds(2, 4, 1, 2.0, 5);

  /** Events one after another, each {@code seconds[i]} after the start. */
  private static List<Timed> at(long[] seconds, ParticipantEvent... events) {
    List<Timed> timed = new ArrayList<>();
    for (int i = 0; i < events.length; i++) {
      timed.add(new Timed(events[i], T0.plusSeconds(seconds[i])));
    }
    return timed;
  }

  private static TrackRated rated(int step, int rating) {
    return new TrackRated(1, step, rating, 5000, null);
  }

  private static ProbeRated probe(int rating, int earlier) {
    return new ProbeRated(2, 1, rating, earlier, 4000);
  }

  @Test
  void theLongestRunOfIdenticalRatingsIsKeptAfterTheRunEnds() {
    DataQuality q = DataQuality.of(at(new long[] {0, 1, 2, 3, 4, 5, 6, 7},
        rated(1, 5), rated(2, 7), rated(3, 7), rated(4, 7), rated(5, 7), rated(6, 2), rated(7, 2),
        probe(2, 2)), THRESHOLDS);

    assertThat(q.longestIdenticalRun()).isEqualTo(4);
    assertThat(q.identicalRun()).as("a probe's rating neither extends nor breaks the run").isEqualTo(2);
    assertThat(q.flags(THRESHOLDS)).containsExactly("identical-run");
    assertThat(q.flags(new Protocol.Thresholds(2, 5, 1, 2.0, 5))).isEmpty();
  }

  @Test
  void timeOnTaskAddsTheGapsAndLeavesOutBreaksAndOtherPeoplesEvents() {
    // Gaps: 10 s, 20 s, a 5-minute break (left out: the limit is 2 minutes), 30 s; the researcher's note in the
    // break is not the participant acting, so it neither counts nor splits the break.
    DataQuality q = DataQuality.of(at(new long[] {0, 10, 30, 200, 330, 360},
        rated(1, 3), rated(2, 4), rated(3, 5), new ObservationNoted("r1", "looks tired"), rated(4, 6),
        rated(5, 7)), THRESHOLDS);

    assertThat(q.millisOnTask()).isEqualTo((10 + 20 + 30) * 1000L);
    assertThat(q.lastActionAt()).isEqualTo(T0.plusSeconds(360));

    DataQuality noLimit = DataQuality.of(at(new long[] {0, 10, 30, 200, 330, 360},
        rated(1, 3), rated(2, 4), rated(3, 5), new ObservationNoted("r1", "looks tired"), rated(4, 6),
        rated(5, 7)), Protocol.Thresholds.NONE);
    assertThat(noLimit.millisOnTask()).isEqualTo(360_000L);
  }

  @Test
  void attentionChecksAreCountedAndOneFailureFlags() {
    AttentionCheckAnswered passed = new AttentionCheckAnswered("b", "a1", "Agree", "Agree", true, "sha");
    AttentionCheckAnswered failed = new AttentionCheckAnswered("b", "a2", "Disagree", "Agree", false, "sha");

    DataQuality one = DataQuality.of(at(new long[] {0}, passed), THRESHOLDS);
    DataQuality two = DataQuality.of(at(new long[] {0, 1}, passed, failed), THRESHOLDS);

    assertThat(one.attentionPassed()).isEqualTo(1);
    assertThat(one.flags(THRESHOLDS)).isEmpty();
    assertThat(two.attentionPassed()).isEqualTo(1);
    assertThat(two.attentionFailed()).isEqualTo(1);
    assertThat(two.flags(THRESHOLDS)).containsExactly("attention-failed");
    assertThat(two.flags(new Protocol.Thresholds(2, 4, 2, 2.0, 5))).isEmpty();
  }

  @Test
  void probesGiveTheMeanAndLargestDifference() {
    DataQuality none = DataQuality.start();
    DataQuality q = DataQuality.of(at(new long[] {0, 1, 2}, probe(7, 8), probe(2, 6), probe(5, 5)), THRESHOLDS);

    assertThat(none.probeDifferenceMean()).isNull();
    assertThat(q.probes()).isEqualTo(3);
    assertThat(q.probeDifferenceMax()).isEqualTo(4);
    assertThat(q.probeDifferenceMean()).isEqualTo(5.0 / 3);
    assertThat(q.longestIdenticalRun()).as("probes are not training ratings").isZero();
    assertThat(q.flags(new Protocol.Thresholds(2, 4, 1, 1.5, 5))).containsExactly("unreliable");
    assertThat(q.flags(new Protocol.Thresholds(2, 4, 1, 1.7, 5))).isEmpty();
  }

  @Test
  void theLatestFatigueReportCountsAgainstTheThreshold() {
    FatigueReported tired = new FatigueReported("t", "fatigue", "samn-perelli", 6, "sha", 3);
    FatigueReported rested = new FatigueReported("t", "fatigue", "samn-perelli", 2, "sha", 6);

    DataQuality after = DataQuality.of(at(new long[] {0}, tired), THRESHOLDS);
    DataQuality later = DataQuality.of(at(new long[] {0, 100}, tired, rested), THRESHOLDS);

    assertThat(after.latestFatigue()).isEqualTo(6);
    assertThat(after.fatigueScale()).isEqualTo("samn-perelli");
    assertThat(after.fatigued(THRESHOLDS)).isTrue();
    assertThat(after.flags(THRESHOLDS)).containsExactly("fatigued");
    assertThat(later.latestFatigue()).isEqualTo(2);
    assertThat(later.fatigued(THRESHOLDS)).isFalse();
    assertThat(later.flags(THRESHOLDS)).isEmpty();
    assertThat(DataQuality.start().fatigued(THRESHOLDS)).isNull();
    assertThat(after.fatigued(Protocol.Thresholds.NONE)).as("no threshold, no judgement").isNull();
  }

  @Test
  void aFailedHeadphoneCheckFlagsAndAPassedOneDoesNot() {
    DataQuality failed = DataQuality.of(at(new long[] {0}, new HeadphoneCheckCompleted("c", 3, 6, false)), THRESHOLDS);
    DataQuality passed = DataQuality.of(at(new long[] {0}, new HeadphoneCheckCompleted("c", 6, 6, true)), THRESHOLDS);

    assertThat(DataQuality.start().headphonesPassed()).isNull();
    assertThat(failed.headphonesPassed()).isFalse();
    assertThat(failed.flags(Protocol.Thresholds.NONE)).containsExactly("headphones-failed");
    assertThat(passed.headphonesPassed()).isTrue();
    assertThat(passed.flags(THRESHOLDS)).isEmpty();
  }
}
