package org.tuneloop.server;

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.tuneloop.music.EditBounds;
import org.tuneloop.music.PitchStep;
import org.tuneloop.music.StartParameters;
import org.tuneloop.music.Track;
import org.tuneloop.music.TrackGenerator;

/**
 * What a simulated participant likes in a track: an explainable score from 0 (nothing of it) to 1 (all of it).
 * Pure: a taste reads the track and the participant's start parameters, nothing else. The tastes a simulation may
 * use are in {@link #KINDS}; a kind draws one participant's taste (a contour, a preferred note length, weights)
 * from that participant's random stream, and {@link Rater} turns the score into a rating with noise and fatigue.
 */
public sealed interface Taste {

  /** The taste's name on the command line and in the CSV files. */
  String name();

  /** This participant's taste in one line, with what was drawn for them. */
  String describe();

  /** How much of what this taste likes the track has, from 0 to 1. */
  double score(Track track, StartParameters parameters);

  /**
   * The mean score of fresh tracks drawn from these parameters (a fixed sample of 256), which {@link Rater} rates
   * 5.5 before noise: whatever the taste, a fresh track sits in the middle of the scale and an edit can move it
   * either way.
   */
  default double typical(StartParameters parameters) {
    SplittableRandom sample = new SplittableRandom(0x5EEDL);
    EditBounds bounds = EditBounds.around(parameters.baseNote());
    double sum = 0;
    int n = 256;
    for (int i = 0; i < n; i++) {
      sum += score(TrackGenerator.generate(parameters, bounds, sample), parameters);
    }
    return sum / n;
  }

  /** The share of notes whose pitch is in the participant's scale. */
  record InScale() implements Taste {
    public String name() { return "in-scale"; }

    public String describe() { return "likes notes in the scale"; }

    public double score(Track track, StartParameters parameters) {
      if (track.length() == 0) {
        return 0;
      }
      PitchStep.ScaleDegree scale = new PitchStep.ScaleDegree(parameters.baseNote(), parameters.scale());
      double in = 0;
      for (int i = 0; i < track.length(); i++) {
        in += scale.contains(track.note(i).pitch()) ? 1 : 0;
      }
      return in / track.length();
    }
  }

  /** Small steps between neighbouring notes: a step scores 1 up to a whole tone, falling to 0 at an octave. */
  record SmallSteps() implements Taste {
    public String name() { return "small-steps"; }

    public String describe() { return "likes small steps between notes (up to a whole tone), dislikes leaps"; }

    public double score(Track track, StartParameters parameters) {
      if (track.length() < 2) {
        return 1;
      }
      double sum = 0;
      for (int i = 1; i < track.length(); i++) {
        int step = Math.abs(track.note(i).pitch() - track.note(i - 1).pitch());
        sum += Math.max(0.0, 1.0 - Math.max(0, step - 2) / 10.0);
      }
      return sum / (track.length() - 1);
    }
  }

  /** The method's default: the mean of {@link InScale} and {@link SmallSteps}. */
  record InScaleSmallSteps() implements Taste {
    public String name() { return "in-scale-small-steps"; }

    public String describe() { return "likes notes in the scale and small steps between them (half each)"; }

    public double score(Track track, StartParameters parameters) {
      return (new InScale().score(track, parameters) + new SmallSteps().score(track, parameters)) / 2;
    }
  }

  /** A steady rhythm: neighbouring notes of the same length; a change of 0.75 beat or more scores 0. */
  record SteadyRhythm() implements Taste {
    public String name() { return "steady-rhythm"; }

    public String describe() { return "likes a steady rhythm: neighbouring notes of the same length"; }

    public double score(Track track, StartParameters parameters) {
      if (track.length() < 2) {
        return 1;
      }
      double sum = 0;
      for (int i = 1; i < track.length(); i++) {
        sum += 1.0 - Math.min(1.0, Math.abs(track.note(i).beats() - track.note(i - 1).beats()) / 0.75);
      }
      return sum / (track.length() - 1);
    }
  }

  /** The melody's shape: the share of steps going the way the shape wants at that point of the track. */
  record Contour(Shape shape) implements Taste {
    public enum Shape {
      ARCH, RISING, FALLING;

