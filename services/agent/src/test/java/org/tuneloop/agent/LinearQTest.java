package org.tuneloop.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.tuneloop.music.EditBounds;
import org.tuneloop.music.Note;
import org.tuneloop.music.StartParameters;
import org.tuneloop.music.Track;
import org.tuneloop.music.TrackEdit;

class LinearQTest {
  private static final StartParameters PARAMETERS = StartParameters.defaults(); // C major from 60
  private static final EditBounds BOUNDS = EditBounds.around(60);

  private static double feature(double[] phi, String name) { return phi[LinearQ.FEATURES.indexOf(name)]; }

  @Test
  void featuresOfARaisedNote() {
    Track track = new Track(List.of(new Note(60, 0.5, 35), new Note(64, 0.25, 38), new Note(67, 1.0, 35)));
    double[] phi = LinearQ.features(track, TrackEdit.parse("pitch-up@1"), PARAMETERS, BOUNDS); // E -> F
    assertThat(phi).hasSize(LinearQ.FEATURES.size());
    assertThat(feature(phi, "bias")).isEqualTo(1);
    assertThat(feature(phi, "edit=pitch-up")).isEqualTo(1);
    assertThat(feature(phi, "edit=pitch-down")).isZero();
    assertThat(feature(phi, "in-scale-after")).isEqualTo(1);
    assertThat(feature(phi, "in-scale-gain")).isZero();
    assertThat(feature(phi, "step-after")).isCloseTo(3.5 / 12, within(1e-12)); // 60->65 and 65->67
    assertThat(feature(phi, "steps-shrink")).isZero(); // 4 + 3 before, 5 + 2 after
    assertThat(feature(phi, "beats-after")).isEqualTo(0.25);
    assertThat(feature(phi, "drum=snare")).isEqualTo(1);
    assertThat(feature(phi, "position=start") + feature(phi, "position=end")).isZero();
    assertThat(feature(phi, "rise-early")).isZero(); // the middle note of three

    double[] sharp = LinearQ.features(track, TrackEdit.parse("pitch-up@0"), PARAMETERS, BOUNDS); // C -> C#
    assertThat(feature(sharp, "in-scale-after")).isZero();
    assertThat(feature(sharp, "in-scale-gain")).isEqualTo(-1);
    assertThat(feature(sharp, "steps-shrink")).isEqualTo(0.5); // 4 semitones become 3
    assertThat(feature(sharp, "rise-early")).isEqualTo(1);
    assertThat(feature(sharp, "position=start")).isEqualTo(1);

    double[] steadier = LinearQ.features(track, TrackEdit.parse("duration-up@1"), PARAMETERS, BOUNDS);
    // Duration changes 0.25 + 0.75 before, 0 + 0.5 after: half a beat steadier.
    assertThat(feature(steadier, "rhythm-steadying")).isEqualTo(1);
    assertThat(feature(steadier, "beats-after")).isEqualTo(0.5);
    assertThatThrownBy(() -> LinearQ.features(track, TrackEdit.parse("pitch-up@5"), PARAMETERS, BOUNDS))
        .hasMessageContaining("not valid");
  }

  @Test
  void handComputedUpdate() {
    List<Double> w = new ArrayList<>(Collections.nCopies(LinearQ.FEATURES.size(), 0.0));
    w.set(LinearQ.FEATURES.indexOf("bias"), 1.0);
    w.set(LinearQ.FEATURES.indexOf("edit=pitch-up"), 0.5);
    double[] phi = new double[LinearQ.FEATURES.size()];
    phi[LinearQ.FEATURES.indexOf("bias")] = 1;
    phi[LinearQ.FEATURES.indexOf("edit=pitch-up")] = 1;
    phi[LinearQ.FEATURES.indexOf("in-scale-after")] = 1;
    phi[LinearQ.FEATURES.indexOf("steps-shrink")] = 0.5;
    // Q = 1 + 0.5 = 1.5; target = 3 + 0.9 * 2 = 4.8; error 3.3; each weight moves by 0.1 * 3.3 * phi.
    LinearQ.Step step = LinearQ.update(LinearQ.Weights.of(w), phi, 3, 2, 0.1, 0.9, false);
    assertThat(step.before()).isEqualTo(1.5);
    assertThat(step.target()).isCloseTo(4.8, within(1e-12));
    assertThat(step.tdError()).isCloseTo(3.3, within(1e-12));
    assertThat(step.deltas().get(LinearQ.FEATURES.indexOf("bias"))).isCloseTo(0.33, within(1e-12));
    assertThat(step.deltas().get(LinearQ.FEATURES.indexOf("steps-shrink"))).isCloseTo(0.165, within(1e-12));
    assertThat(step.deltas().get(LinearQ.FEATURES.indexOf("beats-after"))).isZero();
    assertThat(step.weights().of("in-scale-after")).isCloseTo(0.33, within(1e-12));
    // after = before + alpha * error * |phi|^2 = 1.5 + 0.33 * 3.25
    assertThat(step.after()).isCloseTo(2.5725, within(1e-12));
    assertThat(LinearQ.Weights.of(w).plus(step.deltas())).isEqualTo(step.weights());
    // Terminal: no max term.
    assertThat(LinearQ.update(LinearQ.Weights.of(w), phi, 3, 2, 0.1, 0.9, true).tdError()).isCloseTo(1.5, within(1e-12));
  }

  /**
   * A rater who likes notes in the scale and small steps, 10 episodes of 8 steps, averaged over 40 such raters
   * (each with their own noise): the linear agent with a change-of-rating reward rates better at the end.
   */
  @Test
  void aRaterWhoLikesTheScaleAndSmallStepsIsLearnt() {
    AgentSettings settings = AgentSettings.paper().withLearner(new Learner.Linear()).withReward(new Reward.ChangeOfRating())
        .withPolicy(new Policy.EpsilonGreedy(0.5, new Policy.Decay.PerEpisode(0.7, 0.05))).withAlpha(0.02);
    SimulatedStudy.Taste taste = new SimulatedStudy.Taste(0.5, 0.5, 0, 0);
    double gain = 0;
    int raters = 40;
    for (long seed = 1; seed <= raters; seed++) {
      gain += SimulatedStudy.run(settings, seed, taste, new SplittableRandom(seed)).gain() / raters;
    }
    System.out.printf(Locale.ROOT, "in-scale and small-steps rater: mean rating gain %+.2f from episodes 1-2 to 9-10%n", gain);
    assertThat(gain).isGreaterThan(0.3);
  }
}
