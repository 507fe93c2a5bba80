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
    if (note < 0 || note >= track.length()) {
      return Optional.empty();
    }
    Note current = track.note(note);
    return switch (edit) {
      case PITCH_UP -> pitch(track, current, bounds.pitchStep().up(current.pitch()), bounds);
      case PITCH_DOWN -> pitch(track, current, bounds.pitchStep().down(current.pitch()), bounds);
      case DURATION_UP -> duration(track, current, current.beats() + bounds.beatStep(), bounds);
      case DURATION_DOWN -> duration(track, current, current.beats() - bounds.beatStep(), bounds);
      case CHANGE_PERCUSSION -> percussion(track, current, bounds);
      case REMOVE_NOTE -> track.length() > bounds.minNotes() ? Optional.of(track.without(note)) : Optional.empty();
    };
  }

  /** Every edit valid at the track, in a fixed order: by note index, then by {@link Edit} order. */
  public static List<TrackEdit> validAt(Track track, EditBounds bounds) {
    List<TrackEdit> valid = new ArrayList<>();
    for (int index = 0; index < track.length(); index++) {
      for (Edit edit : Edit.values()) {
        TrackEdit action = new TrackEdit(edit, index);
        if (action.applyTo(track, bounds).isPresent()) {
          valid.add(action);
        }
      }
    }
    return List.copyOf(valid);
  }

  /** Stable text form, e.g. "pitch-up@3". */
  public String key() { return edit.id() + "@" + note; }

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

  private Optional<Track> pitch(Track track, Note current, int pitch, EditBounds bounds) {
    if (pitch < bounds.minPitch() || pitch > bounds.maxPitch()) {
      return Optional.empty();
    }
    return Optional.of(track.with(note, new Note(pitch, current.beats(), current.drum())));
  }

  private Optional<Track> duration(Track track, Note current, double beats, EditBounds bounds) {
    if (beats < bounds.minBeats() - BEAT_SLACK || beats > bounds.maxBeats() + BEAT_SLACK) {
      return Optional.empty();
    }
    return Optional.of(track.with(note, new Note(current.pitch(), onGrid(beats, bounds), current.drum())));
  }

  /**
   * The next drum of the set, cyclically (the first one when the current hit is not in the set).
   * Deliberately deterministic rather than a random other drum: a (state, action) pair must always
   * lead to the same next state, or Q(s, a) would average over several successors and replays would
   * need an extra draw. Needs at least two drums, or the edit could not change anything.
   */
  private Optional<Track> percussion(Track track, Note current, EditBounds bounds) {
    List<Integer> drums = bounds.drums();
    if (drums.size() < 2) {
      return Optional.empty();
    }
    int at = drums.indexOf(current.drum());
    int drum = at < 0 ? drums.get(0) : drums.get((at + 1) % drums.size());
    return Optional.of(track.with(note, new Note(current.pitch(), current.beats(), drum)));
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
