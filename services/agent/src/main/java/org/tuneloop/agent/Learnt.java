package org.tuneloop.agent;

/** What an agent has learnt so far: the fold of its updates ({@link Update#applyTo}). */
public sealed interface Learnt permits Learnt.Tabular, Learnt.Linear {

  /** N(s, a) and N(s), for UCB and for revisit measures. */
  Visits visits();

  record Tabular(QTable q) implements Learnt {
    public Visits visits() { return q.visits(); }
  }

  record Linear(LinearQ.Weights weights, Visits visits) implements Learnt {}

  /** Nothing learnt yet: an empty table, or zero weights; the baseline's initial value for untried actions. */
  static Learnt initial(AgentSettings settings) {
    double initial = settings.baseline().initialValue();
    return switch (settings.learner()) {
      case Learner.Tabular t -> new Tabular(QTable.empty(initial));
      case Learner.Linear l -> new Linear(LinearQ.Weights.initial(initial), Visits.none());
    };
  }
}
