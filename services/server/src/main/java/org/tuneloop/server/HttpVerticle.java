package org.tuneloop.server;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.sqlclient.Pool;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.tuneloop.music.MidiFile;
import org.tuneloop.music.Track;
import org.tuneloop.study.Participant;
import org.tuneloop.study.ParticipantCommand;
import org.tuneloop.study.ParticipantDecider;
import org.tuneloop.study.StudyDecider;
import org.tuneloop.server.AccessTokens.Caller;

/** The HTTP API (documented in /openapi.yaml), the web client and the operational endpoints. Handlers stay thin. */
public final class HttpVerticle extends VerticleBase {
  private static final String CALLER = "caller";
  /** Bodies are small JSON; a protocol file uploaded to create a study may be larger. */
  static final int BODY_LIMIT = 64 * 1024;
  static final int PROTOCOL_BODY_LIMIT = 256 * 1024;

  private final ServerConfig config;
  private final Pool pool;
  private final Participants participants;
  private final Studies studies;
  private final AccessTokens tokens;
  private final StudyAccess access;
  private final PrometheusMeterRegistry metrics;
  private final Platform platform;
  private StudyMonitor monitor;
  private CheckpointSchedule checkpoints;
  private HttpServer server;

  /** A null platform gives a router with no services behind it (for comparing routes with the API description). */
  public HttpVerticle(ServerConfig config, Platform platform) {
    this.config = config;
    this.platform = platform;
    this.pool = platform == null ? null : platform.pool();
    this.participants = platform == null ? null : platform.participants;
    this.studies = platform == null ? null : platform.studies;
    this.tokens = platform == null ? null : platform.tokens;
    this.access = platform == null ? null : platform.access;
    this.metrics = platform == null ? null : platform.metrics();
  }

  @Override
  public Future<?> start() {
    // Started here so that the monitor's reads, timers and streams run on this verticle's event loop.
    monitor = new StudyMonitor(vertx, platform.store, studies, participants);
    checkpoints = new CheckpointSchedule(vertx, platform.checkpoints, "server " + java.lang.management.ManagementFactory
        .getRuntimeMXBean().getName());
    checkpoints.start(CheckpointSchedule.interval());
    server = vertx.createHttpServer();
    return monitor.start(platform.appConnectOptions())
        .compose(started -> server.requestHandler(router(vertx)).listen(config.port(), config.host()));
  }

