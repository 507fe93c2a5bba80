package org.tuneloop.server;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * Failed logins, counted per account and per remote address in memory (per server process): after
 * {@code maxFailures} failures within {@code window}, that account or address must wait until the window ends.
 * The cache is bounded, so a flood of invented emails cannot exhaust memory.
 */
public final class LoginAttempts {
  private final int maxFailures;
  private final Duration window;
  private final Clock clock;
  private final Cache<String, Failures> failures;

  public LoginAttempts(int maxFailures, Duration window, Clock clock) {
    this.maxFailures = maxFailures;
    this.window = window;
    this.clock = clock;
    this.failures = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(window).build();
  }

  /** Five failures per quarter of an hour. */
  public static LoginAttempts standard() {
    return new LoginAttempts(5, Duration.ofMinutes(15), Clock.systemUTC());
  }

  /** The failures since {@code since}, within one window. */
  private record Failures(Instant since, int count) {}

  /** How long the account or address must still wait, if either is blocked. */
  public Optional<Duration> wait(String email, String address) {
    Instant now = clock.instant();
    Duration longest = Duration.ZERO;
    for (String key : new String[] {accountKey(email), addressKey(address)}) {
      Failures f = failures.getIfPresent(key);
      if (f != null && f.count() >= maxFailures) {
        Duration left = Duration.between(now, f.since().plus(window));
        if (left.compareTo(longest) > 0) {
          longest = left;
        }
      }
    }
    return longest.isPositive() ? Optional.of(longest) : Optional.empty();
  }

  public void failed(String email, String address) {
    Instant now = clock.instant();
    for (String key : new String[] {accountKey(email), addressKey(address)}) {
      failures.asMap().compute(key, (k, f) -> f == null || !now.isBefore(f.since().plus(window))
          ? new Failures(now, 1) : new Failures(f.since(), f.count() + 1));
    }
  }

  /** A successful login clears its account's failures, not its address's (one may own an account and guess others). */
  public void succeeded(String email) {
    failures.invalidate(accountKey(email));
  }

  private static String accountKey(String email) {
    return "account:" + (email == null ? "" : email.strip().toLowerCase(Locale.ROOT));
  }

  private static String addressKey(String address) {
    return "address:" + address;
  }
}
