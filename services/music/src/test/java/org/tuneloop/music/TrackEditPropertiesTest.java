package org.tuneloop.music;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/** Validity and bounds over random tracks, biased towards the edges where edits become invalid. */
class TrackEditPropertiesTest {
  static final int BASE = 60;
  static final EditBounds BOUNDS = EditBounds.around(BASE);
  static final List<EditBounds> BOUND_SETS = List.of(
      BOUNDS,
      new EditBounds(48, 84, 0.25, 1.0, 0.25, 2, List.of(35)),
      new EditBounds(55, 62, 0.5, 2.0, 0.5, 3, List.of(35, 38, 42, Note.REST)));

  @Provide
  Arbitrary<EditBounds> bounds() { return Arbitraries.of(BOUND_SETS); }

  /** Tracks within the given bounds, with pitches, durations and lengths often at their limits. */
  static Arbitrary<Track> tracksWithin(EditBounds b) {
    Arbitrary<Integer> pitch = Arbitraries.frequencyOf(
        Tuple.of(2, Arbitraries.just(b.maxPitch())),
        Tuple.of(2, Arbitraries.just(b.minPitch())),
        Tuple.of(3, Arbitraries.integers().between(b.minPitch(), b.maxPitch())));
    Arbitrary<Double> beats = Arbitraries.of(asList(TrackGenerator.durationGrid(b)));
    Arbitrary<Integer> drum = Arbitraries.frequencyOf(
        Tuple.of(4, Arbitraries.of(b.drums())),
        Tuple.of(1, Arbitraries.just(42)));
    Arbitrary<Note> note = Combinators.combine(pitch, beats, drum).as(Note::new);
    return note.list().ofMinSize(b.minNotes() - 1).ofMaxSize(b.minNotes() + 3).map(Track::new);
  }

  @Provide
  Arbitrary<Case> cases() {
    return bounds().flatMap(b -> tracksWithin(b).map(t -> new Case(t, b)));
  }

  record Case(Track track, EditBounds bounds) {}

  @Property
  void validAtIsExactlyTheEditsThatApply(@ForAll("cases") Case c) {
    List<TrackEdit> valid = TrackEdit.validAt(c.track(), c.bounds());
    for (int index = -1; index <= c.track().length(); index++) {
      for (Edit edit : Edit.values()) {
        TrackEdit action = new TrackEdit(edit, index);
        assertThat(valid.contains(action))
            .as("%s at %s", action.key(), c.track())
            .isEqualTo(action.applyTo(c.track(), c.bounds()).isPresent());
      }
    }
    assertThat(valid).doesNotHaveDuplicates();
  }

  @Property
  void appliedEditsKeepTheTrackWithinBounds(@ForAll("cases") Case c) {
    EditBounds b = c.bounds();
    List<Double> grid = asList(TrackGenerator.durationGrid(b));
    for (TrackEdit action : TrackEdit.validAt(c.track(), b)) {
      Track next = action.applyTo(c.track(), b).orElseThrow();
      if (action.edit() == Edit.REMOVE_NOTE) {
        assertThat(next.length()).isEqualTo(c.track().length() - 1).isGreaterThanOrEqualTo(b.minNotes());
      } else {
        assertThat(next.length()).isEqualTo(c.track().length());
      }
      for (Note note : next.notes()) {
        assertThat(note.pitch()).isBetween(b.minPitch(), b.maxPitch());
        assertThat(grid).as("durations stay exactly on the grid").contains(note.beats());
      }
      assertThat(next).as("an edit always changes the track: %s", action.key()).isNotEqualTo(c.track());
    }
  }

  @Property
  void keyParsesBack(@ForAll("edits") Edit edit, @ForAll("indices") int note) {
    TrackEdit action = new TrackEdit(edit, note);
    assertThat(TrackEdit.parse(action.key())).isEqualTo(action);
  }

  @Provide Arbitrary<Edit> edits() { return Arbitraries.of(Edit.class); }

  @Provide Arbitrary<Integer> indices() { return Arbitraries.integers().between(0, 1_000); }

  static List<Double> asList(double[] values) {
    return Arrays.stream(values).boxed().toList();
  }
}
