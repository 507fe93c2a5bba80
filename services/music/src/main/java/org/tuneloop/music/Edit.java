package org.tuneloop.music;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The six edits of docs/method.md. */
public enum Edit {
  PITCH_UP, PITCH_DOWN, DURATION_UP, DURATION_DOWN, CHANGE_PERCUSSION, REMOVE_NOTE;

  /** Lower-case, hyphenated id used in JSON and Q keys, e.g. "pitch-up". */
  public String id() { return name().toLowerCase(Locale.ROOT).replace('_', '-'); }

  public static Edit parse(String id) {
    for (Edit edit : values()) {
      if (edit.id().equals(id)) {
        return edit;
      }
    }
    throw new IllegalArgumentException("unknown edit '" + id + "'; valid: "
        + Arrays.stream(values()).map(Edit::id).collect(Collectors.joining(", ")));
  }
}
