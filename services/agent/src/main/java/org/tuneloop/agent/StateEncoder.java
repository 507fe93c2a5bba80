package org.tuneloop.agent;

import org.tuneloop.music.StartParameters;
import org.tuneloop.music.Track;
import org.tuneloop.music.TrackEdit;

/** Maps (track, action) to the Q-table key. More encoders (interval, local) come later. */
public sealed interface StateEncoder permits StateEncoder.Absolute, StateEncoder.Relative {

  String id();

  QKey key(Track track, TrackEdit action, StartParameters parameters);

  /** The paper's: the exact track, absolute pitches. */
  record Absolute() implements StateEncoder {
    public String id() { return "absolute"; }
    public QKey key(Track track, TrackEdit action, StartParameters parameters) { throw new UnsupportedOperationException("contract stub"); }
  }

  /** Pitches as offsets from the base note. */
  record Relative() implements StateEncoder {
    public String id() { return "relative"; }
    public QKey key(Track track, TrackEdit action, StartParameters parameters) { throw new UnsupportedOperationException("contract stub"); }
  }

  static StateEncoder parse(String id) { throw new UnsupportedOperationException("contract stub"); }
}
