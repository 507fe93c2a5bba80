package org.tuneloop.music;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/** Draws a fresh track from the start parameters (docs/method.md: pitches from the scale, durations from the grid). */
public final class TrackGenerator {
  private TrackGenerator() {}

  /**
   * {@code parameters.length()} notes, each drawn uniformly: pitch from the scale's octave, duration from the
   * grid, drum from the drum set. The draws are made with {@code nextInt(bound)} only, in the order
   * pitch, duration, drum for each note in turn, so a recorded seed reproduces the track.
   */
  public static Track generate(StartParameters parameters, EditBounds bounds, RandomGenerator random) {
    if (parameters.length() < 0) {
      throw new IllegalArgumentException("track length must not be negative: " + parameters.length());
    }
    if (bounds.drums().isEmpty()) {
      throw new IllegalArgumentException("the drum set is empty");
    }
    int[] pitches = parameters.scale().pitchesFrom(parameters.baseNote());
    double[] grid = durationGrid(bounds);
    List<Integer> drums = bounds.drums();
    List<Note> notes = new ArrayList<>(parameters.length());
    for (int i = 0; i < parameters.length(); i++) {
      int pitch = pitches[random.nextInt(pitches.length)];
      double beats = grid[random.nextInt(grid.length)];
      int drum = drums.get(random.nextInt(drums.size()));
      notes.add(new Note(pitch, beats, drum));
    }
    return new Track(notes);
  }

  /** {minBeats, minBeats + beatStep, ..., maxBeats}, the same doubles a duration edit lands on. */
  static double[] durationGrid(EditBounds bounds) {
    if (!(bounds.beatStep() > 0) || bounds.maxBeats() < bounds.minBeats()) {
      throw new IllegalArgumentException("bad duration grid: " + bounds);
    }
    int size = (int) Math.floor((bounds.maxBeats() - bounds.minBeats()) / bounds.beatStep() + 1e-9) + 1;
    double[] grid = new double[size];
    for (int i = 0; i < size; i++) {
      grid[i] = bounds.minBeats() + i * bounds.beatStep();
    }
    return grid;
  }
}
