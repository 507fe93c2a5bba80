package org.tuneloop.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.tuneloop.agent.Draws.Purpose;
import org.tuneloop.music.EditBounds;
import org.tuneloop.music.StartParameters;
import org.tuneloop.music.Track;
import org.tuneloop.music.TrackGenerator;

class DrawsTest {
  private static final long SEED = 20_240_611L;
  private static final StartParameters PARAMETERS = StartParameters.defaults();
  private static final EditBounds BOUNDS = EditBounds.around(60);
  private static final AgentSettings SETTINGS = AgentSettings.paper();

  record Step(int episode, int step) {}

  record Recorded(Track state, QTable q, Choice choice, long raw) {}

  /** A whole session, in order: episodes 1..3, steps 1..8, with a made-up rating so Q changes as it goes. */
  private static Map<Step, Recorded> sequentialRun() {
    Map<Step, Recorded> run = new LinkedHashMap<>();
    QTable q = QTable.empty();
    for (int episode = 1; episode <= 3; episode++) {
      Track state = TrackGenerator.generate(PARAMETERS, BOUNDS, Draws.of(SEED, episode, 0, Purpose.TRACK));
      for (int step = 1; step <= 8; step++) {
        RandomGenerator random = Draws.of(SEED, episode, step, Purpose.POLICY);
        Choice choice = QLearning.choose(q, state, PARAMETERS, BOUNDS, SETTINGS, random);
        long raw = random.nextLong(); // the stream continues past the choice's two draws
        run.put(new Step(episode, step), new Recorded(state, q, choice, raw));
        Track next = choice.action().applyTo(state, BOUNDS).orElseThrow();
        QKey key = SETTINGS.encoder().key(state, choice.action(), PARAMETERS);
        double reward = 1 + (episode * 7 + step * 3) % 10;
        double after = QLearning.update(q.value(key), reward,
            QLearning.maxNext(q, next, PARAMETERS, BOUNDS, SETTINGS.encoder()), SETTINGS.alpha(), SETTINGS.gamma(), step == 8);
        q = q.with(key, after);
        state = next;
      }
    }
    return run;
  }

  @Test
  void aStepReDerivedAloneEqualsTheSequentialRun() {
    Map<Step, Recorded> run = sequentialRun();
    // Other generators created in between must not matter.
    Draws.of(SEED, 2, 4, Purpose.POLICY).nextLong();
    Draws.of(SEED, 9, 9, Purpose.TRACK).nextDouble();

    Recorded recorded = run.get(new Step(2, 5));
    RandomGenerator alone = Draws.of(SEED, 2, 5, Purpose.POLICY);
    Choice again = QLearning.choose(recorded.q(), recorded.state(), PARAMETERS, BOUNDS, SETTINGS, alone);
    assertThat(again).isEqualTo(recorded.choice());
    assertThat(alone.nextLong()).isEqualTo(recorded.raw());

    assertThat(TrackGenerator.generate(PARAMETERS, BOUNDS, Draws.of(SEED, 2, 0, Purpose.TRACK)))
        .isEqualTo(run.get(new Step(2, 1)).state());
  }

  @Test
  void everyStepOfTheRunReDerivesAlone() {
    for (Map.Entry<Step, Recorded> e : sequentialRun().entrySet()) {
      Recorded r = e.getValue();
      RandomGenerator alone = Draws.of(SEED, e.getKey().episode(), e.getKey().step(), Purpose.POLICY);
      assertThat(QLearning.choose(r.q(), r.state(), PARAMETERS, BOUNDS, SETTINGS, alone))
          .as("%s", e.getKey()).isEqualTo(r.choice());
    }
  }

  @Test
  void streamsDifferByEveryCoordinate() {
    Set<Long> firsts = new HashSet<>();
    int count = 0;
    for (long seed : new long[] {0, 1, -1, SEED}) {
      for (int episode = -1; episode <= 4; episode++) {
        for (int step = 0; step <= 8; step++) {
          for (Purpose purpose : Purpose.values()) {
            firsts.add(Draws.of(seed, episode, step, purpose).nextLong());
            count++;
          }
        }
      }
    }
    assertThat(firsts).hasSize(count);
    // Neighbouring coordinates do not give shifted copies of one stream.
    List<Long> a = longs(Draws.of(SEED, 1, 1, Purpose.POLICY), 16);
    List<Long> b = longs(Draws.of(SEED, 1, 2, Purpose.POLICY), 16);
    assertThat(a).doesNotContainAnyElementsOf(b);
  }

  @Test
  void sameCoordinatesSameStream() {
    assertThat(longs(Draws.of(SEED, 3, 7, Purpose.TRACK), 32)).isEqualTo(longs(Draws.of(SEED, 3, 7, Purpose.TRACK), 32));
  }

  /**
   * Pinned values (computed independently from the SplitMix64 definition): a change here breaks the replay of
   * every recorded session, so it must be deliberate.
   */
  @Test
  void drawsArePinned() {
    RandomGenerator random = Draws.of(42, 1, 1, Purpose.POLICY);
    assertThat(List.of(random.nextLong(), (long) random.nextInt(46), Double.doubleToLongBits(random.nextDouble())))
        .isEqualTo(PINNED);
  }

  static final List<Long> PINNED = List.of(8849332483225631311L, 34L, 4599476226730223306L); // u = 0.3222...

  @Test
  void longsMatchTheJdkSplitMix64() {
    SplittableRandom jdk = new SplittableRandom(123_456_789L);
    SplitMix64 ours = new SplitMix64(123_456_789L);
    for (int i = 0; i < 100; i++) {
      assertThat(ours.nextLong()).isEqualTo(jdk.nextLong());
    }
  }

  @Test
  void boundedIntsAreUniform() {
    RandomGenerator random = Draws.of(SEED, 1, 1, Purpose.TRACK);
    int[] counts = new int[7];
    for (int i = 0; i < 70_000; i++) {
      counts[random.nextInt(7)]++;
    }
    for (int c : counts) {
      assertThat(c).isBetween(9_500, 10_500);
    }
    double sum = 0;
    for (int i = 0; i < 10_000; i++) {
      double u = random.nextDouble();
      assertThat(u).isGreaterThanOrEqualTo(0.0).isLessThan(1.0);
      sum += u;
    }
    assertThat(sum / 10_000).isBetween(0.49, 0.51);
  }

  private static List<Long> longs(RandomGenerator random, int n) {
    List<Long> values = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      values.add(random.nextLong());
    }
    return values;
  }
}
