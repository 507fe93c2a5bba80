package org.tuneloop.music;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** An action: one edit applied to one note of a track. */
public record TrackEdit(Edit edit, int note) {

  private static final Pattern KEY = Pattern.compile("([a-z-]+)@(\\d{1,9})");

  /** Durations are compared with this slack, so a grid such as 0.1 does not fail on rounding. */
  private static final double BEAT_SLACK = 1e-9;

  /**
   * The edited track, or empty when the edit is invalid at this track (out of range, index, minimum length).
   * Pitch edits move by the bounds' {@link PitchStep}.
   */
  public Optional<Track> applyTo(Track track, EditBounds bounds) {
    if (!isValidAt(track, bounds)) {
      return Optional.empty();
    }
    Note current = track.note(note);
    return Optional.of(switch (edit) {
      case PITCH_UP -> track.with(note, new Note(bounds.pitchStep().up(current.pitch()), current.beats(), current.drum()));
      case PITCH_DOWN ->
          track.with(note, new Note(bounds.pitchStep().down(current.pitch()), current.beats(), current.drum()));
      case DURATION_UP ->
          track.with(note, new Note(current.pitch(), onGrid(current.beats() + bounds.beatStep(), bounds), current.drum()));
      case DURATION_DOWN ->
          track.with(note, new Note(current.pitch(), onGrid(current.beats() - bounds.beatStep(), bounds), current.drum()));
      case CHANGE_PERCUSSION -> track.with(note, new Note(current.pitch(), current.beats(), nextDrum(current, bounds)));
      case REMOVE_NOTE -> track.without(note);
    });
  }

  /**
   * Whether {@link #applyTo} gives a track, decided without making it: a choice checks every edit of every note
   * and keeps only the valid ones.
   */
  public boolean isValidAt(Track track, EditBounds bounds) {
    if (note < 0 || note >= track.length()) {
      return false;
    }
    Note current = track.note(note);
    return switch (edit) {
      case PITCH_UP -> inRange(bounds.pitchStep().up(current.pitch()), bounds);
      case PITCH_DOWN -> inRange(bounds.pitchStep().down(current.pitch()), bounds);
      case DURATION_UP -> inRange(current.beats() + bounds.beatStep(), bounds);
      case DURATION_DOWN -> inRange(current.beats() - bounds.beatStep(), bounds);
      // Needs at least two drums, or the edit could not change anything.
      case CHANGE_PERCUSSION -> bounds.drums().size() >= 2;
      case REMOVE_NOTE -> track.length() > bounds.minNotes();
    };
  }

  /** Every edit valid at the track, in a fixed order: by note index, then by {@link Edit} order. */
  public static List<TrackEdit> validAt(Track track, EditBounds bounds) {
    List<TrackEdit> valid = new ArrayList<>();
    for (int index = 0; index < track.length(); index++) {
      for (Edit edit : Edit.values()) {
        TrackEdit action = new TrackEdit(edit, index);
        if (action.isValidAt(track, bounds)) {
          valid.add(action);
        }
      }
    }
    return List.copyOf(valid);
  }

  /** Stable text form, e.g. "pitch-up@3". */
  public String key() {
    return note >= 0 && note < KEYS_MADE[0].length ? KEYS_MADE[edit.ordinal()][note] : edit.id() + "@" + note;
  }

  /** The keys of the usual note indices, written once: every choice looks up the key of each valid edit. */
  private static final String[][] KEYS_MADE = new String[Edit.values().length][64];

  static {
    for (Edit e : Edit.values()) {
      for (int n = 0; n < KEYS_MADE[e.ordinal()].length; n++) {
        KEYS_MADE[e.ordinal()][n] = e.id() + "@" + n;
      }
    }
  }

  /**
   * What the action did, in words, e.g. "raised note 4 by a semitone" or "changed the drum of note 2". Notes are
   * counted from 1 for people (the key counts from 0: pitch-up@3 raised note 4).
   */
  public String inWords(EditBounds bounds) {
    int shown = note + 1;
    return switch (edit) {
      case PITCH_UP -> "raised note " + shown + " by " + Edit.pitchStep(bounds.pitchStep());
      case PITCH_DOWN -> "lowered note " + shown + " by " + Edit.pitchStep(bounds.pitchStep());
      case DURATION_UP -> "lengthened note " + shown + " by " + Edit.beats(bounds.beatStep());
      case DURATION_DOWN -> "shortened note " + shown + " by " + Edit.beats(bounds.beatStep());
      case CHANGE_PERCUSSION -> "changed the drum of note " + shown;
      case REMOVE_NOTE -> "removed note " + shown;
    };
  }

  public static TrackEdit parse(String key) {
    Matcher matcher = KEY.matcher(key == null ? "" : key);
    if (!matcher.matches()) {
      throw new IllegalArgumentException("malformed action '" + key + "'; expected <edit>@<note index>, e.g. pitch-up@3");
    }
    return new TrackEdit(Edit.parse(matcher.group(1)), Integer.parseInt(matcher.group(2)));
  }

  private static boolean inRange(int pitch, EditBounds bounds) {
    return pitch >= bounds.minPitch() && pitch <= bounds.maxPitch();
  }

  private static boolean inRange(double beats, EditBounds bounds) {
    return beats >= bounds.minBeats() - BEAT_SLACK && beats <= bounds.maxBeats() + BEAT_SLACK;
  }

  /**
   * The next drum of the set, cyclically (the first one when the current hit is not in the set).
   * Deliberately deterministic rather than a random other drum: a (state, action) pair must always
   * lead to the same next state, or Q(s, a) would average over several successors and replays would
   * need an extra draw.
   */
  private static int nextDrum(Note current, EditBounds bounds) {
    List<Integer> drums = bounds.drums();
    int at = drums.indexOf(current.drum());
    return at < 0 ? drums.get(0) : drums.get((at + 1) % drums.size());
  }

  /**
   * Snaps a duration that lies on the grid to the grid's own double, so that repeated edits never drift
   * (0.1 + 0.1 + 0.1 is not 0.3) and equal durations always print, and key, the same. Off-grid values stay.
   */
  static double onGrid(double beats, EditBounds bounds) {
    long steps = Math.round((beats - bounds.minBeats()) / bounds.beatStep());
    double snapped = bounds.minBeats() + steps * bounds.beatStep();
    return Math.abs(snapped - beats) <= BEAT_SLACK ? snapped : beats;
  }
}
