package org.tuneloop.study;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/** A versioned study protocol: consent text and arms. Parsed from study-protocols/*.yaml at the edge. */
public record Protocol(String id, int version, String title, Consent consent, List<ArmSettings> arms) {
  public Protocol {
    arms = List.copyOf(arms);
    if (arms.isEmpty()) {
      throw new IllegalArgumentException("a protocol needs at least one arm");
    }
  }

  /** The consent text shown to participants, with its version and the hash recorded on agreement. */
  public record Consent(String version, String text) {
    public String sha256() {
      try {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest);
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is part of every JDK", e);
      }
    }
  }

  public ArmSettings arm(String id) {
    return arms.stream().filter(a -> a.arm().equals(id)).findFirst()
        .orElseThrow(() -> CommandRejected.invalid("arm", "no arm '" + id + "' in protocol " + this.id));
  }
}
