package org.tuneloop.music;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import javax.sound.midi.MetaMessage;
import javax.sound.midi.MidiEvent;
import javax.sound.midi.MidiFileFormat;
import javax.sound.midi.MidiSystem;
import javax.sound.midi.Sequence;
import javax.sound.midi.ShortMessage;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class MidiFileTest {
  private static final int PPQ = MidiFile.TICKS_PER_BEAT;
  private final Track track = new Track(List.of(
      new Note(60, 0.5, 35), new Note(60, 1.0, 38), new Note(67, 0.25, Note.REST), new Note(55, 0.75, 35)));

  /** (channel, key, tick) of every note-on with a velocity, in file order across tracks. */
  record NoteOn(int channel, int key, long tick) {}

  private static Sequence parse(byte[] bytes) throws Exception {
    return MidiSystem.getSequence(new ByteArrayInputStream(bytes));
  }

  private static List<NoteOn> noteOns(Sequence sequence, int channel) {
    List<NoteOn> ons = new ArrayList<>();
    for (javax.sound.midi.Track t : sequence.getTracks()) {
      for (int i = 0; i < t.size(); i++) {
        MidiEvent event = t.get(i);
        if (event.getMessage() instanceof ShortMessage m && m.getCommand() == ShortMessage.NOTE_ON
            && m.getData2() > 0 && m.getChannel() == channel) {
          ons.add(new NoteOn(m.getChannel(), m.getData1(), event.getTick()));
        }
      }
    }
    return ons;
  }

  @Test
  void melodyOnChannelOneInSequence() throws Exception {
    Sequence sequence = parse(MidiFile.render(track, 90));
    assertThat(sequence.getDivisionType()).isEqualTo(Sequence.PPQ);
    assertThat(sequence.getResolution()).isEqualTo(PPQ);
    assertThat(noteOns(sequence, 0)).containsExactly(
        new NoteOn(0, 60, 0), new NoteOn(0, 60, PPQ / 2), new NoteOn(0, 67, PPQ * 3 / 2), new NoteOn(0, 55, PPQ * 7 / 4));
    assertThat(sequence.getTickLength()).isEqualTo(PPQ * 5 / 2);
  }

  @Test
  void repeatedPitchIsReleasedBeforeItSoundsAgain() throws Exception {
    Sequence sequence = parse(MidiFile.render(track, 90));
    List<String> melody = new ArrayList<>();
    for (javax.sound.midi.Track t : sequence.getTracks()) {
      for (int i = 0; i < t.size(); i++) {
        if (t.get(i).getMessage() instanceof ShortMessage m && m.getChannel() == 0 && m.getData1() == 60
            && (m.getCommand() == ShortMessage.NOTE_ON || m.getCommand() == ShortMessage.NOTE_OFF)) {
          boolean on = m.getCommand() == ShortMessage.NOTE_ON && m.getData2() > 0;
          melody.add((on ? "on@" : "off@") + t.get(i).getTick());
        }
      }
    }
    assertThat(melody).containsExactly("on@0", "off@240", "on@240", "off@720");
  }

  @Test
  void drumsOnChannelTenWithTheirNotesSkippingRests() throws Exception {
    Sequence sequence = parse(MidiFile.render(track, 90));
    assertThat(noteOns(sequence, 9)).containsExactly(
        new NoteOn(9, 35, 0), new NoteOn(9, 38, PPQ / 2), new NoteOn(9, 35, PPQ * 7 / 4));
  }

  @Test
  void isATypeOneFile() throws Exception {
    MidiFileFormat format = MidiSystem.getMidiFileFormat(new ByteArrayInputStream(MidiFile.render(track, 90)));
    assertThat(format.getType()).isEqualTo(1);
  }

  @ParameterizedTest
  @ValueSource(ints = {90, 137})
  void tempoMetaEventOnTheFirstTrack(int tempo) throws Exception {
    javax.sound.midi.Track first = parse(MidiFile.render(track, tempo)).getTracks()[0];
    List<Integer> microsPerQuarter = new ArrayList<>();
    for (int i = 0; i < first.size(); i++) {
      if (first.get(i).getMessage() instanceof MetaMessage m && m.getType() == 0x51) {
        byte[] d = m.getData();
        microsPerQuarter.add(((d[0] & 0xff) << 16) | ((d[1] & 0xff) << 8) | (d[2] & 0xff));
        assertThat(first.get(i).getTick()).isZero();
      }
    }
    assertThat(microsPerQuarter).containsExactly(60_000_000 / tempo);
  }

  @Test
  void emptyTrackRendersAndBadTempoIsRejected() throws Exception {
    assertThat(noteOns(parse(MidiFile.render(new Track(List.of()), 90)), 0)).isEmpty();
    assertThatThrownBy(() -> MidiFile.render(track, 0)).isInstanceOf(IllegalArgumentException.class);
  }
}
