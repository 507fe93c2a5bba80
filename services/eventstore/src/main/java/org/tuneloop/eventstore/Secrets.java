package org.tuneloop.eventstore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

/** Generated passwords kept in files that only their owner may read (0600), made once and then reused. */
public final class Secrets {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Secrets() {}

  /** The secret in the file, if the file exists and is not empty. */
  public static Optional<String> read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) return Optional.empty();
    String text = Files.readString(file, StandardCharsets.UTF_8).strip();
    return text.isEmpty() ? Optional.empty() : Optional.of(text);
  }

  /** The secret in the file, or a new one written there first (0600). */
  public static String readOrCreate(Path file) throws IOException {
    Optional<String> kept = read(file);
    return kept.isPresent() ? kept.get() : create(file);
  }

  /** Writes a new random secret (32 bytes, URL-safe Base64) to the file, readable by its owner only. */
  public static String create(Path file) throws IOException {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    replace(file, secret + "\n");
    return secret;
  }

  /**
   * Replaces the file's content at once (a temporary file, 0600 from its creation, moved over it), so that a crash
   * leaves the old content or the new, never half of it, and nobody else can read it meanwhile.
   */
  public static void replace(Path file, String content) throws IOException {
    Path temporary = file.resolveSibling(file.getFileName() + ".new");
    Files.deleteIfExists(temporary);
    try {
      Files.createFile(temporary, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (FileAlreadyExistsException e) {
      throw new IOException("could not create " + temporary, e);
    }
    try (var channel = java.nio.channels.FileChannel.open(temporary, java.nio.file.StandardOpenOption.WRITE)) {
      channel.write(java.nio.ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8)));
      channel.force(true);
    }
    Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
