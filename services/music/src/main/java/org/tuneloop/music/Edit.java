package org.tuneloop.music;

/** The six edits of METHOD.md. */
public enum Edit {
  PITCH_UP, PITCH_DOWN, DURATION_UP, DURATION_DOWN, CHANGE_PERCUSSION, REMOVE_NOTE;

  /** Lower-case, hyphenated id used in JSON and Q keys, e.g. "pitch-up". */
  public String id() { throw new UnsupportedOperationException("contract stub"); }

  public static Edit parse(String id) { throw new UnsupportedOperationException("contract stub"); }
}
