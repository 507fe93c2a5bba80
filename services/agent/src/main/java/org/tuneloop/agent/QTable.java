package org.tuneloop.agent;

import java.util.Map;

/**
 * State-action values; immutable, absent keys are worth the initial value (0 by default, more for an optimistic
 * start). Each {@link #with} is one update and counts one visit of its key ({@link #visits()}), so the counts
 * UCB needs are a fold of the same updates as the values.
 */
public final class QTable {
  private static final QTable EMPTY = new QTable(SharedMap.empty(), Visits.none(), 0.0);

  // Never mutated after construction: with() shares the earlier entries (SharedMap), so a replay of a session's
  // hundreds of updates does not copy the table at each one.
  private final SharedMap<QKey, Double> values;
  private final Visits visits;
  private final double initial;

  private QTable(SharedMap<QKey, Double> values, Visits visits, double initial) {
    this.values = values;
    this.visits = visits;
    this.initial = initial;
  }

  public static QTable empty() { return EMPTY; }

  /** An empty table whose absent keys are worth {@code initial} (an optimistic start when above the ratings). */
  public static QTable empty(double initial) {
    if (!Double.isFinite(initial)) {
      throw new IllegalArgumentException("the initial Q value must be finite: " + initial);
    }
    return initial == 0.0 ? EMPTY : new QTable(SharedMap.empty(), Visits.none(), initial);
  }

  /**
   * The table with these entries (in this order), visit counts and initial value, as {@link #entries()},
   * {@link #visits()} and {@link #initial()} give them: a state kept outside the fold (a snapshot) is rebuilt so.
   */
  public static QTable of(Map<QKey, Double> entries, Visits visits, double initial) {
    QTable table = empty(initial);
    for (Map.Entry<QKey, Double> e : entries.entrySet()) {
      if (e.getKey() == null || e.getValue() == null || !Double.isFinite(e.getValue())) {
        throw new IllegalArgumentException("a Q entry must have a key and a finite value: " + e);
      }
    }
    return new QTable(SharedMap.of(entries), visits, table.initial);
  }

  public double value(QKey key) { return values.getOrDefault(key, initial); }

  public boolean contains(QKey key) { return values.get(key) != null; }

  /** What absent keys are worth. */
  public double initial() { return initial; }

  /** N(s, a) and N(s): one visit per update. */
  public Visits visits() { return visits; }

  /** A copy with one value set: one update, one more visit of the key. */
  public QTable with(QKey key, double value) {
    if (key == null) {
      throw new IllegalArgumentException("null Q key");
    }
    if (!Double.isFinite(value)) {
      throw new IllegalArgumentException("Q value must be finite: " + value + " for " + key);
    }
    return new QTable(values.put(key, value), visits.after(key), initial);
  }

  /** All stored entries, in insertion order. */
  public Map<QKey, Double> entries() { return values.asMap(); }

  public int size() { return values.asMap().size(); }

  @Override public boolean equals(Object other) {
    return other instanceof QTable that && entries().equals(that.entries()) && visits.equals(that.visits)
        && Double.compare(initial, that.initial) == 0;
  }

  @Override public int hashCode() { return entries().hashCode() * 31 + visits.hashCode(); }

  @Override public String toString() { return "QTable" + entries(); }
}
