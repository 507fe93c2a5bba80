package org.tuneloop.agent;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tuneloop.music.Edit;
import org.tuneloop.music.EditBounds;
import org.tuneloop.music.Note;
import org.tuneloop.music.PitchStep;
import org.tuneloop.music.StartParameters;
import org.tuneloop.music.Track;
import org.tuneloop.music.TrackEdit;

/**
 * A feature-based agent: Q(s, a) = w . phi(s, a) over a fixed list of named, explainable features of the track
 * and the edit, learnt by semi-gradient Q-learning. What is learnt about "an edit that brings a note into the
 * scale" or "an edit that shrinks a leap" applies in every later track, however different.
 *
 * <p>The features, in this order ({@link #FEATURES}); s is the track, i the edited note, s' the edited track:
 * <ol start="0">
 *   <li>{@code bias}: 1.</li>
 *   <li>{@code edit=pitch-up} ... {@code edit=remove-note}: 1 for the action's edit, 0 for the other five.</li>
 *   <li>{@code in-scale-after}: 1 when the edited note is in the participant's scale after the edit (0 for a
 *       removal).</li>
 *   <li>{@code in-scale-gain}: notes in the scale in s' minus in s (-1, 0 or 1).</li>
 *   <li>{@code step-after}: the mean size in octaves of the steps between the edited note and its neighbours after
 *       the edit (for a removal, the step between the notes that become neighbours).</li>
 *   <li>{@code steps-shrink}: the sum of the melody's step sizes in s minus in s', in whole tones, clipped to
 *       [-2, 2]: positive when the edit makes the melody move by smaller steps.</li>
 *   <li>{@code beats-after}: the edited note's duration in beats after the edit (0 for a removal).</li>
 *   <li>{@code rhythm-steadying}: the sum of duration changes between consecutive notes in s minus in s', in half
 *       beats, clipped to [-2, 2]: positive when the rhythm becomes steadier.</li>
 *   <li>{@code drum=bass}, {@code drum=snare}, {@code drum=rest}: the edited note's hit after the edit (GM 35/36,
 *       38/40, none); all 0 for a removal or another drum.</li>
 *   <li>{@code position=start}, {@code position=end}: the edited note lies in the first or last third.</li>
 *   <li>{@code rise-early}: the direction of a pitch edit (+1 up, -1 down, 0 other edits) times the note's place
 *       from +1 (first note) to -1 (last): positive for raising early notes or lowering late ones (an arch).</li>
 * </ol>
 */
public final class LinearQ {
  private LinearQ() {}

  public static final List<String> FEATURES = List.of(
      "bias",
      "edit=pitch-up", "edit=pitch-down", "edit=duration-up", "edit=duration-down", "edit=change-percussion",
      "edit=remove-note",
      "in-scale-after", "in-scale-gain", "step-after", "steps-shrink", "beats-after", "rhythm-steadying",
      "drum=bass", "drum=snare", "drum=rest", "position=start", "position=end", "rise-early");

  /** The index of the bias feature, whose weight an optimistic start sets. */
  public static final int BIAS = 0;

  private static final int EDIT = 1;
  private static final int IN_SCALE_AFTER = 7;
  private static final int IN_SCALE_GAIN = 8;
  private static final int STEP_AFTER = 9;
  private static final int STEPS_SHRINK = 10;
  private static final int BEATS_AFTER = 11;
  private static final int RHYTHM_STEADYING = 12;
  private static final int DRUM_BASS = 13;
  private static final int DRUM_SNARE = 14;
  private static final int DRUM_REST = 15;
  private static final int POSITION_START = 16;
  private static final int POSITION_END = 17;
  private static final int RISE_EARLY = 18;

  /** phi(s, a); throws IllegalArgumentException when the action is invalid at the track. */
  public static double[] features(Track track, TrackEdit action, StartParameters parameters, EditBounds bounds) {
    Track after = action.applyTo(track, bounds).orElseThrow(() -> new IllegalArgumentException(
        "the action " + action.key() + " is not valid at " + track));
    PitchStep.ScaleDegree scale = new PitchStep.ScaleDegree(parameters.baseNote(), parameters.scale());
    int i = action.note();
    int n = track.length();
    double[] phi = new double[FEATURES.size()];
    phi[BIAS] = 1.0;
    phi[EDIT + action.edit().ordinal()] = 1.0;
    phi[IN_SCALE_GAIN] = inScale(after, scale) - inScale(track, scale);
    phi[STEPS_SHRINK] = clip((stepSum(track) - stepSum(after)) / 2.0);
    phi[RHYTHM_STEADYING] = clip((rhythmSum(track) - rhythmSum(after)) / 0.5);
    phi[POSITION_START] = 3 * i / n == 0 ? 1.0 : 0.0;
    phi[POSITION_END] = 3 * i / n == 2 ? 1.0 : 0.0;
    if (action.edit() == Edit.REMOVE_NOTE) {
      phi[STEP_AFTER] = i > 0 && i + 1 < n ? Math.abs(track.note(i + 1).pitch() - track.note(i - 1).pitch()) / 12.0 : 0.0;
      return phi;
    }
    Note edited = after.note(i);
    phi[IN_SCALE_AFTER] = scale.contains(edited.pitch()) ? 1.0 : 0.0;
    phi[STEP_AFTER] = neighbourStep(after, i) / 12.0;
    phi[BEATS_AFTER] = edited.beats();
    phi[DRUM_BASS] = edited.drum() == 35 || edited.drum() == 36 ? 1.0 : 0.0;
    phi[DRUM_SNARE] = edited.drum() == 38 || edited.drum() == 40 ? 1.0 : 0.0;
    phi[DRUM_REST] = edited.drum() == Note.REST ? 1.0 : 0.0;
    double place = n > 1 ? 1.0 - 2.0 * i / (n - 1) : 0.0;
    phi[RISE_EARLY] = Integer.signum(edited.pitch() - track.note(i).pitch()) * place;
    return phi;
  }

