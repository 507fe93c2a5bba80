package org.tuneloop.music;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class TrackGeneratorTest {
  private static final StartParameters PARAMETERS = new StartParameters(62, Scale.DIMINISHED, 8, 90);
  private static final EditBounds BOUNDS = new EditBounds(50, 86, 0.25, 1.0, 0.25, 2, List.of(35, 38, Note.REST));

  @Test
  void notesComeFromScaleGridAndDrumSet() {
    List<Integer> scale = Arrays.stream(Scale.DIMINISHED.pitchesFrom(62)).boxed().toList();
    Set<Integer> pitches = new HashSet<>();
    Set<Double> durations = new HashSet<>();
    Set<Integer> drums = new HashSet<>();
    for (long seed = 0; seed < 200; seed++) {
      Track track = TrackGenerator.generate(PARAMETERS, BOUNDS, new SplittableRandom(seed));
      assertThat(track.length()).isEqualTo(8);
      for (Note note : track.notes()) {
        pitches.add(note.pitch());
        durations.add(note.beats());
        drums.add(note.drum());
      }
    }
    // Over 1,600 notes every value of each set turns up, and nothing else does.
    assertThat(pitches).containsExactlyInAnyOrderElementsOf(scale);
    assertThat(durations).containsExactlyInAnyOrder(0.25, 0.5, 0.75, 1.0);
    assertThat(drums).containsExactlyInAnyOrder(35, 38, Note.REST);
  }

  @Test
  void equalSeedsGiveEqualTracks() {
    Track first = TrackGenerator.generate(PARAMETERS, BOUNDS, new SplittableRandom(7));
    assertThat(TrackGenerator.generate(PARAMETERS, BOUNDS, new SplittableRandom(7))).isEqualTo(first);
    assertThat(TrackGenerator.generate(PARAMETERS, BOUNDS, new SplittableRandom(8))).isNotEqualTo(first);
  }

  @Test
  void drawsPitchThenDurationThenDrumForEachNote() {
    Scripted random = new Scripted(1, 3, 1, /* second note */ 8, 0, 2);
    Track track = TrackGenerator.generate(new StartParameters(62, Scale.DIMINISHED, 2, 90), BOUNDS, random);
    assertThat(track.notes()).containsExactly(new Note(64, 1.0, 38), new Note(74, 0.25, Note.REST));
    assertThat(random.bounds).containsExactly(9, 4, 3, 9, 4, 3);
  }

  @Test
  void lengthZeroGivesAnEmptyTrack() {
    assertThat(TrackGenerator.generate(new StartParameters(60, Scale.MAJOR, 0, 90), BOUNDS, new SplittableRandom(1))
        .length()).isZero();
  }

  /** Returns scripted values to nextInt(bound) and records the bounds asked for; any other draw fails. */
  static final class Scripted implements RandomGenerator {
    private final int[] values;
    private int next;
    final List<Integer> bounds = new ArrayList<>();

    Scripted(int... values) { this.values = values; }

    @Override public int nextInt(int bound) {
      bounds.add(bound);
      return values[next++];
    }

    @Override public long nextLong() { throw new AssertionError("only nextInt(bound) may be used"); }
  }
}
