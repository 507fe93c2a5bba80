package org.tuneloop.server;

import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.Map;

/**
 * How often one participant may send commands: a token bucket per participant, {@code burst} commands at once and
 * refilled at {@code burst} per {@code window}. A person rating tracks stays far below it; a script looping on the
 * API is slowed to it (429 with Retry-After). Buckets live in a bounded cache and vanish when idle (a vanished
 * bucket is a full one, which is what an idle participant has anyway).
 */
final class CommandRate {
  private final int burst;
  private final long windowNanos;
  private final Map<String, Bucket> buckets;

  private record Bucket(double tokens, long at) {}

  CommandRate(int burst, Duration window) {
    this.burst = burst;
    this.windowNanos = window.toNanos();
    this.buckets = Caffeine.newBuilder().maximumSize(100_000).expireAfterAccess(window.multipliedBy(2))
        .<String, Bucket>build().asMap();
  }

  /** 20 commands per 10 seconds per participant. */
  static CommandRate standard() {
    return new CommandRate(20, Duration.ofSeconds(10));
  }

  /** Zero when the participant may act now (and the command is counted), else how long until they may. */
  Duration take(String participantId) {
    long now = System.nanoTime();
    Duration[] wait = {Duration.ZERO};
    buckets.compute(participantId, (id, bucket) -> {
      double tokens = bucket == null ? burst
          : Math.min(burst, bucket.tokens() + (double) (now - bucket.at()) * burst / windowNanos);
      if (tokens >= 1) {
        return new Bucket(tokens - 1, now);
      }
      wait[0] = Duration.ofNanos((long) Math.ceil((1 - tokens) * windowNanos / burst));
      return new Bucket(tokens, now);
    });
    return wait[0];
  }
}
