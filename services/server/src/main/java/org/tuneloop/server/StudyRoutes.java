package org.tuneloop.server;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;
import org.tuneloop.study.Protocol;
import org.tuneloop.study.StudyDecider;
import org.tuneloop.study.StudyDecider.Command;
import org.tuneloop.study.Supervision;

/**
 * Studies over HTTP: create from a protocol, open, pause, close, entry links, joining, the live monitor, and the
 * researcher's supervision of a participant's session. Handlers parse, call one application function, and answer
 * JSON; who may reach which study is the access check's to say.
 */
final class StudyRoutes {
  /** The most labels one request may turn into personal links. */
  static final int MAX_LABELS = 1000;

  /** How people reach this server; asked per request, as the port is known only once the server listens. */
  private final Supplier<String> publicUrl;
  private final Studies studies;
  private final Participants participants;
  private final StudyMonitor monitor;
  private final Access access;

  /** The seam to accounts: who the caller is, and whether they may reach a study. */
  interface Access {
    /** The researcher's id for the records ("by"), failing with 403 for anyone else. */
    Future<String> researcher(RoutingContext ctx);

    /** Succeeds when the caller may see and act on the study; fails with 404 (as if absent) otherwise. */
    Future<Void> study(RoutingContext ctx, String studyId);

    /** Filters study ids to those the caller may see. */
    Future<List<String>> visible(RoutingContext ctx, List<String> studyIds);

    /** Records the creator as the study's owner. */
    Future<Void> created(RoutingContext ctx, String studyId);

    /**
     * The participant in the path, when the caller is a researcher of their study; a participant of a study the
     * caller cannot see answers 404 as if absent.
     */
    default Future<Participants.Loaded> participant(RoutingContext ctx, Participants participants) {
      String id = ctx.pathParam("participantId");
      return researcher(ctx).compose(by -> HttpVerticle.existing(participants, id))
          .compose(loaded -> study(ctx, org.tuneloop.study.ParticipantDecider.enrolment(loaded.state()).studyId())
              .recover(failure -> Future.failedFuture(failure instanceof ApiError e && e.status() == 404
                  ? ApiError.notFound("no participant '" + id + "'") : failure))
              .map(ok -> loaded));
    }
  }

  StudyRoutes(Supplier<String> publicUrl, Studies studies, Participants participants, StudyMonitor monitor,
              Access access) {
    this.publicUrl = publicUrl;
    this.studies = studies;
    this.participants = participants;
    this.monitor = monitor;
    this.access = access;
  }

  /** Routes that need no credentials: joining through a study link, and a kiosk taking over a session. */
  void mountPublic(Router router) {
    mountKiosk(router);
    router.post("/api/studies/:studyId/join").respond(ctx -> {
      RequestBody b = RequestBody.of(ctx, Set.of("prolific"));
      JsonObject prolific = b.optionalObject("prolific", Set.of("PROLIFIC_PID", "STUDY_ID", "SESSION_ID"));
      Studies.Prolific p = prolific == null ? null : new Studies.Prolific(
          RequestBody.text(prolific, "prolific.PROLIFIC_PID", "PROLIFIC_PID", 100),
          RequestBody.optionalText(prolific, "prolific.STUDY_ID", "STUDY_ID", 100),
          RequestBody.optionalText(prolific, "prolific.SESSION_ID", "SESSION_ID", 100));
      String key = idempotencyKey(ctx);
      return studies.join(ctx.pathParam("studyId"),
              new Studies.Entry(p == null ? "link" : "prolific", null, p, false, null, key),
              key == null ? null : RequestBody.fingerprint(ctx))
          .map(joined -> {
            ctx.response().setStatusCode(joined.returning() ? 200 : 201);
            return new JsonObject().put("participantId", joined.participantId()).put("token", joined.token())
                .put("returning", joined.returning());
          });
    });
  }

  void mountKiosk(Router router) {
    router.post("/api/kiosk").respond(ctx -> {
      RequestBody b = RequestBody.of(ctx, Set.of("code"));
      return studies.redeemKiosk(b.text("code", 200))
          .map(joined -> new JsonObject().put("participantId", joined.participantId()).put("token", joined.token()));
    });
  }

