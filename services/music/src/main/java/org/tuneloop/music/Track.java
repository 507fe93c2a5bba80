package org.tuneloop.music;

import java.util.ArrayList;
import java.util.List;

/** A melody with one percussion hit per note: the agent's state. Immutable. */
public record Track(List<Note> notes) {
  public Track {
    notes = List.copyOf(notes);
  }

  public int length() { return notes.size(); }

  public Note note(int index) { return notes.get(index); }

  /** A copy with note {@code index} replaced. */
  public Track with(int index, Note note) {
    List<Note> copy = new ArrayList<>(notes);
    copy.set(index, note);
    return new Track(copy);
  }

  /** A copy without note {@code index}. */
  public Track without(int index) {
    List<Note> copy = new ArrayList<>(notes);
    copy.remove(index);
    return new Track(copy);
  }

  /** Total duration in beats. */
  public double beats() {
    double total = 0.0;
    for (Note note : notes) {
      total += note.beats();
    }
    return total;
  }
}
