package org.tuneloop.study;

import java.util.List;

/** A value given to an item. Free text reaches the decider as {@link Text} and is recorded as a {@link TextReference}. */
public sealed interface Answer {
  /** A Likert point, a fatigue level or a number. */
  record NumberAnswer(double value) implements Answer {}

  record Choice(String option) implements Answer {}

  record Choices(List<String> options) implements Answer {
    public Choices {
      options = List.copyOf(options);
    }
  }

  /** Free text as the participant wrote it; never stored in the event log. */
  record Text(String text) implements Answer {}

  /** Where a free-text answer is kept outside the log (participant_texts), and its length. */
  record TextReference(String reference, int length) implements Answer {}
}
