package org.tuneloop.agent;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** State-action values; immutable, absent keys are worth the initial value (0 by default). */
public final class QTable {
  private static final QTable EMPTY = new QTable(new LinkedHashMap<>());

  // Never mutated after construction: with() copies. Tables hold a session's visits (hundreds of entries),
  // so copying is cheaper to reason about than a persistent map and costs little.
  private final Map<QKey, Double> values;

  private QTable(LinkedHashMap<QKey, Double> values) {
    this.values = Collections.unmodifiableMap(values);
  }

  public static QTable empty() { return EMPTY; }

  public double value(QKey key) { return values.getOrDefault(key, 0.0); }

  public boolean contains(QKey key) { return values.containsKey(key); }

  /** A copy with one value set. */
  public QTable with(QKey key, double value) {
    if (key == null) {
      throw new IllegalArgumentException("null Q key");
    }
    if (!Double.isFinite(value)) {
      throw new IllegalArgumentException("Q value must be finite: " + value + " for " + key);
    }
    LinkedHashMap<QKey, Double> copy = new LinkedHashMap<>(values);
    copy.put(key, value);
    return new QTable(copy);
  }

  /** All stored entries, in insertion order. */
  public Map<QKey, Double> entries() { return values; }

  public int size() { return values.size(); }

  @Override public boolean equals(Object other) {
    return other instanceof QTable that && values.equals(that.values);
  }

  @Override public int hashCode() { return values.hashCode(); }

  @Override public String toString() { return "QTable" + values; }
}
