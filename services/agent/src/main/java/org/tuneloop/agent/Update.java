package org.tuneloop.agent;

import java.util.List;

/**
 * One step's learning, with every figure an event needs so that an audit can recompute it and a replay can fold
 * it back ({@link #applyTo}) without recomputing anything.
 */
public sealed interface Update permits Update.Tabular, Update.Linear {

  /** The encoder's key of (s_(k-1), a_k): the Q-table entry, or for a linear learner the visit counted. */
  QKey key();

  /** Q(s_(k-1), a_k) before and after. */
  double before();

  double after();

  /** The reward after the baseline. */
  double reward();

  /** N(s_(k-1), a_k) after this update. */
  int visits();

  /** The learnt state after this update: the fold a replay performs. */
  Learnt applyTo(Learnt learnt);

  /** Q(s,a) <- Q(s,a) + alpha * (r + gamma * maxNext - Q(s,a)); no max term when terminal. */
  record Tabular(QKey key, double before, double reward, double maxNext, double alpha, double gamma,
                 boolean terminal, double after, int visits) implements Update {
    public Learnt applyTo(Learnt learnt) {
      return switch (learnt) {
        case Learnt.Tabular t -> new Learnt.Tabular(t.q().with(key, after));
        case Learnt.Linear l -> throw new IllegalArgumentException("a tabular update cannot apply to linear weights");
      };
    }
  }

  /**
   * w <- w + alpha * (r + gamma * maxNext - w . phi) * phi.
   *
   * @param features phi(s_(k-1), a_k) in the order of {@link LinearQ#FEATURES}
   * @param tdError  the target minus {@code before}
   * @param deltas   the change of each weight
   */
  record Linear(QKey key, List<Double> features, double before, double reward, double maxNext, double alpha,
                double gamma, boolean terminal, double tdError, List<Double> deltas, double after, int visits)
      implements Update {
    public Linear {
      features = List.copyOf(features);
      deltas = List.copyOf(deltas);
    }

    public Learnt applyTo(Learnt learnt) {
      return switch (learnt) {
        case Learnt.Linear l -> new Learnt.Linear(l.weights().plus(deltas), l.visits().after(key));
        case Learnt.Tabular t -> throw new IllegalArgumentException("a linear update cannot apply to a Q-table");
      };
    }
  }
}
