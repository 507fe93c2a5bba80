package org.tuneloop.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.tuneloop.music.Note;
import org.tuneloop.music.PitchStep;
import org.tuneloop.music.StartParameters;
import org.tuneloop.music.Track;
import org.tuneloop.music.TrackEdit;

/**
 * Maps (track, action) to the Q-table key. The whole-track encoders (absolute, relative, interval) key the
 * track and the action; {@link Local} keys only what surrounds the edited note, so that what is learnt about an
 * edit in one track applies to the same situation in the next (docs/agent-options.md).
 */
public sealed interface StateEncoder permits StateEncoder.WholeTrack, StateEncoder.Local {

  String id();

  QKey key(Track track, TrackEdit action, StartParameters parameters);

  /**
   * The keys of the actions at one track, in their order. A choice or a max over the next track looks up every
   * valid action at one track; the whole-track encoders write that track's text once for all of them, and the
   * keys share the one string (and its hash), instead of writing it again for each action.
   */
  default List<QKey> keys(Track track, List<TrackEdit> actions, StartParameters parameters) {
    List<QKey> keys = new ArrayList<>(actions.size());
    for (TrackEdit action : actions) {
      keys.add(key(track, action, parameters));
    }
    return keys;
  }

  /** Encoders whose state part is the whole track, the same for every action at it. */
  sealed interface WholeTrack extends StateEncoder permits Absolute, Relative, Interval {
    /** The state part of the key: the track's text. */
    String state(Track track, StartParameters parameters);

    @Override
    default QKey key(Track track, TrackEdit action, StartParameters parameters) {
      return new QKey(state(track, parameters), action.key());
    }

    @Override
    default List<QKey> keys(Track track, List<TrackEdit> actions, StartParameters parameters) {
      String state = state(track, parameters);
      List<QKey> keys = new ArrayList<>(actions.size());
      for (TrackEdit action : actions) {
        keys.add(new QKey(state, action.key()));
      }
      return keys;
    }
  }

  /** The paper's: the exact track, absolute pitches. */
  record Absolute() implements WholeTrack {
    public String id() { return "absolute"; }
    public String state(Track track, StartParameters parameters) {
      return TrackText.of(track, Integer::toString);
    }
  }

  /** Pitches as offsets from the base note. */
  record Relative() implements WholeTrack {
    public String id() { return "relative"; }
    public String state(Track track, StartParameters parameters) {
      int base = parameters.baseNote();
      return TrackText.of(track, pitch -> TrackText.signed(pitch - base));
    }
  }

  /**
   * The melody's shape: each note's step in semitones from the previous note ("^" for the first), with its
   * duration and drum, e.g. "^:0.5:35|+2:1:38|-5:0.25:0". A transposed track has the same key.
   */
  record Interval() implements WholeTrack {
    public String id() { return "interval"; }
    public String state(Track track, StartParameters parameters) {
      StringBuilder text = new StringBuilder(track.length() * 10);
      for (int i = 0; i < track.length(); i++) {
        Note note = track.note(i);
        if (i > 0) {
          text.append('|').append(TrackText.signed(note.pitch() - track.note(i - 1).pitch()));
        } else {
          text.append('^');
        }
        text.append(':').append(TrackText.beats(note.beats())).append(':').append(note.drum());
      }
      return text.toString();
    }
  }

  /**
   * The edited note in its neighbourhood, not the whole track. The action part is the edit alone ("pitch-up");
   * the state part is, in this order: the position bucket (start, middle, end: the note's third of the track),
   * whether the note is in the participant's scale, its duration, its drum, and the step from the previous note
   * and to the next one as a signed size class ("none" at the ends; "0"; "step" for 1-2 semitones; "leap" for 3
   * or more), e.g. "end|in|0.5|38|+step|none". The classes are coarse on purpose: a finer key is revisited too
   * rarely in 80 ratings to learn from (docs/agent-options.md).
   */
  record Local() implements StateEncoder {
    public String id() { return "local"; }
    public QKey key(Track track, TrackEdit action, StartParameters parameters) {
      int i = action.note();
      if (i < 0 || i >= track.length()) {
        throw new IllegalArgumentException("the action " + action.key() + " edits no note of a " + track.length()
            + "-note track");
      }
      Note note = track.note(i);
      PitchStep.ScaleDegree scale = new PitchStep.ScaleDegree(parameters.baseNote(), parameters.scale());
      String state = position(i, track.length())
          + '|' + (scale.contains(note.pitch()) ? "in" : "out")
          + '|' + TrackText.beats(note.beats())
          + '|' + note.drum()
          + '|' + (i > 0 ? sizeClass(note.pitch() - track.note(i - 1).pitch()) : "none")
          + '|' + (i + 1 < track.length() ? sizeClass(track.note(i + 1).pitch() - note.pitch()) : "none");
      return new QKey(state, action.edit().id());
    }

    /** start, middle or end: the third of the track the note lies in. */
    static String position(int index, int length) {
      return switch (3 * index / length) {
        case 0 -> "start";
        case 1 -> "middle";
        default -> "end";
      };
    }

    /** "0", or the sign and "step" (1-2 semitones) or "leap" (3 and more). */
    static String sizeClass(int semitones) {
      int size = Math.abs(semitones);
      if (size == 0) {
        return "0";
      }
      return (semitones > 0 ? "+" : "-") + (size <= 2 ? "step" : "leap");
    }
  }

  static StateEncoder parse(String id) {
    String wanted = id == null ? "" : id.trim().toLowerCase(Locale.ROOT);
    return switch (wanted) {
      case "absolute" -> new Absolute();
      case "relative" -> new Relative();
      case "interval" -> new Interval();
      case "local" -> new Local();
      default -> throw new IllegalArgumentException("unknown state encoder '" + id
          + "'; valid: absolute, relative, interval, local");
    };
  }
}