      String id() { return name().toLowerCase(Locale.ROOT); }

      /** Whether a step ending at note {@code i} of {@code n} goes this shape's way. */
      boolean wants(int step, int i, int n) {
        return switch (this) {
          case RISING -> step > 0;
          case FALLING -> step < 0;
          case ARCH -> i <= n / 2 ? step > 0 : step < 0;
        };
      }
    }

    public String name() { return "contour"; }

    public String describe() { return "likes a " + shape.id() + " melody"; }

    public double score(Track track, StartParameters parameters) {
      if (track.length() < 2) {
        return 0;
      }
      double sum = 0;
      for (int i = 1; i < track.length(); i++) {
        sum += shape.wants(track.note(i).pitch() - track.note(i - 1).pitch(), i, track.length()) ? 1 : 0;
      }
      return sum / (track.length() - 1);
    }
  }

  /**
   * A preferred pace: the mean note length in seconds (beats at the participant's tempo) near the preferred one;
   * the score falls to 0 at twice or half of it.
   */
  record Pace(double preferredSeconds) implements Taste {
    public String name() { return "pace"; }

    public String describe() {
      return String.format(Locale.ROOT, "likes notes of about %.2f s (the tempo and the note lengths together)",
          preferredSeconds);
    }

    public double score(Track track, StartParameters parameters) {
      if (track.length() == 0) {
        return 0;
      }
      double seconds = track.beats() / track.length() * 60.0 / parameters.tempo();
      double octaves = Math.abs(Math.log(seconds / preferredSeconds) / Math.log(2));
      return Math.max(0.0, 1.0 - octaves);
    }
  }

  /** A weighted mean of four liked properties, the weights drawn per participant (uniform over the simplex). */
  record Mixed(double inScale, double smallSteps, double steadyRhythm, double arch) implements Taste {
    public String name() { return "mixed"; }

    public String describe() {
      return String.format(Locale.ROOT, "weights in scale %.2f, small steps %.2f, steady rhythm %.2f, arch %.2f",
          inScale, smallSteps, steadyRhythm, arch);
    }

    public double score(Track track, StartParameters parameters) {
      return inScale * new InScale().score(track, parameters)
          + smallSteps * new SmallSteps().score(track, parameters)
          + steadyRhythm * new SteadyRhythm().score(track, parameters)
          + arch * new Contour(Contour.Shape.ARCH).score(track, parameters);
    }
  }

  /** Likes nothing in particular: every rating is the middle plus noise, so no agent can learn anything. */
  record Indifferent() implements Taste {
    public String name() { return "indifferent"; }

    public String describe() { return "likes nothing in particular: ratings are noise around the middle"; }

    public double score(Track track, StartParameters parameters) { return 0.5; }

    @Override public double typical(StartParameters parameters) { return 0.5; }
  }

  /** A taste the command line can name, and how one participant's taste of that kind is drawn. */
  record Kind(String name, String description, Function<SplittableRandom, Taste> draw) {}

  String DEFAULT = "in-scale-small-steps";

  List<Kind> KINDS = List.of(
      new Kind("in-scale-small-steps", "notes in the scale and small steps between them, half each (the default)",
          random -> new InScaleSmallSteps()),
      new Kind("in-scale", "the share of notes in the scale", random -> new InScale()),
      new Kind("small-steps", "small steps between notes (up to a whole tone scores 1, an octave 0)",
          random -> new SmallSteps()),
      new Kind("steady-rhythm", "neighbouring notes of the same length", random -> new SteadyRhythm()),
      new Kind("contour", "a melody shape drawn per participant: arch, rising or falling",
          random -> new Contour(Contour.Shape.values()[random.nextInt(Contour.Shape.values().length)])),
      new Kind("pace", "a preferred note length drawn per participant between 0.2 and 0.6 s",
          random -> new Pace(0.2 + 0.4 * random.nextDouble())),
      new Kind("mixed", "in scale, small steps, steady rhythm and arch, with weights drawn per participant",
          Taste::mixed),
      new Kind("indifferent", "nothing in particular: ratings are noise around the middle (a control)",
          random -> new Indifferent()));

