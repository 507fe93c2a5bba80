package org.tuneloop.music;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EditInWordsTest {
  private static final EditBounds SEMITONES = EditBounds.around(60);

  @Test
  void anActionSaysWhatItDidToWhichNoteCountingFromOne() {
    assertThat(TrackEdit.parse("pitch-up@2").inWords(SEMITONES)).isEqualTo("raised note 3 by a semitone");
    assertThat(TrackEdit.parse("pitch-down@0").inWords(SEMITONES)).isEqualTo("lowered note 1 by a semitone");
    assertThat(TrackEdit.parse("duration-up@1").inWords(SEMITONES)).isEqualTo("lengthened note 2 by a quarter beat");
    assertThat(TrackEdit.parse("duration-down@4").inWords(SEMITONES)).isEqualTo("shortened note 5 by a quarter beat");
    assertThat(TrackEdit.parse("change-percussion@3").inWords(SEMITONES)).isEqualTo("changed the drum of note 4");
    assertThat(TrackEdit.parse("remove-note@7").inWords(SEMITONES)).isEqualTo("removed note 8");
  }

  @Test
  void theBoundsSayHowFarAndHowLong() {
    EditBounds scale = new EditBounds(48, 84, 0.5, 2.0, 0.5, 2, java.util.List.of(35, 38))
        .withPitchStep(new PitchStep.ScaleDegree(60, Scale.parse("major")));
    assertThat(TrackEdit.parse("pitch-up@0").inWords(scale)).isEqualTo("raised note 1 by a step of the scale");
    assertThat(TrackEdit.parse("duration-up@0").inWords(scale)).isEqualTo("lengthened note 1 by half a beat");
    EditBounds tenths = new EditBounds(48, 84, 0.1, 1.0, 0.1, 2, java.util.List.of(35, 38));
    assertThat(Edit.DURATION_DOWN.inWords(tenths)).isEqualTo("shorten a note by 0.1 beats");
  }

  @Test
  void everyKindOfEditHasItsWords() {
    assertThat(Edit.PITCH_UP.inWords(SEMITONES)).isEqualTo("raise a note by a semitone");
    assertThat(Edit.REMOVE_NOTE.inWords(SEMITONES)).isEqualTo("remove a note");
    for (Edit edit : Edit.values()) {
      assertThat(edit.inWords(SEMITONES)).isNotBlank();
    }
  }
}
