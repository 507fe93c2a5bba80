package org.tuneloop.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.tuneloop.music.EditBounds;
import org.tuneloop.music.Note;
import org.tuneloop.music.Scale;
import org.tuneloop.music.StartParameters;
import org.tuneloop.music.Track;
import org.tuneloop.music.TrackGenerator;

/** The simulated participants' tastes: what each one scores, and how a rater turns scores into ratings. */
class TasteTest {
  private static final StartParameters C_MAJOR = new StartParameters(60, Scale.MAJOR, 4, 120);

  private static Track melody(int... pitches) {
    List<Note> notes = new ArrayList<>();
    for (int p : pitches) {
      notes.add(new Note(p, 0.5, 35));
    }
    return new Track(notes);
  }

  private static Track rhythm(double... beats) {
    List<Note> notes = new ArrayList<>();
    for (double b : beats) {
      notes.add(new Note(60, b, 35));
    }
    return new Track(notes);
  }

  @Test
  void eachTasteScoresWhatItSaysItLikes() {
    assertThat(new Taste.InScale().score(melody(60, 62, 64, 65), C_MAJOR)).isEqualTo(1.0);
    assertThat(new Taste.InScale().score(melody(60, 61, 64, 65), C_MAJOR)).isEqualTo(0.75);

    assertThat(new Taste.SmallSteps().score(melody(60, 62, 60, 61), C_MAJOR)).isEqualTo(1.0);
    assertThat(new Taste.SmallSteps().score(melody(60, 72), C_MAJOR)).isEqualTo(0.0);
    assertThat(new Taste.SmallSteps().score(melody(60, 67), C_MAJOR)).isCloseTo(0.5, within(1e-9));

    assertThat(new Taste.InScaleSmallSteps().score(melody(61, 73), C_MAJOR)).isEqualTo(0.0);
    assertThat(new Taste.InScaleSmallSteps().score(melody(60, 62, 64), C_MAJOR)).isEqualTo(1.0);

    assertThat(new Taste.SteadyRhythm().score(rhythm(0.5, 0.5, 0.5), C_MAJOR)).isEqualTo(1.0);
    assertThat(new Taste.SteadyRhythm().score(rhythm(0.25, 1.0, 0.25), C_MAJOR)).isEqualTo(0.0);

    Track up = melody(60, 62, 64, 65, 67);
    assertThat(new Taste.Contour(Taste.Contour.Shape.RISING).score(up, C_MAJOR)).isEqualTo(1.0);
    assertThat(new Taste.Contour(Taste.Contour.Shape.FALLING).score(up, C_MAJOR)).isEqualTo(0.0);
    assertThat(new Taste.Contour(Taste.Contour.Shape.ARCH).score(melody(60, 62, 64, 62, 60), C_MAJOR))
        .isEqualTo(1.0);

    // Half a beat at 120 BPM is 0.25 s: liked fully at 0.25 s, not at all at 0.5 s (twice as long).
    assertThat(new Taste.Pace(0.25).score(rhythm(0.5, 0.5), C_MAJOR)).isCloseTo(1.0, within(1e-9));
    assertThat(new Taste.Pace(0.5).score(rhythm(0.5, 0.5), C_MAJOR)).isCloseTo(0.0, within(1e-9));

    assertThat(new Taste.Mixed(1, 0, 0, 0).score(melody(60, 61), C_MAJOR)).isEqualTo(0.5);
    assertThat(new Taste.Indifferent().score(melody(60, 61), C_MAJOR)).isEqualTo(0.5);
  }

  @Test
  void everyKindDrawsATasteOfItsNameScoringBetweenZeroAndOne() {
    SplittableRandom random = new SplittableRandom(3);
    EditBounds bounds = EditBounds.around(60);
    StartParameters parameters = new StartParameters(60, Scale.MINOR, 8, 90);
    for (Taste.Kind kind : Taste.KINDS) {
      Taste taste = kind.draw().apply(random);
      assertThat(taste.name()).isEqualTo(kind.name());
      assertThat(taste.describe()).isNotBlank();
      for (int i = 0; i < 50; i++) {
        assertThat(taste.score(TrackGenerator.generate(parameters, bounds, random), parameters)).isBetween(0.0, 1.0);
      }
    }
    assertThat(Taste.KINDS.stream().map(Taste.Kind::name).distinct()).hasSize(Taste.KINDS.size());
    assertThat(Taste.kind(Taste.DEFAULT).name()).isEqualTo("in-scale-small-steps");
    assertThatThrownBy(() -> Taste.kind("jazz")).hasMessageContaining("no taste 'jazz'")
        .hasMessageContaining("in-scale-small-steps, in-scale");
  }

