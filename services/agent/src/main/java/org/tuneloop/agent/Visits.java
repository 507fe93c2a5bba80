package org.tuneloop.agent;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How often each Q key, and each state key, has been updated: N(s, a) and N(s) for UCB. Immutable, and a fold of
 * the updates (one visit per update), so replaying the updates rebuilds it exactly.
 */
public final class Visits {
  private static final Visits NONE = new Visits(new LinkedHashMap<>(), new LinkedHashMap<>());

  private final Map<QKey, Integer> pairs;
  private final Map<String, Integer> states;

  private Visits(LinkedHashMap<QKey, Integer> pairs, LinkedHashMap<String, Integer> states) {
    this.pairs = Collections.unmodifiableMap(pairs);
    this.states = Collections.unmodifiableMap(states);
  }

  public static Visits none() { return NONE; }

  /** N(s, a). */
  public int of(QKey key) { return pairs.getOrDefault(key, 0); }

  /** N(s): the updates of any action at this state key. */
  public int ofState(String state) { return states.getOrDefault(state, 0); }

  /** A copy with one more visit of {@code key}. */
  public Visits after(QKey key) {
    LinkedHashMap<QKey, Integer> p = new LinkedHashMap<>(pairs);
    p.merge(key, 1, Integer::sum);
    LinkedHashMap<String, Integer> s = new LinkedHashMap<>(states);
    s.merge(key.state(), 1, Integer::sum);
    return new Visits(p, s);
  }

  /** All visited Q keys with their counts, in first-visit order. */
  public Map<QKey, Integer> pairs() { return pairs; }

  @Override public boolean equals(Object other) { return other instanceof Visits that && pairs.equals(that.pairs); }

  @Override public int hashCode() { return pairs.hashCode(); }

  @Override public String toString() { return "Visits" + pairs; }
}
