package org.tuneloop.eventstore;

import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.time.Instant;
import java.util.UUID;

/** An event as stored: its place in the log and in its stream, and its hash chain link. */
public record StoredEvent(long position, long txId, String streamId, int version, UUID eventId, String type,
                          int schemaVersion, JsonObject data, JsonObject metadata, Instant recordedAt,
                          byte[] prevHash, byte[] hash, int hashVersion) {

  /** An event hashed the first way (without metadata), as every event was before hash versions. */
  public StoredEvent(long position, long txId, String streamId, int version, UUID eventId, String type,
                     int schemaVersion, JsonObject data, JsonObject metadata, Instant recordedAt, byte[] prevHash,
                     byte[] hash) {
    this(position, txId, streamId, version, eventId, type, schemaVersion, data, metadata, recordedAt, prevHash, hash, 1);
  }

  /** The columns {@link #fromRow} reads; xid8 travels as text because the client has no codec for it. */
  public static final String COLUMNS = "position, tx_id::text as tx_id, stream_id, version, event_id, type, "
      + "schema_version, data, metadata, recorded_at, prev_hash, hash, hash_version";

  public static StoredEvent fromRow(Row row) {
    return new StoredEvent(
        row.getLong("position"),
        Long.parseLong(row.getString("tx_id")),
        row.getString("stream_id"),
        row.getInteger("version"),
        row.getUUID("event_id"),
        row.getString("type"),
        row.getInteger("schema_version"),
        row.getJsonObject("data"),
        row.getJsonObject("metadata"),
        row.getOffsetDateTime("recorded_at").toInstant(),
        row.getBuffer("prev_hash").getBytes(),
        row.getBuffer("hash").getBytes(),
        row.getInteger("hash_version"));
  }

  /** The place in the whole log just after this event. */
  public Cursor cursor() { return new Cursor(txId, position); }
}