  void mount(Router router) {
    router.get("/api/studies").respond(ctx -> access.researcher(ctx)
        .compose(r -> studies.ids())
        .compose(ids -> access.visible(ctx, ids))
        .compose(ids -> Future.all(ids.stream().map(studies::get).toList()))
        .map(all -> new JsonObject().put("studies", new JsonArray(all.<Studies.Loaded>list().stream()
            .map(StudyRoutes::summary).toList()))));
    router.post("/api/studies").respond(ctx -> access.researcher(ctx).compose(by -> {
      RequestBody b = RequestBody.of(ctx, Set.of("id", "protocol"));
      return studies.create(b.optionalText("id", 63), b.text("protocol", 200_000), by)
          .compose(created -> access.created(ctx, created.studyId()).map(created));
    }).map(created -> {
      ctx.response().setStatusCode(201);
      return study(created);
    }));
    router.get("/api/studies/:studyId").respond(ctx -> reachable(ctx).map(this::study));
    lifecycle(router, "open", Command.Open::new);
    lifecycle(router, "pause", Command.Pause::new);
    lifecycle(router, "close", Command.Close::new);

    router.post("/api/studies/:studyId/links").respond(ctx -> reachable(ctx).compose(study -> {
      RequestBody b = RequestBody.of(ctx, Set.of("labels"));
      List<String> labels = labels(b.list("labels", MAX_LABELS));
      // Links are shown once: refuse the whole list rather than enrol some whose links the answer would lose.
      Integer cap = study.protocol().recruitment().maxParticipants();
      if (cap != null && study.study().assigned() + labels.size() > cap) {
        int room = Math.max(0, cap - study.study().assigned());
        throw org.tuneloop.study.CommandRejected.notNow("full", "the study takes " + room + " more participant"
            + (room == 1 ? "" : "s") + " (at most " + cap + "), so " + labels.size() + " links do not fit;"
            + " no link was made");
      }
      Future<List<JsonObject>> links = Future.succeededFuture(new ArrayList<>());
      for (String label : labels) {
        links = links.compose(sofar -> studies.join(study.studyId(),
                new Studies.Entry("personal", label, null, false, null, null))
            .map(joined -> {
              sofar.add(new JsonObject().put("label", label).put("participantId", joined.participantId())
                  .put("url", participantUrl(joined.token())));
              return sofar;
            }));
      }
      return links;
    }).map(links -> {
      ctx.response().setStatusCode(201);
      return new JsonObject().put("links", new JsonArray(links));
    }));
    router.post("/api/studies/:studyId/preview").respond(ctx -> reachable(ctx).compose(study -> {
      RequestBody.of(ctx, Set.of());
      return studies.join(study.studyId(), new Studies.Entry("preview", null, null, true, null, null));
    }).map(joined -> {
      ctx.response().setStatusCode(201);
      return new JsonObject().put("participantId", joined.participantId()).put("url", participantUrl(joined.token()));
    }));
    router.get("/api/studies/:studyId/participants").respond(ctx -> reachable(ctx)
        .compose(study -> studies.assignments(study.studyId()))
        .map(assigned -> new JsonObject().put("participants", new JsonArray(assigned.stream()
            .map(a -> a.participantId()).toList()))));
    router.post("/api/studies/:studyId/participants").respond(ctx -> reachable(ctx).compose(study -> {
      RequestBody b = RequestBody.of(ctx, Set.of("arm"));
      return studies.join(study.studyId(), new Studies.Entry("researcher", null, null, false,
          b.optionalText("arm", 100), null));
    }).map(joined -> {
      ctx.response().setStatusCode(201);
      return new JsonObject().put("participantId", joined.participantId()).put("token", joined.token())
          .put("link", participantUrl(joined.token()));
    }));
    router.get("/api/studies/:studyId/monitor").respond(ctx -> reachable(ctx)
        .compose(study -> monitor.snapshot(study).map(snapshot -> snapshot.put("study", summary(study)))));
    router.get("/api/studies/:studyId/monitor/stream").handler(ctx -> reachable(ctx)
        .onSuccess(study -> monitor.stream(ctx, study.studyId()))
        .onFailure(ctx::fail));

    String p = "/api/participants/:participantId";
    supervise(router, p + "/pause", Set.of("reason"), (by, b) -> new Supervision.Command.Pause(by,
        b.optionalText("reason", Supervision.MAX_TEXT)));
    supervise(router, p + "/resume", Set.of(), (by, b) -> new Supervision.Command.Resume(by));
    supervise(router, p + "/notes", Set.of("text"), (by, b) -> new Supervision.Command.Note(by,
        b.text("text", Supervision.MAX_TEXT)));
    supervise(router, p + "/end", Set.of("reason"), (by, b) -> new Supervision.Command.End(by,
        b.text("reason", Supervision.MAX_TEXT)));
    router.get(p + "/notes").respond(ctx -> participantOfReachableStudy(ctx)
        .compose(loaded -> participants.stored(loaded.participantId()))
        .map(events -> new JsonObject().put("notes", new JsonArray(events.stream()
            .filter(e -> e.type().equals("ObservationNoted"))
            .map(e -> new JsonObject().put("at", e.recordedAt().toString()).put("by", e.data().getString("by"))
                .put("text", e.data().getString("text"))).toList()))));
    router.post(p + "/kiosk").respond(ctx -> participantOfReachableStudy(ctx).compose(loaded -> {
      RequestBody.of(ctx, Set.of());
      if (loaded.state().isOver()) {
        return Future.failedFuture(org.tuneloop.study.CommandRejected.notNow("the session is over ("
            + loaded.state().phase() + "); there is nothing to continue on a lab computer"));
      }
      return studies.kioskCode(loaded.participantId(),
          org.tuneloop.study.ParticipantDecider.enrolment(loaded.state()).studyId());
    }).map(code -> new JsonObject().put("code", code.code()).put("expiresAt", code.expiresAt().toString())));
  }