  @Test
  void aFreshTrackIsRatedAboutTheMiddleByEveryTaste() {
    StartParameters parameters = StartParameters.defaults();
    EditBounds bounds = EditBounds.around(parameters.baseNote());
    for (Taste.Kind kind : Taste.KINDS) {
      double sum = 0;
      int n = 400;
      for (int i = 0; i < n; i++) {
        Taste.Rater rater = Taste.Rater.of(kind.name(), 5, i);
        Track fresh = TrackGenerator.generate(parameters, bounds, new SplittableRandom(1000 + i));
        sum += rater.rate(fresh, parameters, 1);
      }
      assertThat(sum / n).as(kind.name()).isCloseTo(Taste.Rater.MIDDLE, within(0.4));
    }
  }

  @Test
  void theSameSeedAndIndexGiveTheSameParticipantAndTheSameRatingsForTheSameTracks() {
    StartParameters parameters = StartParameters.defaults();
    EditBounds bounds = EditBounds.around(60);
    for (int index = 0; index < 20; index++) {
      Taste.Rater one = Taste.Rater.of("mixed", 7, index);
      Taste.Rater two = Taste.Rater.of("mixed", 7, index);
      assertThat(two).isEqualTo(one);
      for (int number = 1; number <= 30; number++) {
        Track track = TrackGenerator.generate(parameters, bounds, new SplittableRandom(number));
        assertThat(two.rate(track, parameters, number)).isEqualTo(one.rate(track, parameters, number));
        assertThat(two.millisToRate(track, parameters, number)).isEqualTo(one.millisToRate(track, parameters, number));
      }
    }
    // Participants differ from each other, and runs with other seeds differ.
    assertThat(Taste.Rater.of("mixed", 7, 0).taste()).isNotEqualTo(Taste.Rater.of("mixed", 7, 1).taste());
    assertThat(Taste.Rater.of("mixed", 7, 0).taste()).isNotEqualTo(Taste.Rater.of("mixed", 8, 0).taste());
    assertThat(Taste.Rater.of("contour", 7, 0).fatigueAfter()).isBetween(40, 80);
  }

  @Test
  void aTrackWithMoreOfWhatTheTasteLikesIsRatedHigherDespiteTheNoise() {
    StartParameters parameters = new StartParameters(60, Scale.MAJOR, 6, 90);
    Track liked = melody(60, 62, 64, 65, 64, 62);
    Track disliked = melody(61, 70, 63, 75, 66, 54);
    double likedSum = 0;
    double dislikedSum = 0;
    for (int i = 0; i < 100; i++) {
      Taste.Rater rater = Taste.Rater.of(Taste.DEFAULT, 1, i);
      int a = rater.rate(liked, parameters, 1);
      int b = rater.rate(disliked, parameters, 1);
      assertThat(a).isBetween(1, 10);
      assertThat(b).isBetween(1, 10);
      likedSum += a;
      dislikedSum += b;
    }
    // Fresh tracks are drawn from the scale, so a melody in the scale with small steps is only somewhat better
    // than a typical one; one with no note in the scale and leaps everywhere is far worse.
    assertThat(likedSum / 100).isGreaterThan(6.0);
    assertThat(dislikedSum / 100).isLessThan(1.5);
  }

  @Test
  void fatigueMakesRatingsLessConsistentButNotHigherOrLower() {
    StartParameters parameters = new StartParameters(60, Scale.MAJOR, 6, 90);
    Track middling = rhythm(0.5, 0.25, 0.5, 1.0, 0.25, 0.5);
    Taste.Rater rater = new Taste.Rater(new Taste.SteadyRhythm(), 42, 40);
    double[] early = new double[400];
    double[] late = new double[400];
    for (int i = 0; i < 400; i++) {
      early[i] = rater.rate(middling, parameters, 1 + i % 40);
      late[i] = rater.rate(middling, parameters, 200 + i);
    }
    assertThat(Math.abs(mean(late) - mean(early))).as("no drift of the mean").isLessThan(0.4);
    assertThat(spread(late)).as("tired ratings scatter more").isGreaterThan(1.5 * spread(early));
  }

  private static double mean(double[] values) {
    double sum = 0;
    for (double v : values) {
      sum += v;
    }
    return sum / values.length;
  }

  private static double spread(double[] values) {
    double m = mean(values);
    double sum = 0;
    for (double v : values) {
      sum += (v - m) * (v - m);
    }
    return Math.sqrt(sum / values.length);
  }

  @Test
  void timeToRateIsTheTrackOnceAndAMomentToDecide() {
    Taste.Rater rater = Taste.Rater.of(Taste.DEFAULT, 1, 0);
    Track fourBeats = rhythm(1, 1, 1, 1); // 4 beats at 120 BPM: 2 s
    long millis = rater.millisToRate(fourBeats, C_MAJOR, 1);
    assertThat(millis).isBetween(2500L, 5000L);
  }
}