  /** Q(s, a) = w . phi(s, a), summed in feature order (so a replay gets the same double). */
  public static double value(Weights weights, double[] phi) {
    double[] w = weights.values;
    if (w.length != phi.length) {
      throw new IllegalArgumentException(w.length + " weights for " + phi.length + " features");
    }
    double q = 0.0;
    for (int k = 0; k < w.length; k++) {
      q += w[k] * phi[k];
    }
    return q;
  }

  /**
   * One semi-gradient Q-learning step: target = r + gamma * maxNext (r alone when terminal), TD error =
   * target - w . phi, and w_k += alpha * error * phi_k. The deltas are kept so that an event can carry them
   * and a replay add them back bit for bit.
   */
  public static Step update(Weights weights, double[] phi, double reward, double maxNext, double alpha, double gamma,
                            boolean terminal) {
    double before = value(weights, phi);
    double target = terminal ? reward : reward + gamma * maxNext;
    double error = target - before;
    double[] deltas = new double[phi.length];
    for (int k = 0; k < phi.length; k++) {
      deltas[k] = alpha * error * phi[k];
    }
    Weights next = weights.plus(deltas);
    return new Step(before, target, error, List.copyOf(boxed(deltas)), next, value(next, phi));
  }

  /**
   * What one update did.
   *
   * @param before  Q(s, a) before
   * @param target  r + gamma * maxNext, or r when terminal
   * @param tdError target - before
   * @param deltas  the change of each weight, in feature order
   * @param weights the weights after
   * @param after   Q(s, a) with the new weights
   */
  public record Step(double before, double target, double tdError, List<Double> deltas, Weights weights,
                     double after) {}

  /** An immutable weight vector, one weight per feature of {@link #FEATURES}. */
  public static final class Weights {
    private final double[] values;

    private Weights(double[] values) {
      for (double v : values) {
        if (!Double.isFinite(v)) {
          throw new IllegalArgumentException("weights must be finite: " + Arrays.toString(values));
        }
      }
      this.values = values;
    }

    /** All zero except the bias, which starts at {@code bias} (an optimistic start when high). */
    public static Weights initial(double bias) {
      double[] w = new double[FEATURES.size()];
      w[BIAS] = bias;
      return new Weights(w);
    }

    public static Weights of(List<Double> values) {
      if (values.size() != FEATURES.size()) {
        throw new IllegalArgumentException(values.size() + " weights for " + FEATURES.size() + " features");
      }
      return new Weights(values.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** The weight of a named feature. */
    public double of(String feature) {
      int at = FEATURES.indexOf(feature);
      if (at < 0) {
        throw new IllegalArgumentException("unknown feature '" + feature + "'; valid: " + FEATURES);
      }
      return values[at];
    }

    /** The weights plus the deltas, element by element: how an update's event is folded back. */
    public Weights plus(List<Double> deltas) {
      return plus(deltas.stream().mapToDouble(Double::doubleValue).toArray());
    }

    Weights plus(double[] deltas) {
      if (deltas.length != values.length) {
        throw new IllegalArgumentException(deltas.length + " deltas for " + values.length + " weights");
      }
      double[] next = values.clone();
      for (int k = 0; k < next.length; k++) {
        next[k] += deltas[k];
      }
      return new Weights(next);
    }

    public List<Double> values() { return List.copyOf(boxed(values)); }

    @Override public boolean equals(Object other) {
      return other instanceof Weights that && Arrays.equals(values, that.values);
    }

    @Override public int hashCode() { return Arrays.hashCode(values); }

    @Override public String toString() {
      StringBuilder text = new StringBuilder("Weights{");
      for (int k = 0; k < values.length; k++) {
        text.append(k == 0 ? "" : ", ").append(FEATURES.get(k)).append('=').append(values[k]);
      }
      return text.append('}').toString();
    }
  }

  private static List<Double> boxed(double[] values) {
    List<Double> list = new ArrayList<>(values.length);
    for (double v : values) {
      list.add(v);
    }
    return list;
  }

  private static double clip(double value) { return Math.max(-2.0, Math.min(2.0, value)); }

  private static int inScale(Track track, PitchStep.ScaleDegree scale) {
    int count = 0;
    for (Note note : track.notes()) {
      if (scale.contains(note.pitch())) {
        count++;
      }
    }
    return count;
  }

  private static double stepSum(Track track) {
    double sum = 0;
    for (int k = 1; k < track.length(); k++) {
      sum += Math.abs(track.note(k).pitch() - track.note(k - 1).pitch());
    }
    return sum;
  }

  private static double rhythmSum(Track track) {
    double sum = 0;
    for (int k = 1; k < track.length(); k++) {
      sum += Math.abs(track.note(k).beats() - track.note(k - 1).beats());
    }
    return sum;
  }

  /** Mean step size in semitones from note i to its neighbours; 0 without neighbours. */
  private static double neighbourStep(Track track, int i) {
    double sum = 0;
    int count = 0;
    if (i > 0) {
      sum += Math.abs(track.note(i).pitch() - track.note(i - 1).pitch());
      count++;
    }
    if (i + 1 < track.length()) {
      sum += Math.abs(track.note(i + 1).pitch() - track.note(i).pitch());
      count++;
    }
    return count == 0 ? 0.0 : sum / count;
  }
}
