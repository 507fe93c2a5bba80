package org.tuneloop.music;

import java.util.List;

/** A melody with one percussion hit per note: the agent's state. Immutable. */
public record Track(List<Note> notes) {
  public Track {
    notes = List.copyOf(notes);
  }

  public int length() { return notes.size(); }

  public Note note(int index) { return notes.get(index); }

  /** A copy with note {@code index} replaced. */
  public Track with(int index, Note note) { throw new UnsupportedOperationException("contract stub"); }

  /** A copy without note {@code index}. */
  public Track without(int index) { throw new UnsupportedOperationException("contract stub"); }

  /** Total duration in beats. */
  public double beats() { throw new UnsupportedOperationException("contract stub"); }
}