  /** Every route of the server; tests compare it with /openapi.yaml. */
  public Router router(Vertx vertx) {
    Router router = Router.router(vertx);
    router.route().handler(ctx -> {
      // The pages load nothing from elsewhere and run no inline script.
      ctx.response().putHeader("X-Content-Type-Options", "nosniff").putHeader("Referrer-Policy", "no-referrer")
          .putHeader("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; "
              + "base-uri 'none'; frame-ancestors 'none'; form-action 'self'");
      ctx.next();
    });
    router.get("/health").respond(ctx -> pool.query("select 1").execute()
        .map(rows -> new JsonObject().put("status", "ok").put("version", BuildInfo.APP_VERSION)));
    router.get("/metrics").handler(ctx -> ctx.response()
        .putHeader("content-type", "text/plain; version=0.0.4").end(metrics.scrape()));
    router.get("/openapi.yaml").handler(ctx -> ctx.response()
        .putHeader("content-type", "application/yaml").end(OpenApi.document()));

    router.post("/api/studies").handler(BodyHandler.create(false).setBodyLimit(PROTOCOL_BODY_LIMIT));
    router.route("/api/*").handler(BodyHandler.create(false).setBodyLimit(BODY_LIMIT));
    StudyRoutes studyRoutes = new StudyRoutes(this::publicUrl, studies, participants, monitor, studyAccess());
    // Joining and kiosk codes need no credentials: mounted before authentication.
    studyRoutes.mountPublic(router);
    accounts(vertx).mount(router);

    String p = "/api/participants/:participantId";
    router.get(p).respond(ctx -> readable(ctx).compose(this::sessionView));
    router.post(p + "/consent").respond(ctx -> command(ctx, () -> {
      RequestBody b = RequestBody.of(ctx, Set.of("consentVersion", "agree"));
      return new ParticipantCommand.AnswerConsent(b.text("consentVersion", 100), b.bool("agree"));
    }));
    // Shapes and types only: what the protocol allows is the decider's to say (422), from the arm's rules.
    router.post(p + "/parameters").respond(ctx -> command(ctx, () -> {
      RequestBody b = RequestBody.of(ctx, Set.of("baseNote", "scale", "length", "tempo"));
      return new ParticipantCommand.ChooseStartParameters(b.integer("baseNote"), b.text("scale", 40),
          b.integer("length"), b.integer("tempo"), Instant.now());
    }));
    router.post(p + "/ratings").respond(ctx -> command(ctx, () -> {
      RequestBody b = RequestBody.of(ctx, Set.of("episode", "step", "rating", "clientMillisToRate"));
      Integer clientMillis = b.optionalInteger("clientMillisToRate", 0, Integer.MAX_VALUE);
      return new ParticipantCommand.RateTrack(b.integer("episode"), b.integer("step"), b.integer("rating"),
          clientMillis == null ? null : clientMillis.longValue(), Instant.now());
    }));
    router.post(p + "/episodes").respond(ctx -> command(ctx, () -> {
      RequestBody.of(ctx, Set.of());
      return new ParticipantCommand.ContinueTraining(Instant.now());
    }));
    router.post(p + "/finish").respond(ctx -> command(ctx, () -> {
      RequestBody.of(ctx, Set.of());
      return new ParticipantCommand.FinishTraining();
    }));
    router.post(p + "/withdraw").respond(ctx -> command(ctx, () -> {
      RequestBody.of(ctx, Set.of());
      return new ParticipantCommand.Withdraw();
    }));
    router.get(p + "/track.mid").handler(ctx -> readable(ctx).onSuccess(loaded -> {
      if (!(loaded.state() instanceof Participant.Training t)) {
        ctx.fail(ApiError.notFound("there is no current track: the participant is at '" + loaded.state().phase() + "'"));
        return;
      }
      sendMidi(ctx, t.current(), t.parameters().tempo(), "track-e" + t.episode() + "-s" + t.step() + ".mid");
    }).onFailure(ctx::fail));
    router.get(p + "/composition").respond(ctx -> readable(ctx).map(loaded -> Views.composition(finished(loaded))));
    router.get(p + "/composition.mid").handler(ctx -> readable(ctx).onSuccess(loaded -> {
      Participant.Finished f = finished(loaded);
      sendMidi(ctx, f.composition().result(), f.parameters().tempo(), "composition.mid");
    }).onFailure(ctx::fail));

    // Researcher routes.
    router.get(p + "/q-table").respond(ctx -> researcherReadable(ctx).map(Views::qTable));
    new AuditRoutes(vertx, platform == null ? null : platform.store, platform == null ? null : platform.checkpoints,
        participants, studies, studyAccess(), new AccessLog(pool)).mount(router);
    studyRoutes.mount(router);
    router.route("/api/*").handler(ctx -> ctx.fail(404));

    router.route("/*").handler(StaticHandler.create("webroot").setCachingEnabled(false));
    router.route().failureHandler(Responses::failure);
    return router;
  }

  @Override
  public Future<?> stop() {
    if (checkpoints != null) {
      checkpoints.stop();
    }
    Future<Void> monitorStopped = monitor == null ? Future.succeededFuture() : monitor.stop();
    return monitorStopped.compose(v -> server == null ? Future.succeededFuture() : server.shutdown(10, TimeUnit.SECONDS));
  }

  public int actualPort() {
    return server.actualPort();
  }

  /** The live monitor, for in-process tests that drive its dropout sweep with their own clock. */
  StudyMonitor monitor() {
    return monitor;
  }

  /** The configured public URL, else this server on localhost at the port it listens on (--port 0 picks one). */
  private String publicUrl() {
    return server == null || server.actualPort() <= 0 ? config.publicUrl() : config.withPort(actualPort()).publicUrl();
  }

  /** The study routes' view of accounts: researchers by id, and who may reach which study (owners, members, admins). */
  private StudyRoutes.Access studyAccess() {
    return new StudyRoutes.Access() {
      @Override public Future<String> researcher(RoutingContext ctx) {
        return HttpVerticle.researcher(ctx).map(Caller::researcherId);
      }

      @Override public Future<Void> study(RoutingContext ctx, String studyId) {
        return access.require(caller(ctx), studyId);
      }

      @Override public Future<java.util.List<String>> visible(RoutingContext ctx, java.util.List<String> ids) {
        return access.filter(caller(ctx), ids);
      }

      @Override public Future<Void> created(RoutingContext ctx, String studyId) {
        return access.grantOwner(studyId, caller(ctx).researcherId());
      }
    };
  }

  private AccountRoutes accounts(Vertx vertx) {
    boolean https = config.publicUrl().startsWith("https:");
    BrowserSessions sessions = new BrowserSessions(pool);
    ApiTokens apiTokens = new ApiTokens(pool);
    return new AccountRoutes(vertx, new Researchers(pool), sessions, apiTokens, access, studies,
        new Authentication(tokens, apiTokens, sessions, https), LoginAttempts.standard());
  }

  private static Caller caller(RoutingContext ctx) {
    return Authentication.caller(ctx);
  }

