package org.tuneloop.agent;

import java.util.Locale;
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
    public QKey key(Track track, TrackEdit action, StartParameters parameters) {
      return new QKey(TrackText.of(track, Integer::toString), action.key());
    }
  }

  /** Pitches as offsets from the base note. */
  record Relative() implements StateEncoder {
    public String id() { return "relative"; }
    public QKey key(Track track, TrackEdit action, StartParameters parameters) {
      int base = parameters.baseNote();
      return new QKey(TrackText.of(track, pitch -> TrackText.signed(pitch - base)), action.key());
    }
  }

  static StateEncoder parse(String id) {
    String wanted = id == null ? "" : id.trim().toLowerCase(Locale.ROOT);
    return switch (wanted) {
      case "absolute" -> new Absolute();
      case "relative" -> new Relative();
      default -> throw new IllegalArgumentException("unknown state encoder '" + id + "'; valid: absolute, relative");
    };
  }
}