  private void lifecycle(Router router, String action, Function<String, Command> command) {
    router.post("/api/studies/:studyId/" + action).respond(ctx -> reachable(ctx).compose(study -> {
      RequestBody.of(ctx, Set.of());
      return access.researcher(ctx).compose(by -> studies.change(study.studyId(), command.apply(by)));
    }).map(this::study));
  }

  private interface SupervisionParser {
    Supervision.Command parse(String by, RequestBody body);
  }

  private void supervise(Router router, String path, Set<String> fields, SupervisionParser parser) {
    router.post(path).respond(ctx -> participantOfReachableStudy(ctx).compose(loaded -> access.researcher(ctx)
        .compose(by -> participants.supervise(loaded.participantId(), parser.parse(by, RequestBody.of(ctx, fields)),
            idempotencyKey(ctx), new JsonObject().put("requestId", UUID.randomUUID().toString())
                .put(Participants.REQUEST_SHA256, RequestBody.fingerprint(ctx)))))
        .compose(handled -> monitor.row(handled.loaded().participantId())));
  }

  /**
   * The participant in the path, if the caller is a researcher who may reach the participant's study. Anyone else
   * gets the answer for a participant who does not exist, which names no study.
   */
  private Future<Participants.Loaded> participantOfReachableStudy(RoutingContext ctx) {
    String id = ctx.pathParam("participantId");
    return access.researcher(ctx).compose(by -> HttpVerticle.existing(participants, id))
        .compose(loaded -> access.study(ctx, org.tuneloop.study.ParticipantDecider.enrolment(loaded.state()).studyId())
            .map(loaded)
            .recover(failure -> Future.failedFuture(failure instanceof ApiError e && e.status() == 404
                ? ApiError.notFound("no participant '" + id + "'") : failure)));
  }

  private Future<Studies.Loaded> reachable(RoutingContext ctx) {
    String studyId = ctx.pathParam("studyId");
    return access.researcher(ctx).compose(by -> access.study(ctx, studyId)).compose(ok -> studies.get(studyId));
  }

  private static List<String> labels(List<Object> raw) {
    List<String> labels = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < raw.size(); i++) {
      if (!(raw.get(i) instanceof String label) || label.isBlank() || label.length() > 100) {
        throw ApiError.badRequest("labels", "labels[" + i + "] must be text of 1 to 100 characters");
      }
      if (!seen.add(label.strip())) {
        throw ApiError.badRequest("labels", "the label '" + label.strip() + "' is given twice");
      }
      labels.add(label.strip());
    }
    if (labels.isEmpty()) {
      throw ApiError.badRequest("labels", "give at least one label");
    }
    return labels;
  }

  private String participantUrl(String token) {
    return publicUrl.get() + "/#participant=" + token;
  }

  static String idempotencyKey(RoutingContext ctx) {
    String key = ctx.request().getHeader("Idempotency-Key");
    if (key != null && (key.isBlank() || key.length() > 200)) {
      throw ApiError.badRequest("Idempotency-Key", "the Idempotency-Key header must be 1 to 200 characters");
    }
    return key;
  }

  static JsonObject summary(Studies.Loaded loaded) {
    StudyDecider.Study s = loaded.study();
    return new JsonObject().put("id", loaded.studyId()).put("title", s.protocol().title())
        .put("protocolId", s.protocol().id()).put("protocolVersion", s.protocol().version())
        .put("status", s.status().name().toLowerCase(java.util.Locale.ROOT))
        .put("createdAt", loaded.createdAt() == null ? null : loaded.createdAt().toString())
        .put("participants", s.assigned());
  }

  private JsonObject study(Studies.Loaded loaded) {
    Protocol protocol = loaded.protocol();
    String join = publicUrl.get() + "/?join=" + URLEncoder.encode(loaded.studyId(), StandardCharsets.UTF_8);
    JsonArray arms = new JsonArray();
    for (Protocol.Arm arm : protocol.arms()) {
      arms.add(new JsonObject().put("id", arm.id()).put("weight", arm.weight())
          .put("maxParticipants", arm.maxParticipants())
          .put("participants", loaded.study().perArm().getOrDefault(arm.id(), 0)));
    }
    var created = loaded.study().created();
    return summary(loaded).put("protocolSha256", created.protocolSha256()).put("protocolText", created.protocol())
        .put("appVersion", created.appVersion()).put("agentVersion", created.agentVersion())
        .put("arms", arms).put("maxParticipants", protocol.recruitment().maxParticipants())
        .put("blockSize", protocol.blockSize())
        .put("whilePaused", protocol.recruitment().whilePaused().name().toLowerCase(java.util.Locale.ROOT))
        .put("idleMinutes", protocol.recruitment().idleMinutes())
        .put("tests", loaded.study().tests())
        .put("links", new JsonObject().put("general", join).put("prolific", join
            + "&PROLIFIC_PID={{%PROLIFIC_PID%}}&STUDY_ID={{%STUDY_ID%}}&SESSION_ID={{%SESSION_ID%}}"));
  }
}
