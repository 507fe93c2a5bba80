package org.tuneloop.study;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.tuneloop.agent.Draws;

/**
 * Balanced block randomisation over a protocol's arms. Assignment {@code index} falls in block
 * {@code index / blockSize}; each block holds every arm {@code weight * blockSize / sum(weights)} times, in an order
 * drawn from (study seed, block) alone, so any assignment can be re-derived and arm sizes never differ by more than
 * one block. An arm at its cap is skipped for the next arm of the block that is not.
 */
public final class Randomisation {
  private Randomisation() {}

  /** The arm for assignment {@code index}, or null when every arm is at its cap. */
  public static String arm(long seed, int index, int blockSize, List<Protocol.Arm> arms, Map<String, Integer> counts) {
    List<String> block = block(seed, index / blockSize, blockSize, arms);
    for (int offset = 0; offset < block.size(); offset++) {
      String candidate = block.get((index % blockSize + offset) % block.size());
      Protocol.Arm arm = arms.stream().filter(a -> a.id().equals(candidate)).findFirst().orElseThrow();
      if (arm.maxParticipants() == null || counts.getOrDefault(candidate, 0) < arm.maxParticipants()) {
        return candidate;
      }
    }
    return null;
  }

  /** The order of block {@code number}: a Fisher-Yates shuffle of the arms repeated by weight. */
  static List<String> block(long seed, int number, int blockSize, List<Protocol.Arm> arms) {
    int weights = arms.stream().mapToInt(Protocol.Arm::weight).sum();
    List<String> block = new ArrayList<>(blockSize);
    for (Protocol.Arm arm : arms) {
      for (int i = 0; i < arm.weight() * (blockSize / weights); i++) {
        block.add(arm.id());
      }
    }
    RandomGenerator random = Draws.of(seed, number, 0, Draws.Purpose.ASSIGNMENT);
    for (int i = block.size() - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      String swap = block.get(i);
      block.set(i, block.get(j));
      block.set(j, swap);
    }
    return block;
  }
}
