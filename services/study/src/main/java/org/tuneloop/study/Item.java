package org.tuneloop.study;

import java.util.ArrayList;
import java.util.List;

/**
 * A question of a questionnaire, a debrief or the evaluation, in the protocol's wording. Each answer is recorded with
 * the SHA-256 of {@link #wording()}, so a later change of wording can be told from the answers it got.
 */
public sealed interface Item {
  String id();

  /** The question as shown. */
  String text();

  boolean required();

  /** The item's type as the protocol file names it. */
  String type();

  /** Everything a participant reads of the item (question, options, anchors), one line each. */
  default String wording() {
    List<String> lines = new ArrayList<>();
    lines.add(text());
    switch (this) {
      case Likert l -> lines.addAll(l.anchors());
      case SingleChoice c -> lines.addAll(c.options());
      case MultipleChoice c -> lines.addAll(c.options());
      case AttentionCheck a -> lines.addAll(a.options());
      case Fatigue f -> lines.addAll(f.scale().levels());
      case NumberItem n -> { }
      case TextItem t -> { }
    }
    return String.join("\n", lines);
  }

  default String wordingSha256() {
    return Protocol.sha256Hex(wording());
  }

  /**
   * Points 1..{@code points}; {@code anchors} labels the ends (two) or every point ({@code points} labels).
   */
  record Likert(String id, String text, boolean required, int points, List<String> anchors) implements Item {
    public Likert {
      anchors = List.copyOf(anchors);
    }

    public String type() { return "likert"; }
  }

  record SingleChoice(String id, String text, boolean required, List<String> options) implements Item {
    public SingleChoice {
      options = List.copyOf(options);
    }

    public String type() { return "single-choice"; }
  }

  /** Between {@code min} and {@code max} options chosen. */
  record MultipleChoice(String id, String text, boolean required, List<String> options, int min, int max)
      implements Item {
    public MultipleChoice {
      options = List.copyOf(options);
    }

    public String type() { return "multiple-choice"; }
  }

  /** A number from {@code min} to {@code max}; whole numbers only when {@code integer}. */
  record NumberItem(String id, String text, boolean required, double min, double max, boolean integer)
      implements Item {
    public String type() { return "number"; }
  }

  /** Free text: kept apart from the event log (identifying data), the log holds a reference and the length. */
  record TextItem(String id, String text, boolean required, int maxLength) implements Item {
    public String type() { return "text"; }
  }

  /** A question with one right answer ("choose 'somewhat agree' here"); always required, counted per participant. */
  record AttentionCheck(String id, String text, List<String> options, String expected) implements Item {
    public AttentionCheck {
      options = List.copyOf(options);
    }

    public boolean required() { return true; }

    public String type() { return "attention-check"; }
  }

  /** A fatigue self-report on a published scale, in its published wording. */
  record Fatigue(String id, String text, boolean required, FatigueScale scale) implements Item {
    public String type() { return "fatigue"; }
  }

  /**
   * The published fatigue scales: Samn-Perelli (Samn &amp; Perelli 1982), 1 fully alert .. 7 completely exhausted;
   * the Karolinska Sleepiness Scale (Akerstedt &amp; Gillberg 1990), 1 extremely alert .. 9 very sleepy, great effort
   * to keep awake, fighting sleep. Higher is more tired on both.
   */
  enum FatigueScale {
    SAMN_PERELLI("samn-perelli", List.of(
        "Fully alert, wide awake",
        "Very lively, responsive, but not at peak",
        "Okay, somewhat fresh",
        "A little tired, less than fresh",
        "Moderately tired, let down",
        "Extremely tired, very difficult to concentrate",
        "Completely exhausted, unable to function effectively")),
    KSS("kss", List.of(
        "Extremely alert",
        "Very alert",
        "Alert",
        "Rather alert",
        "Neither alert nor sleepy",
        "Some signs of sleepiness",
        "Sleepy, but no effort to keep awake",
        "Sleepy, some effort to keep awake",
        "Very sleepy, great effort to keep awake, fighting sleep"));

    private final String id;
    private final List<String> levels;

    FatigueScale(String id, List<String> levels) {
      this.id = id;
      this.levels = levels;
    }

    public String id() { return id; }

    /** The published wording of each level, from 1 up. */
    public List<String> levels() { return levels; }

    public int points() { return levels.size(); }

    public static FatigueScale parse(String id) {
      for (FatigueScale s : values()) {
        if (s.id.equals(id)) {
          return s;
        }
      }
      throw new IllegalArgumentException("unknown fatigue scale " + id);
    }
  }
}
