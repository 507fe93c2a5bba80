package org.tuneloop.server;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
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
import org.tuneloop.music.Scale;
import org.tuneloop.music.StartParameters;
import org.tuneloop.music.Track;
import org.tuneloop.study.Participant;
import org.tuneloop.study.ParticipantCommand;
import org.tuneloop.study.ParticipantDecider;
import org.tuneloop.study.ParticipantEvent;
import org.tuneloop.server.AccessTokens.Caller;

/** The HTTP API (documented in /openapi.yaml), the web client and the operational endpoints. Handlers stay thin. */
public final class HttpVerticle extends VerticleBase {
  private final ServerConfig config;
  private final Pool pool;
  private final Participants participants;
  private final Studies studies;
  private final AccessTokens tokens;
  private final StudyAccess access;
  private final PrometheusMeterRegistry metrics;
  private HttpServer server;

  public HttpVerticle(ServerConfig config, Pool pool, Participants participants, Studies studies, AccessTokens tokens,
                      PrometheusMeterRegistry metrics) {
    this.config = config;
    this.pool = pool;
    this.participants = participants;
    this.studies = studies;
    this.tokens = tokens;
    this.access = new StudyAccess(pool);
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    server = vertx.createHttpServer();
    return server.requestHandler(router(vertx)).listen(config.port(), config.host());
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

    router.route("/api/*").handler(BodyHandler.create(false).setBodyLimit(64 * 1024));
    accounts(vertx).mount(router);

    String p = "/api/participants/:participantId";
    router.get(p).respond(ctx -> readable(ctx).compose(this::sessionView));
    router.post(p + "/consent").respond(ctx -> command(ctx, () -> {
      RequestBody b = RequestBody.of(ctx, Set.of("consentVersion", "agree"));
      return new ParticipantCommand.AnswerConsent(b.text("consentVersion", 100), b.bool("agree"));
    }));
    router.post(p + "/parameters").respond(ctx -> command(ctx, () -> {
      RequestBody b = RequestBody.of(ctx, Set.of("baseNote", "scale", "length", "tempo"));
      Scale scale;
      try {
        scale = Scale.parse(b.text("scale", 40));
      } catch (IllegalArgumentException e) {
        throw ApiError.badRequest("scale", e.getMessage());
      }
      return new ParticipantCommand.ChooseStartParameters(new StartParameters(b.integer("baseNote", 0, 127), scale,
          b.integer("length", 1, 64), b.integer("tempo", 1, 400)), Instant.now());
    }));
    router.post(p + "/ratings").respond(ctx -> command(ctx, () -> {
      RequestBody b = RequestBody.of(ctx, Set.of("episode", "step", "rating", "clientMillisToRate"));
      Integer clientMillis = b.optionalInteger("clientMillisToRate", 0, Integer.MAX_VALUE);
      return new ParticipantCommand.RateTrack(b.integer("episode", 1, 100_000), b.integer("step", 1, 10_000),
          b.integer("rating", 1, 10), clientMillis == null ? null : clientMillis.longValue(), Instant.now());
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
    router.get(p + "/events").respond(ctx -> researcherReadable(ctx)
        .compose(loaded -> participants.events(loaded.participantId()))
        .map(events -> new JsonObject().put("events", new JsonArray(events.stream()
            .map(e -> new JsonObject().put("type", ParticipantEvent.type(e))
                .put("data", EventCodec.encode(e))).toList()))));
    router.get("/api/studies").respond(ctx -> researcher(ctx)
        .compose(c -> studies.ids().compose(ids -> access.filter(c, ids)))
        .map(ids -> new JsonObject().put("studies", new JsonArray(ids))));
    router.get("/api/studies/:studyId/participants").respond(ctx -> studyOfResearcher(ctx)
        .compose(study -> studies.participantIds(study.studyId()))
        .map(ids -> new JsonObject().put("participants", new JsonArray(ids))));
    router.post("/api/studies/:studyId/participants").respond(ctx -> studyOfResearcher(ctx).compose(study -> {
      RequestBody b = RequestBody.of(ctx, Set.of("arm"));
      return studies.enrol(ctx.pathParam("studyId"), b.optionalText("arm", 100));
    }).map(e -> {
      ctx.response().setStatusCode(201);
      return new JsonObject().put("participantId", e.participantId()).put("token", e.token())
          .put("link", config.publicUrl() + "/#participant=" + e.token());
    }));
    router.route("/api/*").handler(ctx -> ctx.fail(404));

    router.route("/*").handler(StaticHandler.create("webroot").setCachingEnabled(false));
    router.route().failureHandler(Responses::failure);
    return router;
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.shutdown(10, TimeUnit.SECONDS);
  }

  public int actualPort() {
    return server.actualPort();
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
  private Future<Studies.Study> studyOfResearcher(RoutingContext ctx) {
    String studyId = ctx.pathParam("studyId");
    return researcher(ctx).compose(c -> access.require(c, studyId)).compose(ignored -> studies.get(studyId));
  }

  private Future<Participants.Loaded> researcherReadable(RoutingContext ctx) {
    return researcher(ctx).compose(c -> readable(ctx));
  }

  private static Future<Caller> researcher(RoutingContext ctx) {
    Caller caller = caller(ctx);
    return caller.isResearcher() ? Future.succeededFuture(caller)
        : Future.failedFuture(ApiError.forbidden("this needs a researcher account"));
  }

  private Future<Participants.Loaded> existing(String participantId) {
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
        .map(study -> Views.session(loaded, study.protocol()));
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
    return participants.handle(id, command, key, metadata).compose(handled -> sessionView(handled.loaded())
        .map(view -> view.put("duplicate", handled.duplicate())));
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
