package org.tuneloop.music;

/**
 * One melody note and the percussion hit that sounds with it.
 *
 * @param pitch MIDI pitch
 * @param beats duration in beats, on the protocol's grid (0.25 by default)
 * @param drum  General MIDI drum key, or {@link #REST} for no hit
 */
public record Note(int pitch, double beats, int drum) {
  public static final int REST = 0;
}
