package org.tuneloop.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class PasswordsTest {
  @Test
  void aHashSaysHowItWasMadeAndOnlyTheRightPasswordMatches() {
    String hash = Passwords.hash("correct horse battery staple");

    assertThat(hash).matches("pbkdf2-sha256\\$600000\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}");
    assertThat(Passwords.verify("correct horse battery staple", hash)).isTrue();
    assertThat(Passwords.verify("correct horse battery stapler", hash)).isFalse();
    assertThat(Passwords.verify("", hash)).isFalse();
  }

  @Test
  void theSamePasswordHashesDifferentlyEachTime() {
    assertThat(Passwords.hash("same password twice")).isNotEqualTo(Passwords.hash("same password twice"));
  }

  @Test
  void aHashInAnotherFormNeverMatches() {
    assertThat(Passwords.verify("x", "x")).isFalse();
    assertThat(Passwords.verify("x", null)).isFalse();
    assertThat(Passwords.verify("x", "bcrypt$10$abc$def")).isFalse();
    assertThat(Passwords.verify("x", "pbkdf2-sha256$notanumber$abc$def")).isFalse();
  }

  @Test
  void aGeneratedPasswordIsLongEnough() {
    assertThat(Passwords.problem(Passwords.generate())).isNull();
    assertThat(Passwords.problem("short")).contains("at least 12 characters");
  }

  @Test
  void loginFailuresBlockUntilTheWindowEnds() {
    MutableClock clock = new MutableClock(Instant.parse("2025-01-01T10:00:00Z"));
    LoginAttempts attempts = new LoginAttempts(5, Duration.ofMinutes(15), clock);
    for (int i = 0; i < 4; i++) {
      attempts.failed("ada@example.org", "10.0.0.1");
    }
    assertThat(attempts.wait("ada@example.org", "10.0.0.2")).isEmpty();
    attempts.failed("ADA@example.org", "10.0.0.1");   // emails count whatever their case

    clock.now = clock.now.plusSeconds(60);
    assertThat(attempts.wait("ada@example.org", "10.0.0.2")).contains(Duration.ofMinutes(14));
    assertThat(attempts.wait("bob@example.org", "10.0.0.1")).contains(Duration.ofMinutes(14));
    assertThat(attempts.wait("bob@example.org", "10.0.0.2")).isEmpty();

    clock.now = clock.now.plus(Duration.ofMinutes(14));
    assertThat(attempts.wait("ada@example.org", "10.0.0.1")).isEmpty();
  }

  @Test
  void aSuccessClearsTheAccountButNotTheAddress() {
    LoginAttempts attempts = new LoginAttempts(2, Duration.ofMinutes(15), Clock.systemUTC());
    attempts.failed("ada@example.org", "10.0.0.1");
    attempts.failed("ada@example.org", "10.0.0.1");
    attempts.succeeded("ada@example.org");

    assertThat(attempts.wait("ada@example.org", "10.0.0.2")).isEmpty();
    assertThat(attempts.wait("ada@example.org", "10.0.0.1")).isPresent();
  }

  private static final class MutableClock extends Clock {
    Instant now;

    MutableClock(Instant now) { this.now = now; }

    @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }

    @Override public Clock withZone(java.time.ZoneId zone) { return this; }

    @Override public Instant instant() { return now; }
  }
}
