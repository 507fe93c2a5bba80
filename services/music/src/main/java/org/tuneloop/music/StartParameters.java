package org.tuneloop.music;

/**
 * What a participant (or the arm) chooses before training.
 *
 * @param baseNote MIDI pitch of the scale's root (default 60)
 * @param scale    scale type
 * @param length   notes in a freshly generated track (default 8)
 * @param tempo    beats per minute (default 90)
 */
public record StartParameters(int baseNote, Scale scale, int length, int tempo) {
  public static StartParameters defaults() { return new StartParameters(60, Scale.MAJOR, 8, 90); }
}
