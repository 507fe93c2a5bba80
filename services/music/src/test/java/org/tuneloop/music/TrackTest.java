package org.tuneloop.music;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrackTest {
  private final Track track = new Track(List.of(
      new Note(60, 0.5, 35), new Note(62, 1.0, 38), new Note(64, 0.25, Note.REST)));

  @Test
  void withReplacesOneNoteAndLeavesTheOriginal() {
    Track edited = track.with(1, new Note(70, 0.75, 35));
    assertThat(edited.notes()).containsExactly(
        new Note(60, 0.5, 35), new Note(70, 0.75, 35), new Note(64, 0.25, Note.REST));
    assertThat(track.note(1)).isEqualTo(new Note(62, 1.0, 38));
  }

  @Test
  void withoutRemovesOneNote() {
    assertThat(track.without(0).notes()).containsExactly(new Note(62, 1.0, 38), new Note(64, 0.25, Note.REST));
    assertThat(track.without(2).length()).isEqualTo(2);
    assertThat(track.length()).isEqualTo(3);
  }

  @Test
  void beatsSumsDurations() {
    assertThat(track.beats()).isEqualTo(1.75);
    assertThat(new Track(List.of()).beats()).isZero();
  }

  @Test
  void isImmutable() {
    List<Note> source = new ArrayList<>(track.notes());
    Track copy = new Track(source);
    source.clear();
    assertThat(copy.length()).isEqualTo(3);
    assertThatThrownBy(() -> copy.notes().add(new Note(1, 1, 1))).isInstanceOf(UnsupportedOperationException.class);
  }
}
