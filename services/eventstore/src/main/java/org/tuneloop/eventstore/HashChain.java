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

/**
 * SHA-256(prev_hash || canonical content). Hash version 1 (events written before metadata was hashed) digests
 * (stream_id, version, event_id, type, schema_version, recorded_at, data); hash version 2 adds hash_version and
 * metadata, so an edited metadata field breaks the chain too. Each stored row says which version it was hashed with.
 */
public final class HashChain {
  private HashChain() {}

  /** The hash version new events are written with. */
  public static final int CURRENT_VERSION = 2;

  // Always six fraction digits: timestamptz keeps microseconds, and a fixed width keeps the text canonical.
  private static final DateTimeFormatter RECORDED_AT =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

  /** The hash of the first event's predecessor: 32 zero bytes. */
  public static byte[] genesis() { return new byte[32]; }

  /** Hash version 1: without metadata. */
  public static byte[] hash(byte[] prevHash, String streamId, int version, UUID eventId, String type,
                            int schemaVersion, Instant recordedAt, JsonObject data) {
    return sha256(prevHash, canonicalContent(streamId, version, eventId, type, schemaVersion, recordedAt, data));
  }

  /** The hash of the given hash version (1: without metadata; 2: with hash_version and metadata). */
  public static byte[] hash(int hashVersion, byte[] prevHash, String streamId, int version, UUID eventId, String type,
                            int schemaVersion, Instant recordedAt, JsonObject data, JsonObject metadata) {
    return sha256(prevHash, canonicalContent(hashVersion, streamId, version, eventId, type, schemaVersion, recordedAt,
        data, metadata));
  }

  /** The hash of a stored event, recomputed from its content by the version it says it was hashed with. */
  public static byte[] recompute(StoredEvent e) {
    return hash(e.hashVersion(), e.prevHash(), e.streamId(), e.version(), e.eventId(), e.type(), e.schemaVersion(),
        e.recordedAt(), e.data(), e.metadata());
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

  /** The canonical text of the given hash version; version 1 ignores metadata. */
  public static String canonicalContent(int hashVersion, String streamId, int version, UUID eventId, String type,
                                        int schemaVersion, Instant recordedAt, JsonObject data, JsonObject metadata) {
    return switch (hashVersion) {
      case 1 -> canonicalContent(streamId, version, eventId, type, schemaVersion, recordedAt, data);
      case 2 -> {
        Map<String, Object> content = new LinkedHashMap<>();
        content.put("hash_version", 2);
        content.put("stream_id", streamId);
        content.put("version", version);
        content.put("event_id", eventId.toString());
        content.put("type", type);
        content.put("schema_version", schemaVersion);
        content.put("recorded_at", recordedAtText(recordedAt));
        content.put("data", data == null ? new JsonObject() : data);
        content.put("metadata", metadata == null ? new JsonObject() : metadata);
        yield CanonicalJson.encode(content);
      }
      default -> throw new IllegalArgumentException("unknown hash version " + hashVersion);
    };
  }

  /** recorded_at as hashed: ISO-8601 in UTC with microseconds, e.g. 2025-01-31T12:00:00.000250Z. */
  public static String recordedAtText(Instant recordedAt) {
    return RECORDED_AT.format(recordedAt.truncatedTo(ChronoUnit.MICROS));
  }

  /**
   * One broken link of a chain.
   *
   * @param check    "version" (a gap or a repeat), "link" (prev_hash is not the previous hash), "hash" (the content
   *                 does not hash to the stored hash), "stream" (an event of another stream), "hash version"
   * @param expected what an intact chain holds there
   * @param found    what is stored
   */
  public record Break(String streamId, int version, long position, UUID eventId, String check, String expected,
                      String found) {
    /** As a sentence, e.g. "stream s version 3 (event ...): prev_hash ab.. is not the previous event's hash cd..". */
    public String sentence() {
      String where = "stream " + streamId + " version " + version + " (event " + eventId + ")";
      return switch (check) {
        case "stream" -> where + ": belongs to another stream than " + expected;
        case "version" -> where + ": expected version " + expected + " (versions must run without gaps)";
        case "link" -> where + ": prev_hash " + found + " is not the previous event's hash " + expected;
        case "hash version" -> where + ": hash version " + found + " is unknown (expected " + expected + ")";
        default -> where + ": stored hash " + found + " does not match its content (recomputed " + expected + ")";
      };
    }
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
    return check(tail, afterVersion, prevHash).stream().map(Break::sentence).toList();
  }

  /** {@link #verify(List)} with each break as a record. */
  public static List<Break> check(List<StoredEvent> stream) { return check(stream, 0, genesis()); }

  /** {@link #verify(List, int, byte[])} with each break as a record. */
  public static List<Break> check(List<StoredEvent> tail, int afterVersion, byte[] prevHash) {
    List<Break> breaks = new ArrayList<>();
    if (tail.isEmpty()) return breaks;
    List<StoredEvent> ordered = new ArrayList<>(tail);
    ordered.sort(Comparator.comparingInt(StoredEvent::version));
    String streamId = ordered.getFirst().streamId();
    byte[] expectedPrev = prevHash;
    int expectedVersion = afterVersion + 1;
    for (StoredEvent e : ordered) {
      if (!e.streamId().equals(streamId)) {
        breaks.add(at(e, "stream", streamId, e.streamId()));
      }
      if (e.version() != expectedVersion) {
        breaks.add(at(e, "version", Integer.toString(expectedVersion), Integer.toString(e.version())));
      }
      if (!Arrays.equals(e.prevHash(), expectedPrev)) {
        breaks.add(at(e, "link", hex(expectedPrev), hex(e.prevHash())));
      }
      if (e.hashVersion() < 1 || e.hashVersion() > CURRENT_VERSION) {
        breaks.add(at(e, "hash version", "1 to " + CURRENT_VERSION, Integer.toString(e.hashVersion())));
      } else {
        byte[] recomputed = recompute(e);
        if (!Arrays.equals(recomputed, e.hash())) {
          breaks.add(at(e, "hash", hex(recomputed), hex(e.hash())));
        }
      }
      // Follow the stored chain, so one altered event is reported once rather than at every later link.
      expectedPrev = e.hash();
      expectedVersion = e.version() + 1;
    }
    return breaks;
  }

  private static Break at(StoredEvent e, String check, String expected, String found) {
    return new Break(e.streamId(), e.version(), e.position(), e.eventId(), check, expected, found);
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

  public static String hex(byte[] bytes) {
    return bytes == null ? "null" : HexFormat.of().formatHex(bytes);
  }
}
