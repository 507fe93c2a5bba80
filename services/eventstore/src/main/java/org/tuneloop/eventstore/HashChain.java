package org.tuneloop.eventstore;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** SHA-256(prev_hash || canonical(stream_id, version, event_id, type, schema_version, recorded_at, data)). */
public final class HashChain {
  private HashChain() {}

  // Always six fraction digits: timestamptz keeps microseconds, and a fixed width keeps the text canonical.
  private static final DateTimeFormatter RECORDED_AT =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

  /** The hash of the first event's predecessor: 32 zero bytes. */
  public static byte[] genesis() { return new byte[32]; }

  public static byte[] hash(byte[] prevHash, String streamId, int version, UUID eventId, String type,
                            int schemaVersion, Instant recordedAt, JsonObject data) {
    return sha256(prevHash, canonicalContent(streamId, version, eventId, type, schemaVersion, recordedAt, data));
  }

  /** The canonical JSON text that {@link #hash} digests after the previous hash; exposed for audits and tests. */
  public static String canonicalContent(String streamId, int version, UUID eventId, String type, int schemaVersion,
                                        Instant recordedAt, JsonObject data) {
    Map<String, Object> content = new LinkedHashMap<>();
    content.put("stream_id", streamId);
    content.put("version", version);
    content.put("event_id", eventId.toString());
    content.put("type", type);
    content.put("schema_version", schemaVersion);
    content.put("recorded_at", recordedAtText(recordedAt));
    content.put("data", data == null ? new JsonObject() : data);
    return CanonicalJson.encode(content);
  }

  /** recorded_at as hashed: ISO-8601 in UTC with microseconds, e.g. 2025-01-31T12:00:00.000250Z. */
  public static String recordedAtText(Instant recordedAt) {
    return RECORDED_AT.format(recordedAt.truncatedTo(ChronoUnit.MICROS));
  }

  /**
   * Re-canonicalises and re-hashes a whole stream read back from the database (versions from 1); lists each broken
   * link as a sentence. An empty list means the chain is intact.
   */
  public static List<String> verify(List<StoredEvent> stream) { return verify(stream, 0, genesis()); }

  /**
   * The same for the tail of a stream after {@code afterVersion}, whose last hash a snapshot or an earlier audit
   * vouches for: the tail must start at afterVersion + 1 and link to {@code prevHash}.
   */
  public static List<String> verify(List<StoredEvent> tail, int afterVersion, byte[] prevHash) {
    List<String> problems = new ArrayList<>();
    if (tail.isEmpty()) return problems;
    List<StoredEvent> ordered = new ArrayList<>(tail);
    ordered.sort(Comparator.comparingInt(StoredEvent::version));
    String streamId = ordered.getFirst().streamId();
    byte[] expectedPrev = prevHash;
    int expectedVersion = afterVersion + 1;
    for (StoredEvent e : ordered) {
      String where = "stream " + e.streamId() + " version " + e.version() + " (event " + e.eventId() + ")";
      if (!e.streamId().equals(streamId)) {
        problems.add(where + ": belongs to another stream than " + streamId);
      }
      if (e.version() != expectedVersion) {
        problems.add(where + ": expected version " + expectedVersion + " (versions must run without gaps)");
      }
      if (!Arrays.equals(e.prevHash(), expectedPrev)) {
        problems.add(where + ": prev_hash " + hex(e.prevHash()) + " is not the previous event's hash " + hex(expectedPrev));
      }
      byte[] recomputed = hash(e.prevHash(), e.streamId(), e.version(), e.eventId(), e.type(), e.schemaVersion(),
          e.recordedAt(), e.data());
      if (!Arrays.equals(recomputed, e.hash())) {
        problems.add(where + ": stored hash " + hex(e.hash()) + " does not match its content (recomputed "
            + hex(recomputed) + ")");
      }
      // Follow the stored chain, so one altered event is reported once rather than at every later link.
      expectedPrev = e.hash();
      expectedVersion = e.version() + 1;
    }
    return problems;
  }

  private static byte[] sha256(byte[] prevHash, String canonical) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(prevHash);
      digest.update(canonical.getBytes(StandardCharsets.UTF_8));
      return digest.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  private static String hex(byte[] bytes) {
    return bytes == null ? "null" : HexFormat.of().formatHex(bytes);
  }
}
