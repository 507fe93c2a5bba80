package org.tuneloop.music;

import java.util.random.RandomGenerator;

/** Draws a fresh track from the start parameters (METHOD.md: pitches from the scale, durations from the grid). */
public final class TrackGenerator {
  private TrackGenerator() {}

  public static Track generate(StartParameters parameters, EditBounds bounds, RandomGenerator random) {
    throw new UnsupportedOperationException("contract stub");
  }
}
