package org.tuneloop.server;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.tuneloop.eventstore.Checkpoints;
import org.tuneloop.eventstore.EventStore;
import org.tuneloop.eventstore.StoredEvent;
import org.tuneloop.server.AccessTokens.Caller;
import org.tuneloop.study.ParticipantDecider;

/**
 * What researchers read of the log itself: a participant's stored events (paged), a study's audit, and who looked at
 * which (docs/audit.md). Each read of the log is recorded in the access log before it is answered.
 */
final class AuditRoutes {
  /** The most events one page holds. */
  static final int MAX_EVENTS_PAGE = 1000;
  /** Streams one audit over HTTP checks at once: the server has participants to serve meanwhile. */
  static final int AUDIT_PARALLELISM = 2;

  private final Vertx vertx;
  private final EventStore store;
  private final Checkpoints checkpoints;
  private final Participants participants;
  private final Studies studies;
  private final StudyRoutes.Access access;
  private final AccessLog log;

  AuditRoutes(Vertx vertx, EventStore store, Checkpoints checkpoints, Participants participants, Studies studies,
              StudyRoutes.Access access, AccessLog log) {
    this.studies = studies;
    this.vertx = vertx;
    this.store = store;
    this.checkpoints = checkpoints;
    this.participants = participants;
    this.access = access;
    this.log = log;
  }

  void mount(Router router) {
    router.get("/api/participants/:participantId/events").respond(this::events);
    router.get("/api/studies/:studyId/audit").respond(ctx -> reachable(ctx)
        .compose(studyId -> log.record(Authentication.caller(ctx), AccessLog.Action.AUDIT, studyId, null, null)
            .compose(recorded -> AuditRun.verify(vertx, store, checkpoints, studyId, null, AUDIT_PARALLELISM)))
        .map(AuditRun.Result::toJson));
    router.get("/api/studies/:studyId/access-log").respond(ctx -> reachable(ctx).compose(studyId -> {
      int limit = query(ctx, "limit", 1, AccessLog.MAX_LIST, 100);
      String before = ctx.queryParams().get("before");
      return log.list(studyId, limit, before == null ? null : (long) query(ctx, "before", 1, Integer.MAX_VALUE, 0));
    }));
  }

  /**
   * The participant's stored events in order, with their place in the log and their recorded time; the data as the
   * current code reads it (older schema versions upcast). Without a limit, the whole stream (as the web client reads
   * it); with one, a page, and {@code next} is the version to ask after for the next page (null on the last).
   */
  private Future<JsonObject> events(RoutingContext ctx) {
    int after;
    Integer limit;
    try {
      after = query(ctx, "after", 0, Integer.MAX_VALUE, 0);
      limit = ctx.queryParams().contains("limit") ? query(ctx, "limit", 1, MAX_EVENTS_PAGE, 0) : null;
    } catch (ApiError e) {
      return Future.failedFuture(e);
    }
    Caller caller = Authentication.caller(ctx);
    String id = ctx.pathParam("participantId");
    return access.participant(ctx, participants)
        .compose(loaded -> log.record(caller, AccessLog.Action.EVENTS,
            ParticipantDecider.enrolment(loaded.state()).studyId(), id,
            new JsonObject().put("after", after).put("limit", limit)))
        .compose(recorded -> limit == null
            ? store.readStream(Participants.streamId(id), after)
            : store.readStream(Participants.streamId(id), after, limit))
        .map(events -> new JsonObject()
            .put("events", new JsonArray(events.stream().map(AuditRoutes::event).toList()))
            .put("next", limit != null && events.size() == limit ? events.getLast().version() : null));
  }

  private static JsonObject event(StoredEvent e) {
    return new JsonObject().put("position", e.position()).put("version", e.version()).put("type", e.type())
        .put("schemaVersion", e.schemaVersion()).put("recordedAt", e.recordedAt().toString())
        .put("data", EventCodec.encode(Participants.decode(e)));
  }

  /** The study in the path, if the caller is a researcher who may see it. */
  private Future<String> reachable(RoutingContext ctx) {
    String studyId = ctx.pathParam("studyId");
    return access.researcher(ctx).compose(by -> access.study(ctx, studyId)).compose(ok -> studies.get(studyId))
        .map(Studies.Loaded::studyId);
  }

  /** A whole-number query parameter within bounds, or its default when absent; 400 otherwise. */
  private static int query(RoutingContext ctx, String name, int min, int max, int absent) {
    String text = ctx.queryParams().get(name);
    if (text == null) return absent;
    try {
      int value = Integer.parseInt(text);
      if (value >= min && value <= max) return value;
    } catch (NumberFormatException ignored) {
      // answered below
    }
    throw ApiError.badRequest(name, name + " must be a whole number from " + min + " to " + max);
  }
}
