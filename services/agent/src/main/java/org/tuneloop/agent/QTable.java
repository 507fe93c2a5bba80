package org.tuneloop.agent;

import java.util.Map;

/** State-action values; immutable, absent keys are worth the initial value (0 by default). */
public final class QTable {
  public static QTable empty() { throw new UnsupportedOperationException("contract stub"); }

  public double value(QKey key) { throw new UnsupportedOperationException("contract stub"); }

  public boolean contains(QKey key) { throw new UnsupportedOperationException("contract stub"); }

  /** A copy with one value set. */
  public QTable with(QKey key, double value) { throw new UnsupportedOperationException("contract stub"); }

  /** All stored entries, in insertion order. */
  public Map<QKey, Double> entries() { throw new UnsupportedOperationException("contract stub"); }

  public int size() { throw new UnsupportedOperationException("contract stub"); }
}
