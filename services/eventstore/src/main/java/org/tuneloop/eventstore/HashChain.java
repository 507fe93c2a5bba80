package org.tuneloop.eventstore;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** SHA-256(prev_hash || canonical(stream_id, version, event_id, type, schema_version, recorded_at, data)). */
public final class HashChain {
  private HashChain() {}

  /** The hash of the first event's predecessor: 32 zero bytes. */
  public static byte[] genesis() { return new byte[32]; }

  public static byte[] hash(byte[] prevHash, String streamId, int version, UUID eventId, String type,
                            int schemaVersion, Instant recordedAt, JsonObject data) {
    throw new UnsupportedOperationException("contract stub");
  }

  /** Re-canonicalises and re-hashes a stream read back from the database; lists each broken link. */
  public static List<String> verify(List<StoredEvent> stream) { throw new UnsupportedOperationException("contract stub"); }
}
