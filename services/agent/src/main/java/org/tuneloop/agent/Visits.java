package org.tuneloop.agent;

import java.util.Map;

/**
 * How often each Q key, and each state key, has been updated: N(s, a) and N(s) for UCB. Immutable, and a fold of
 * the updates (one visit per update), so replaying the updates rebuilds it exactly.
 */
public final class Visits {
  private static final Visits NONE = new Visits(SharedMap.empty(), SharedMap.empty());

  // Shared with the counts before (SharedMap): a replay counts hundreds of visits without copying at each one.
  private final SharedMap<QKey, Integer> pairs;
  private final SharedMap<String, Integer> states;

  private Visits(SharedMap<QKey, Integer> pairs, SharedMap<String, Integer> states) {
    this.pairs = pairs;
    this.states = states;
  }

  public static Visits none() { return NONE; }

  /** The counts of these Q keys (in this order), as {@link #pairs()} gives them; N(s) is their sum per state. */
  public static Visits of(Map<QKey, Integer> pairs) {
    Map<String, Integer> states = new java.util.LinkedHashMap<>();
    for (Map.Entry<QKey, Integer> e : pairs.entrySet()) {
      if (e.getKey() == null || e.getValue() == null || e.getValue() < 1) {
        throw new IllegalArgumentException("a visit count must have a key and be positive: " + e);
      }
      states.merge(e.getKey().state(), e.getValue(), Integer::sum);
    }
    return pairs.isEmpty() ? NONE : new Visits(SharedMap.of(pairs), SharedMap.of(states));
  }

  /** N(s, a). */
  public int of(QKey key) { return pairs.getOrDefault(key, 0); }

  /** N(s): the updates of any action at this state key. */
  public int ofState(String state) { return states.getOrDefault(state, 0); }

  /** A copy with one more visit of {@code key}. */
  public Visits after(QKey key) {
    return new Visits(pairs.put(key, of(key) + 1), states.put(key.state(), ofState(key.state()) + 1));
  }

  /** All visited Q keys with their counts, in first-visit order. */
  public Map<QKey, Integer> pairs() { return pairs.asMap(); }

  @Override public boolean equals(Object other) {
    return other instanceof Visits that && pairs().equals(that.pairs());
  }

  @Override public int hashCode() { return pairs().hashCode(); }

  @Override public String toString() { return "Visits" + pairs(); }
}
