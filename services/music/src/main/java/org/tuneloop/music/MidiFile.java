package org.tuneloop.music;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.sound.midi.InvalidMidiDataException;
import javax.sound.midi.MetaMessage;
import javax.sound.midi.MidiEvent;
import javax.sound.midi.MidiSystem;
import javax.sound.midi.Sequence;
import javax.sound.midi.ShortMessage;

/** Standard MIDI file rendering: melody on channel 1, drums on channel 10, the track's tempo. */
public final class MidiFile {
  private MidiFile() {}

  /** Ticks per quarter note (one beat). */
  public static final int TICKS_PER_BEAT = 480;
  /** Channel index 0, "channel 1" to musicians. */
  public static final int MELODY_CHANNEL = 0;
  /** Channel index 9, the General MIDI percussion channel ("channel 10"). */
  public static final int DRUM_CHANNEL = 9;

  private static final int SET_TEMPO = 0x51;
  private static final int TRACK_NAME = 0x03;
  private static final int MELODY_VELOCITY = 90;
  private static final int DRUM_VELOCITY = 100;
  private static final int PIANO = 0;

  /**
   * A type-1 standard MIDI file with three tracks: the tempo map, the melody, the drums. Each drum hit starts
   * with its melody note and lasts as long; {@link Note#REST} sounds nothing.
   */
  public static byte[] render(Track track, int tempo) {
    // The set-tempo event holds microseconds per quarter in 3 bytes: 4 .. 60,000,000 BPM.
    if (tempo < 4 || tempo > 60_000_000) {
      throw new IllegalArgumentException("tempo out of range: " + tempo);
    }
    try {
      Sequence sequence = new Sequence(Sequence.PPQ, TICKS_PER_BEAT);
      javax.sound.midi.Track conductor = sequence.createTrack();
      javax.sound.midi.Track melody = sequence.createTrack();
      javax.sound.midi.Track drums = sequence.createTrack();
      conductor.add(new MidiEvent(tempoMessage(tempo), 0));
      melody.add(new MidiEvent(meta(TRACK_NAME, "melody".getBytes(US_ASCII)), 0));
      melody.add(new MidiEvent(new ShortMessage(ShortMessage.PROGRAM_CHANGE, MELODY_CHANNEL, PIANO, 0), 0));
      drums.add(new MidiEvent(meta(TRACK_NAME, "drums".getBytes(US_ASCII)), 0));

      double onsetBeats = 0.0;
      for (Note note : track.notes()) {
        // Ticks from the running total in beats, so rounding never accumulates along the melody.
        long on = Math.round(onsetBeats * TICKS_PER_BEAT);
        onsetBeats += note.beats();
        long off = Math.round(onsetBeats * TICKS_PER_BEAT);
        addNote(melody, MELODY_CHANNEL, note.pitch(), MELODY_VELOCITY, on, off);
        if (note.drum() != Note.REST) {
          addNote(drums, DRUM_CHANNEL, note.drum(), DRUM_VELOCITY, on, off);
        }
      }

      ByteArrayOutputStream out = new ByteArrayOutputStream();
      MidiSystem.write(sequence, 1, out);
      return out.toByteArray();
    } catch (InvalidMidiDataException e) {
      throw new IllegalArgumentException("track cannot be rendered as MIDI: " + e.getMessage(), e);
    } catch (IOException e) {
      // Only an in-memory stream is written; this would be a JDK fault, not an I/O condition.
      throw new UncheckedIOException(e);
    }
  }

  private static MetaMessage tempoMessage(int tempo) throws InvalidMidiDataException {
    int microsPerQuarter = 60_000_000 / tempo;
    byte[] data = {(byte) (microsPerQuarter >>> 16), (byte) (microsPerQuarter >>> 8), (byte) microsPerQuarter};
    return meta(SET_TEMPO, data);
  }

  private static MetaMessage meta(int type, byte[] data) throws InvalidMidiDataException {
    return new MetaMessage(type, data, data.length);
  }

  /** Added in onset order, so an off and the next on at the same tick stay in that order (Track keeps ties FIFO). */
  private static void addNote(javax.sound.midi.Track target, int channel, int key, int velocity, long on, long off)
      throws InvalidMidiDataException {
    target.add(new MidiEvent(new ShortMessage(ShortMessage.NOTE_ON, channel, key, velocity), on));
    target.add(new MidiEvent(new ShortMessage(ShortMessage.NOTE_OFF, channel, key, 0), off));
  }
}