  /** The participant named in the path, if the caller is that participant or a researcher of the study. */
  private Future<Participants.Loaded> readable(RoutingContext ctx) {
    Caller caller = caller(ctx);
    String id = ctx.pathParam("participantId");
    if (!caller.isResearcher() && !id.equals(caller.participantId())) {
      return Future.failedFuture(ApiError.forbidden("this token belongs to another participant"));
    }
    return existing(id).compose(loaded -> {
      if (!caller.isResearcher()) {
        return Future.succeededFuture(loaded);
      }
      // A participant of a study the researcher may not see answers as if absent.
      return access.require(caller, ParticipantDecider.enrolment(loaded.state()).studyId())
          .map(loaded)
          .recover(failure -> Future.failedFuture(failure instanceof ApiError e && e.status() == 404
              ? ApiError.notFound("no participant '" + id + "'") : failure));
    });
  }

  /** The study in the path, if the caller is a researcher who may see it. */

  private Future<Participants.Loaded> researcherReadable(RoutingContext ctx) {
    return researcher(ctx).compose(c -> readable(ctx));
  }

  private static Future<Caller> researcher(RoutingContext ctx) {
    Caller caller = caller(ctx);
    return caller.isResearcher() ? Future.succeededFuture(caller)
        : Future.failedFuture(ApiError.forbidden("this needs a researcher account"));
  }

  private Future<Participants.Loaded> existing(String participantId) {
    return existing(participants, participantId);
  }

  /** The participant, or 404 when the id names nobody. */
  static Future<Participants.Loaded> existing(Participants participants, String participantId) {
    try {
      UUID.fromString(participantId);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(ApiError.notFound("no participant '" + participantId + "'"));
    }
    return participants.load(participantId).compose(loaded -> loaded.state() instanceof Participant.Unknown
        ? Future.failedFuture(ApiError.notFound("no participant '" + participantId + "'"))
        : Future.succeededFuture(loaded));
  }

  private Future<JsonObject> sessionView(Participants.Loaded loaded) {
    return studies.get(ParticipantDecider.enrolment(loaded.state()).studyId())
        .map(study -> Views.session(loaded, study.protocol(), study.study().status()));
  }

  /** Runs a participant's own command: only the participant may act for themselves. */
  private Future<JsonObject> command(RoutingContext ctx, Supplier<ParticipantCommand> parse) {
    Caller caller = caller(ctx);
    String id = ctx.pathParam("participantId");
    if (caller.isResearcher()) {
      return Future.failedFuture(ApiError.forbidden("only the participant can do this"));
    }
    if (!id.equals(caller.participantId())) {
      return Future.failedFuture(ApiError.forbidden("this token belongs to another participant"));
    }
    String key = ctx.request().getHeader("Idempotency-Key");
    if (key != null && (key.isBlank() || key.length() > 200)) {
      return Future.failedFuture(ApiError.badRequest("Idempotency-Key", "the Idempotency-Key header must be 1 to 200 characters"));
    }
    ParticipantCommand command;
    try {
      command = parse.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    JsonObject metadata = new JsonObject()
        .put("requestId", UUID.randomUUID().toString())
        .put("clientTime", clientTime(ctx.request().getHeader("X-Client-Time")));
    return participants.load(id).compose(loaded -> loaded.state() instanceof Participant.Unknown
            ? Future.failedFuture(ApiError.notFound("no participant '" + id + "'"))
            : studies.get(ParticipantDecider.enrolment(loaded.state()).studyId()).map(study -> {
              StudyDecider.admit(study.study(), command, ParticipantDecider.enrolment(loaded.state()).test());
              return study;
            }))
        .compose(study -> participants.handle(id, command, key, metadata))
        .compose(handled -> sessionView(handled.loaded()).map(view -> view.put("duplicate", handled.duplicate())));
  }

  /** The client's clock as it says, kept only when it looks like a timestamp (it lands in the immutable log). */
  private static String clientTime(String header) {
    return header != null && header.length() <= 40 && header.matches("[0-9A-Za-z:.+\\-]+") ? header : null;
  }

  private static Participant.Finished finished(Participants.Loaded loaded) {
    if (loaded.state() instanceof Participant.Finished f) {
      return f;
    }
    throw ApiError.notFound("there is no composition yet: the participant is at '" + loaded.state().phase() + "'");
  }

  private void sendMidi(RoutingContext ctx, Track track, int tempo, String filename) {
    vertx.executeBlocking(() -> MidiFile.render(track, tempo)).onSuccess(bytes -> ctx.response()
        .putHeader("content-type", "audio/midi")
        .putHeader("content-disposition", "attachment; filename=\"" + filename + "\"")
        .end(Buffer.buffer(bytes))).onFailure(ctx::fail);
  }
}
