package org.tuneloop.agent;

import java.util.random.RandomGenerator;

/**
 * Steele, Lea and Flood's SplitMix64 with the golden-ratio increment: the same longs as
 * {@code new SplittableRandom(seed).nextLong()}. Written out here, with the bounded and double draws too,
 * because recorded sessions must replay bit for bit on any future JDK, and the JDK does not promise
 * that its generators' derived draws ({@code nextInt(bound)}, {@code nextDouble()}) never change.
 */
final class SplitMix64 implements RandomGenerator {
  static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

  private long state;

  SplitMix64(long seed) { this.state = seed; }

  /** The SplitMix64 finaliser (Stafford's variant 13): a bijection on longs with strong avalanche. */
  static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  @Override public long nextLong() {
    state += GOLDEN_GAMMA;
    return mix64(state);
  }

  @Override public int nextInt() { return (int) (nextLong() >>> 32); }

  /** Uniform in [0, bound): 31 high bits, rejecting the last incomplete block (as java.util.Random does). */
  @Override public int nextInt(int bound) {
    if (bound <= 0) {
      throw new IllegalArgumentException("bound must be positive: " + bound);
    }
    int limit = bound - 1;
    while (true) {
      int bits = (int) (nextLong() >>> 33);
      int value = bits % bound;
      if (bits - value + limit >= 0) { // no int overflow: bits lies in a complete block of size bound
        return value;
      }
    }
  }

  /** Uniform in [0, 1) on the 2^-53 grid. */
  @Override public double nextDouble() { return (nextLong() >>> 11) * 0x1.0p-53; }

  @Override public boolean nextBoolean() { return nextLong() < 0; }
}
