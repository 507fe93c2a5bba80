package org.tuneloop.music;

/** Standard MIDI file rendering: melody on channel 1, drums on channel 10, the track's tempo. */
public final class MidiFile {
  private MidiFile() {}

  /** A type-1 standard MIDI file. */
  public static byte[] render(Track track, int tempo) {
    throw new UnsupportedOperationException("contract stub");
  }
}
