package org.tuneloop.server;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.spec.KeySpec;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Password hashes: PBKDF2-HMAC-SHA256 with OWASP's 600,000 iterations and a random 16-byte salt, stored as
 * {@code pbkdf2-sha256$600000$<salt>$<hash>} (unpadded Base64), so a stored hash says how to check it even after
 * the cost is raised. Deliberately slow: call it on a worker thread, never on an event loop.
 */
public final class Passwords {
  public static final int ITERATIONS = 600_000;
  public static final int MIN_LENGTH = 12;
  public static final int MAX_LENGTH = 200;
  private static final String SCHEME = "pbkdf2-sha256";
  private static final int SALT_BYTES = 16;
  private static final int HASH_BITS = 256;
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder ENCODE = Base64.getEncoder().withoutPadding();
  private static final Base64.Decoder DECODE = Base64.getDecoder();

  private Passwords() {}

  public static String hash(String password) {
    byte[] salt = new byte[SALT_BYTES];
    RANDOM.nextBytes(salt);
    return SCHEME + "$" + ITERATIONS + "$" + ENCODE.encodeToString(salt) + "$"
        + ENCODE.encodeToString(derive(password, salt, ITERATIONS, HASH_BITS));
  }

  /** True when the password matches the stored hash; a hash in an unknown form never matches. */
  public static boolean verify(String password, String stored) {
    String[] parts = stored == null ? new String[0] : stored.split("\\$");
    if (parts.length != 4 || !parts[0].equals(SCHEME)) {
      return false;
    }
    try {
      int iterations = Integer.parseInt(parts[1]);
      byte[] salt = DECODE.decode(parts[2]);
      byte[] expected = DECODE.decode(parts[3]);
      if (iterations < 1 || expected.length == 0) {
        return false;
      }
      return MessageDigest.isEqual(expected, derive(password, salt, iterations, expected.length * 8));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** Spends the time of one check against no account (for unknown emails). */
  public static void verifyNothing(String password) {
    verify(password, Absent.HASH);
  }

  /** Checked when the email is unknown, so that answering takes as long as for a known one; made on first use. */
  private static final class Absent {
    static final String HASH = hash("no account has this password");
  }

  /** A password for a new account when none was chosen: 120 random bits, easy to copy. */
  public static String generate() {
    byte[] bytes = new byte[15];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** Why a chosen password is refused, or null when it is acceptable. */
  public static String problem(String password) {
    if (password == null || password.length() < MIN_LENGTH) {
      return "the password must have at least " + MIN_LENGTH + " characters";
    }
    if (password.length() > MAX_LENGTH) {
      return "the password must have at most " + MAX_LENGTH + " characters";
    }
    return null;
  }

  private static byte[] derive(String password, byte[] salt, int iterations, int bits) {
    KeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, bits);
    try {
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK offers no PBKDF2WithHmacSHA256", e);
    }
  }
}
