package org.tuneloop.music;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.tuneloop.music.Edit.CHANGE_PERCUSSION;
import static org.tuneloop.music.Edit.DURATION_DOWN;
import static org.tuneloop.music.Edit.DURATION_UP;
import static org.tuneloop.music.Edit.PITCH_DOWN;
import static org.tuneloop.music.Edit.PITCH_UP;
import static org.tuneloop.music.Edit.REMOVE_NOTE;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TrackEditTest {
  private static final EditBounds BOUNDS = EditBounds.around(60); // pitch 48..84, beats 0.25..1.0, >= 2 notes

  private static Track track(Note... notes) { return new Track(List.of(notes)); }

  private static Track apply(Edit edit, int note, Track track) {
    return new TrackEdit(edit, note).applyTo(track, BOUNDS).orElseThrow();
  }

  private static boolean valid(Edit edit, int note, Track track, EditBounds bounds) {
    return new TrackEdit(edit, note).applyTo(track, bounds).isPresent();
  }

  private final Track three = track(new Note(60, 0.5, 35), new Note(62, 0.25, 38), new Note(64, 1.0, 35));

  @Test
  void editIdsAndParse() {
    assertThat(List.of(Edit.values())).extracting(Edit::id).containsExactly(
        "pitch-up", "pitch-down", "duration-up", "duration-down", "change-percussion", "remove-note");
    for (Edit edit : Edit.values()) {
      assertThat(Edit.parse(edit.id())).isEqualTo(edit);
    }
    assertThatThrownBy(() -> Edit.parse("transpose")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("transpose").hasMessageContaining("remove-note");
  }

  @Test
  void pitchEditsMoveOneSemitoneOnOneNote() {
    assertThat(apply(PITCH_UP, 1, three).notes())
        .containsExactly(new Note(60, 0.5, 35), new Note(63, 0.25, 38), new Note(64, 1.0, 35));
    assertThat(apply(PITCH_DOWN, 0, three).note(0)).isEqualTo(new Note(59, 0.5, 35));
  }

  @Test
  void pitchStaysWithinBounds() {
    Track atEdges = track(new Note(84, 0.5, 35), new Note(48, 0.5, 35));
    assertThat(valid(PITCH_UP, 0, atEdges, BOUNDS)).isFalse();
    assertThat(valid(PITCH_DOWN, 0, atEdges, BOUNDS)).isTrue();
    assertThat(valid(PITCH_DOWN, 1, atEdges, BOUNDS)).isFalse();
    assertThat(valid(PITCH_UP, 1, atEdges, BOUNDS)).isTrue();
    assertThat(apply(PITCH_UP, 0, track(new Note(83, 0.5, 35), new Note(60, 0.5, 35))).note(0).pitch()).isEqualTo(84);
  }

  @Test
  void durationEditsMoveOneGridStep() {
    assertThat(apply(DURATION_UP, 0, three).note(0)).isEqualTo(new Note(60, 0.75, 35));
    assertThat(apply(DURATION_DOWN, 0, three).note(0)).isEqualTo(new Note(60, 0.25, 35));
  }

  @Test
  void durationStaysWithinBounds() {
    assertThat(valid(DURATION_UP, 2, three, BOUNDS)).as("1.0 is the longest").isFalse();
    assertThat(valid(DURATION_DOWN, 2, three, BOUNDS)).isTrue();
    assertThat(valid(DURATION_DOWN, 1, three, BOUNDS)).as("0.25 is the shortest").isFalse();
    assertThat(valid(DURATION_UP, 1, three, BOUNDS)).isTrue();
  }

  @Test
  void durationEditsOnAFineGridDoNotDrift() {
    EditBounds tenths = new EditBounds(48, 84, 0.1, 0.5, 0.1, 2, List.of(35, 38));
    Track track = track(new Note(60, 0.1, 35), new Note(60, 0.1, 35));
    for (int i = 0; i < 4; i++) {
      track = new TrackEdit(DURATION_UP, 0).applyTo(track, tenths).orElseThrow();
    }
    assertThat(track.note(0).beats()).isEqualTo(TrackGenerator.durationGrid(tenths)[4]);
    assertThat(valid(DURATION_UP, 0, track, tenths)).as("0.1 + 4 x 0.1 reaches the top of the grid").isFalse();
  }

  @Test
  void percussionCyclesThroughTheDrumSet() {
    EditBounds threeDrums = new EditBounds(48, 84, 0.25, 1.0, 0.25, 2, List.of(35, 38, Note.REST));
    Track track = track(new Note(60, 0.5, 35), new Note(60, 0.5, 42));
    TrackEdit change = new TrackEdit(CHANGE_PERCUSSION, 0);
    Track once = change.applyTo(track, threeDrums).orElseThrow();
    Track twice = change.applyTo(once, threeDrums).orElseThrow();
    Track thrice = change.applyTo(twice, threeDrums).orElseThrow();
    assertThat(List.of(once.note(0).drum(), twice.note(0).drum(), thrice.note(0).drum()))
        .containsExactly(38, Note.REST, 35);
    assertThat(once.note(0).pitch()).isEqualTo(60);
    assertThat(once.note(0).beats()).isEqualTo(0.5);
    assertThat(new TrackEdit(CHANGE_PERCUSSION, 1).applyTo(track, threeDrums).orElseThrow().note(1).drum())
        .as("a drum outside the set moves to the first drum").isEqualTo(35);
    assertThat(apply(CHANGE_PERCUSSION, 1, three).note(1).drum()).as("default set: 38 wraps to 35").isEqualTo(35);
  }

  @Test
  void percussionNeedsTwoDrums() {
    EditBounds oneDrum = new EditBounds(48, 84, 0.25, 1.0, 0.25, 2, List.of(35));
    assertThat(valid(CHANGE_PERCUSSION, 0, three, oneDrum)).isFalse();
  }

  @Test
  void removeNeedsMoreThanTheMinimumLength() {
    assertThat(apply(REMOVE_NOTE, 1, three).notes()).containsExactly(new Note(60, 0.5, 35), new Note(64, 1.0, 35));
    Track two = track(new Note(60, 0.5, 35), new Note(62, 0.5, 38));
    assertThat(valid(REMOVE_NOTE, 0, two, BOUNDS)).isFalse();
    assertThat(valid(REMOVE_NOTE, 1, two, BOUNDS)).isFalse();
  }

  @ParameterizedTest
  @EnumSource(Edit.class)
  void indexOutOfRangeIsInvalid(Edit edit) {
    assertThat(valid(edit, -1, three, BOUNDS)).isFalse();
    assertThat(valid(edit, 3, three, BOUNDS)).isFalse();
  }

  @Test
  void validAtIsOrderedByNoteThenEdit() {
    Track two = track(new Note(84, 1.0, 35), new Note(60, 0.25, 38));
    assertThat(TrackEdit.validAt(two, BOUNDS)).extracting(TrackEdit::key).containsExactly(
        "pitch-down@0", "duration-down@0", "change-percussion@0",
        "pitch-up@1", "pitch-down@1", "duration-up@1", "change-percussion@1");
  }

  @Test
  void validAtOfANoteAtEveryBoundIsEmpty() {
    EditBounds tight = new EditBounds(60, 60, 0.5, 0.5, 0.25, 1, List.of(35));
    assertThat(TrackEdit.validAt(track(new Note(60, 0.5, 35)), tight)).isEmpty();
    assertThat(TrackEdit.validAt(new Track(List.of()), BOUNDS)).isEmpty();
  }

  @Test
  void keyAndParse() {
    assertThat(new TrackEdit(PITCH_UP, 3).key()).isEqualTo("pitch-up@3");
    assertThat(new TrackEdit(CHANGE_PERCUSSION, 12).key()).isEqualTo("change-percussion@12");
    // Past the keys written once at start-up, and below zero (parse refuses it; the key still says what it is).
    assertThat(new TrackEdit(DURATION_DOWN, 64).key()).isEqualTo("duration-down@64");
    assertThat(new TrackEdit(PITCH_DOWN, 1000).key()).isEqualTo("pitch-down@1000");
    assertThat(new TrackEdit(PITCH_DOWN, -1).key()).isEqualTo("pitch-down@-1");
    assertThat(TrackEdit.parse("remove-note@0")).isEqualTo(new TrackEdit(REMOVE_NOTE, 0));
    for (String bad : new String[] {"pitch-up", "pitch-up@", "pitch-up@-1", "pitch-up@x", "@3", "bend@3", "pitch-up@3@4"}) {
      assertThatThrownBy(() -> TrackEdit.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
  }
}
