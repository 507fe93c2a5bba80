package org.tuneloop.eventstore;

import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.time.Instant;

/**
 * What folding a stream into a state needs of each event, and no more: a cold load reads hundreds of events, and
 * decoding their metadata, ids and chain links cost as much as their data (docs/performance.md).
 */
public record EventData(int version, String type, int schemaVersion, JsonObject data, Instant recordedAt, byte[] hash) {

  static final String COLUMNS = "version, type, schema_version, data, recorded_at, hash";

  static EventData fromRow(Row row) {
    return new EventData(row.getInteger(0), row.getString(1), row.getInteger(2), row.getJsonObject(3),
        row.getOffsetDateTime(4).toInstant(), row.getBuffer(5).getBytes());
  }
}
