package org.tuneloop.eventstore;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.UUID;

/** An event as stored: its place in the log and in its stream, and its hash chain link. */
public record StoredEvent(long position, long txId, String streamId, int version, UUID eventId, String type,
                          int schemaVersion, JsonObject data, JsonObject metadata, Instant recordedAt,
                          byte[] prevHash, byte[] hash) {}
