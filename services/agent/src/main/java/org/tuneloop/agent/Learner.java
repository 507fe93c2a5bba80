package org.tuneloop.agent;

/** What holds the agent's values: a table of (state key, action) values, or weights over features. */
public sealed interface Learner permits Learner.Tabular, Learner.Linear {

  /** "tabular" or "linear". */
  String id();

  /** The method's: a Q-table keyed by the state encoder. */
  record Tabular() implements Learner {
    public String id() { return "tabular"; }
  }

  /** Q(s, a) = w . phi(s, a) over {@link LinearQ#FEATURES}; the state encoder then only keys the visit counts. */
  record Linear() implements Learner {
    public String id() { return "linear"; }
  }

  static Learner parse(String id) {
    return switch (id == null ? "" : id) {
      case "tabular" -> new Tabular();
      case "linear" -> new Linear();
      default -> throw new IllegalArgumentException("unknown learner '" + id + "'; valid: tabular, linear");
    };
  }
}
