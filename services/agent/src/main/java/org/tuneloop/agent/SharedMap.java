package org.tuneloop.agent;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An immutable map in insertion order whose {@link #put} shares everything with the map it came from: a put is a
 * link to its predecessor, and only every {@value #CHAIN}th put copies the entries into a new base. Folding a session's
 * updates one by one so costs a copy per {@value #CHAIN} updates instead of one per update (a replay made hundreds
 * of them per participant, each copying the whole Q-table and visit counts). Nothing here is ever mutated once
 * built, so every earlier map stays what it was.
 */
final class SharedMap<K, V> {
  static final int CHAIN = 32;
  private static final SharedMap<?, ?> EMPTY = new SharedMap<>(Map.of(), null, null, 0, null, 0);

  private final Map<K, V> base;
  // This map's own put, after the previous map's entries (null for a base).
  private final K key;
  private final V value;
  private final int keyHash;
  private final SharedMap<K, V> previous;
  private final int depth;
  // Built on first use; every thread builds the same entries, so a race only builds them twice.
  private volatile Map<K, V> entries;

  private SharedMap(Map<K, V> base, K key, V value, int keyHash, SharedMap<K, V> previous, int depth) {
    this.base = base;
    this.key = key;
    this.value = value;
    this.keyHash = keyHash;
    this.previous = previous;
    this.depth = depth;
    this.entries = previous == null ? base : null;
  }

  @SuppressWarnings("unchecked")
  static <K, V> SharedMap<K, V> empty() { return (SharedMap<K, V>) EMPTY; }

  /** A map of these entries, in their iteration order (a table rebuilt from its entries). */
  static <K, V> SharedMap<K, V> of(Map<K, V> entries) {
    if (entries.isEmpty()) return empty();
    return new SharedMap<>(Collections.unmodifiableMap(new LinkedHashMap<>(entries)), null, null, 0, null, 0);
  }

  /** The value of the key, or null (values are never null). */
  V get(K wanted) {
    int hash = wanted.hashCode();
    for (SharedMap<K, V> m = this; m.previous != null; m = m.previous) {
      if (m.keyHash == hash && m.key.equals(wanted)) return m.value;
    }
    return base.get(wanted);
  }

  V getOrDefault(K wanted, V otherwise) {
    V found = get(wanted);
    return found == null ? otherwise : found;
  }

  /** A map with the key set to the value (a key already present keeps its place in the order). */
  SharedMap<K, V> put(K newKey, V newValue) {
    if (newKey == null || newValue == null) throw new IllegalArgumentException("null key or value");
    SharedMap<K, V> linked = new SharedMap<>(base, newKey, newValue, newKey.hashCode(), this, depth + 1);
    return linked.depth < CHAIN ? linked : new SharedMap<>(linked.asMap(), null, null, 0, null, 0);
  }

  /** The entries in insertion order, unmodifiable. */
  Map<K, V> asMap() {
    Map<K, V> built = entries;
    if (built == null) {
      ArrayDeque<SharedMap<K, V>> puts = new ArrayDeque<>(depth);
      for (SharedMap<K, V> m = this; m.previous != null; m = m.previous) puts.push(m);
      LinkedHashMap<K, V> copy = new LinkedHashMap<>(base);
      for (SharedMap<K, V> put : puts) copy.put(put.key, put.value);
      built = Collections.unmodifiableMap(copy);
      entries = built;
    }
    return built;
  }
}
