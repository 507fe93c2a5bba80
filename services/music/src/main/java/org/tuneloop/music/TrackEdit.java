package org.tuneloop.music;

import java.util.List;
import java.util.Optional;

/** An action: one edit applied to one note of a track. */
public record TrackEdit(Edit edit, int note) {

  /** The edited track, or empty when the edit is invalid at this track (out of range, index, minimum length). */
  public Optional<Track> applyTo(Track track, EditBounds bounds) { throw new UnsupportedOperationException("contract stub"); }

  /** Every edit valid at the track, in a fixed order: by note index, then by {@link Edit} order. */
  public static List<TrackEdit> validAt(Track track, EditBounds bounds) { throw new UnsupportedOperationException("contract stub"); }

  /** Stable text form, e.g. "pitch-up@3". */
  public String key() { throw new UnsupportedOperationException("contract stub"); }

  public static TrackEdit parse(String key) { throw new UnsupportedOperationException("contract stub"); }
}