  static Kind kind(String name) {
    return KINDS.stream().filter(k -> k.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no taste '" + name + "'; the tastes are "
            + KINDS.stream().map(Kind::name).collect(Collectors.joining(", "))));
  }

  private static Taste mixed(SplittableRandom random) {
    // Exponential draws normalised: uniform over the weights' simplex.
    double[] w = new double[4];
    double sum = 0;
    for (int i = 0; i < w.length; i++) {
      w[i] = -Math.log(1 - random.nextDouble());
      sum += w[i];
    }
    return new Mixed(w[0] / sum, w[1] / sum, w[2] / sum, w[3] / sum);
  }

  /**
   * One simulated participant's ratings: 5.5 + {@code SENSITIVITY} * (score - typical score) + noise, rounded and
   * kept in 1-10; after {@code fatigueAfter} ratings the noise grows by {@code FATIGUE_PER_RATING} of its size per
   * further rating (at most by {@code FATIGUE_LIMIT}): a tired rater is less consistent, not more lenient, so
   * fatigue cannot make a gain that no agent earned. The noise of rating number n is drawn from (seed, n) alone,
   * so the same track at the same point of the session gets the same rating in every run.
   *
   * @param seed         this participant's seed (from the run's seed and the participant's index)
   * @param fatigueAfter how many ratings before fatigue sets in (drawn per participant, 40 to 80)
   */
  record Rater(Taste taste, long seed, int fatigueAfter) {
    /** Rating points per unit of score: a track 0.1 better by taste is rated about 1.2 higher. */
    public static final double SENSITIVITY = 12.0;
    /** Standard deviation of a rating's noise, in rating points, before rounding. */
    public static final double NOISE = 1.0;
    public static final double FATIGUE_PER_RATING = 0.05;
    public static final double FATIGUE_LIMIT = 1.5;
    public static final double MIDDLE = 5.5;

    /** Participant {@code index} of a run with {@code runSeed}: their taste of that kind, seed and fatigue. */
    public static Rater of(String tasteName, long runSeed, int index) {
      Kind kind = kind(tasteName);
      long seed = new SplittableRandom(runSeed + 0x9E3779B97F4A7C15L * (index + 1L)).nextLong();
      SplittableRandom draws = new SplittableRandom(seed);
      Taste taste = kind.draw().apply(draws);
      return new Rater(taste, seed, 40 + draws.nextInt(41));
    }

    /** The same participant without fatigue: every rating as attentive as the first. */
    public Rater withoutFatigue() {
      return new Rater(taste, seed, Integer.MAX_VALUE);
    }

    /** The rating of {@code track}, the {@code number}-th rating of the session (from 1). */
    public int rate(Track track, StartParameters parameters, int number) {
      return rate(track, parameters, taste.typical(parameters), number);
    }

    /**
     * The same, with {@code typical} the taste's {@link Taste#typical} of these parameters, already known: it depends
     * on them only, and scores 256 tracks.
     */
    public int rate(Track track, StartParameters parameters, double typical, int number) {
      double liked = MIDDLE + SENSITIVITY * (taste.score(track, parameters) - typical);
      double tired = Math.min(FATIGUE_LIMIT, FATIGUE_PER_RATING * Math.max(0, number - fatigueAfter));
      double rating = liked + NOISE * (1 + tired) * stream(number, 1).nextGaussian();
      return (int) Math.max(1, Math.min(10, Math.round(rating)));
    }

    /**
     * How long the participant takes to rate the {@code number}-th track, in milliseconds: the whole track once
     * (its beats at the tempo) and a moment to decide (0.5 to 3 s), as a browser would measure it.
     */
    public long millisToRate(Track track, StartParameters parameters, int number) {
      double listening = track.beats() * 60_000.0 / parameters.tempo();
      return Math.round(listening + 500 + 2500 * stream(number, 2).nextDouble());
    }

    private SplittableRandom stream(int number, int purpose) {
      return new SplittableRandom(seed + 0xBF58476D1CE4E5B9L * number + 0x94D049BB133111EBL * purpose);
    }
  }
}
