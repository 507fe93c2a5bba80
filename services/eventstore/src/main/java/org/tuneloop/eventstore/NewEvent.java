package org.tuneloop.eventstore;

import io.vertx.core.json.JsonObject;
import java.util.UUID;

/** An event to append. The id is derived from the command's idempotency key, so a retry sends the same id. */
public record NewEvent(UUID eventId, String type, int schemaVersion, JsonObject data, JsonObject metadata) {}
