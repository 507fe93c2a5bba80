package org.tuneloop.server;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.tuneloop.server.AccessTokens.Caller;

/**
 * Who looked at what: every export, audit view and point-in-time query by a researcher, recorded before it is
 * answered (db/migration/V7__researcher_access.sql, V8__learning_access.sql), and listed per study.
 */
final class AccessLog {
  /**
   * What a researcher did: the values the table allows (REPLAY: a Q-table rebuilt by replay, at a point or now;
   * LEARNING, PROVENANCE, STUDY_LEARNING: the learning views of docs/audit.md).
   */
  enum Action {
    AUDIT, EVENTS, EXPORT, REPLAY, LEARNING, PROVENANCE, STUDY_LEARNING;

    /** The value stored, e.g. "study-learning". */
    String id() { return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'); }
  }

  static final int MAX_LIST = 1000;

  private final Pool pool;

  AccessLog(Pool pool) { this.pool = pool; }

  /** Records the access; a failure fails the request, so nothing is answered unrecorded. */
  Future<Void> record(Caller who, Action action, String studyId, String participantId, JsonObject detail) {
    return pool.preparedQuery("insert into researcher_access (researcher_id, researcher_email, action, study_id,"
            + " participant_id, detail) values ($1, $2, $3, $4, $5, $6)")
        .execute(Tuple.tuple().addString(who.researcherId()).addString(who.email())
            .addString(action.id()).addString(studyId).addString(participantId)
            .addValue(detail == null ? new JsonObject() : detail))
        .mapEmpty();
  }

  /** The study's records, newest first; {@code before} (an id) pages back. */
  Future<JsonObject> list(String studyId, int limit, Long before) {
    return pool.preparedQuery("select id, at, researcher_id, researcher_email, action, participant_id, detail"
            + " from researcher_access where study_id = $1 and id < $2 order by id desc limit $3")
        .execute(Tuple.of(studyId, before == null ? Long.MAX_VALUE : before, limit))
        .map(rows -> {
          JsonArray entries = new JsonArray();
          Long last = null;
          for (Row row : rows) {
            last = row.getLong("id");
            entries.add(new JsonObject().put("id", last).put("at", row.getOffsetDateTime("at").toInstant().toString())
                .put("researcherId", row.getString("researcher_id")).put("email", row.getString("researcher_email"))
                .put("action", row.getString("action")).put("participantId", row.getString("participant_id"))
                .put("detail", row.getJsonObject("detail")));
          }
          return new JsonObject().put("entries", entries).put("next", entries.size() == limit ? last : null);
        });
  }
}
