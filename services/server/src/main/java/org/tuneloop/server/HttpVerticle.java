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
import io.vertx.sqlclient.Pool;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.tuneloop.music.MidiFile;
import org.tuneloop.music.Track;
import org.tuneloop.study.DataQuality;
import org.tuneloop.study.Participant;
import org.tuneloop.study.ParticipantCommand;
import org.tuneloop.study.ParticipantDecider;
import org.tuneloop.study.Protocol;
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
  private final IdentifyingData identifying;
  private StudyMonitor monitor;
  private CheckpointSchedule checkpoints;
  private HttpServer server;
  private ConnectionGuard.Limits limits = ConnectionGuard.Limits.standard();
  private CommandRate commandRate = CommandRate.standard();
  private ConnectionGuard guard;

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
    this.identifying = platform == null ? null : new IdentifyingData(pool, participants);
  }

  @Override
  public Future<?> start() {
    // Started here so that the monitor's reads, timers and streams run on this verticle's event loop.
    monitor = new StudyMonitor(vertx, platform.store, studies, participants);
    guard = new ConnectionGuard(vertx, limits);
    checkpoints = new CheckpointSchedule(vertx, platform.checkpoints, "server " + java.lang.management.ManagementFactory
        .getRuntimeMXBean().getName());
    checkpoints.start(CheckpointSchedule.interval());
    server = vertx.createHttpServer(guard.options());
    Router router = router(vertx);
    guard.start();
    return monitor.start(platform.appConnectOptions())
        .compose(started -> server.connectionHandler(guard::connected)
            .requestHandler(request -> {
              guard.headReceived(request);
              router.handle(request);
            })
            .listen(config.port(), config.host()));
  }

  /** Another limit on each participant's commands, or none (null); before deployment only. */
  HttpVerticle withCommandRate(CommandRate rate) {
    this.commandRate = rate;
    return this;
  }

  /** Other timeouts and connection limits than the standard ones (tests); before deployment only. */
  HttpVerticle withLimits(ConnectionGuard.Limits limits) {
    this.limits = limits;
    return this;
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
    // Not public: the figures tell how busy the study is and who runs it. An administrator's API token (or session).
    Authentication authentication = authentication();
    router.get("/metrics").handler(authentication::handle).handler(ctx -> {
      if (!caller(ctx).admin()) {
        ctx.fail(ApiError.forbidden("the metrics are for administrators: scrape them with an administrator's API token"));
        return;
      }
      ctx.response().putHeader("content-type", "text/plain; version=0.0.4").end(metrics.scrape());
    });
    router.get("/openapi.yaml").handler(ctx -> ctx.response()
        .putHeader("content-type", "application/yaml").end(OpenApi.document()));

    router.route("/api/*").handler(RequestBody::requireJson);
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
      return new ParticipantCommand.AnswerConsent(b.text("consentVersion", 100), b.bool("agree"), Instant.now());
    }));
    // Shapes and types only: what the protocol allows is the decider's to say (422), from the arm's rules.
    router.post(p + "/parameters").respond(ctx -> command(ctx, () -> {
      RequestBody b = RequestBody.of(ctx, Set.of("baseNote", "scale", "length", "tempo"));
      return new ParticipantCommand.ChooseStartParameters(b.integer("baseNote"), b.text("scale", 40),
          b.integer("length"), b.integer("tempo"), Instant.now());
    }));
    router.post(p + "/ratings").respond(ctx -> command(ctx, () -> {
      RequestBody b = RequestBody.of(ctx, Set.of("episode", "step", "rating", "clientMillisToRate", "heardShare",
          "replays", "hiddenMillis", "musicality", "novelty", "coherence"));
      Integer clientMillis = b.optionalInteger("clientMillisToRate", 0, Integer.MAX_VALUE);
      Integer hidden = b.optionalInteger("hiddenMillis", 0, Integer.MAX_VALUE);
      return new ParticipantCommand.RateTrack(b.integer("episode"), b.integer("step"), b.integer("rating"),
          clientMillis == null ? null : clientMillis.longValue(), optionalNumber(ctx, "heardShare"),
          b.optionalInteger("replays", 0, 100_000), hidden == null ? null : hidden.longValue(), Instant.now(),
          b.optionalInteger("musicality", 1, 10), b.optionalInteger("novelty", 1, 10),
          b.optionalInteger("coherence", 1, 10));
    }));
    router.post(p + "/episodes").respond(ctx -> command(ctx, () -> {
      RequestBody.of(ctx, Set.of());
      return new ParticipantCommand.ContinueTraining(Instant.now());
    }));
    router.post(p + "/finish").respond(ctx -> command(ctx, () -> {
      RequestBody.of(ctx, Set.of());
      return new ParticipantCommand.FinishTraining(Instant.now());
    }));
    // The flow's blocks: each command names its block, so a stale page cannot answer the wrong one.
    router.post(p + "/instructions").respond(ctx -> command(ctx, () -> {
      RequestBody b = RequestBody.of(ctx, Set.of("block"));
      return new ParticipantCommand.CompleteInstructions(b.text("block", 40), Instant.now());
    }));
    router.post(p + "/setup").respond(ctx -> command(ctx, () -> {
      RequestBody b = RequestBody.of(ctx, Set.of("block", "browser", "sampleRate", "outputLatency", "deviceType"));
      return new ParticipantCommand.RecordSetup(b.text("block", 40), b.text("browser", 200),
          b.optionalInteger("sampleRate", 0, Integer.MAX_VALUE), optionalNumber(ctx, "outputLatency"),
          b.text("deviceType", 20), Instant.now());
    }));
    router.post(p + "/headphone-trials").respond(ctx -> command(ctx, () -> {
      RequestBody b = RequestBody.of(ctx, Set.of("block", "trial", "answer"));
      return new ParticipantCommand.AnswerHeadphoneTrial(b.text("block", 40), b.integer("trial"), b.integer("answer"),
          Instant.now());
    }));
    router.post(p + "/answers").respond(ctx -> command(ctx, () -> {
      RequestBody b = RequestBody.of(ctx, Set.of("block", "answers"));
      return new ParticipantCommand.SubmitAnswers(b.text("block", 40), answers(ctx), UUID.randomUUID().toString(),
          Instant.now());
    }));
    router.post(p + "/practice-rating").respond(ctx -> command(ctx, () -> {
      RequestBody b = RequestBody.of(ctx, Set.of("block", "rating"));
      return new ParticipantCommand.RatePractice(b.text("block", 40), b.integer("rating"), Instant.now());
    }));
    router.post(p + "/evaluations").respond(ctx -> command(ctx, () -> {
      RequestBody b = RequestBody.of(ctx, Set.of("block", "label", "answers"));
      java.util.Map<String, Integer> points = new java.util.LinkedHashMap<>();
      answers(ctx).forEach((item, answer) -> {
        if (!(answer instanceof org.tuneloop.study.Answer.NumberAnswer(double v)) || v != Math.rint(v)) {
          throw ApiError.badRequest("answers." + item, "each answer must be a whole number");
        }
        points.put(item, (int) v);
      });
      return new ParticipantCommand.RateEvaluation(b.text("block", 40), b.text("label", 2), points, Instant.now());
    }));
    router.post(p + "/breaks").respond(ctx -> command(ctx, () -> {
      RequestBody.of(ctx, Set.of());
      return new ParticipantCommand.TakeBreak(Instant.now());
    }));
    router.post(p + "/breaks/end").respond(ctx -> command(ctx, () -> {
      RequestBody.of(ctx, Set.of());
      return new ParticipantCommand.EndBreak(Instant.now());
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
    router.post(p + "/erase").respond(ctx -> researcher(ctx).compose(caller -> readable(ctx)
        .compose(loaded -> identifying.erase(loaded.participantId(), caller.researcherId())))
        .map(handled -> new JsonObject().put("participantId", handled.loaded().participantId()).put("erased", true)));
    router.get(p + "/data-quality").respond(ctx -> researcherReadable(ctx).compose(loaded -> studies
        .get(ParticipantDecider.enrolment(loaded.state()).studyId())
        .compose(study -> participants.stored(loaded.participantId()).map(stored -> {
          Protocol.Thresholds thresholds = study.protocol().thresholds();
          DataQuality quality = DataQuality.of(stored.stream()
              .map(e -> new DataQuality.Timed(Participants.decode(e), e.recordedAt())).toList(), thresholds);
          return Views.dataQuality(loaded.participantId(), quality, thresholds);
        }))));
    AccessLog accessLog = new AccessLog(pool);
    // The Q-table (now or at a point), learning trace, provenance and a study's learning, beside the data quality.
    new LearningRoutes(participants, studies, studyAccess(), accessLog).mount(router);
    new AuditRoutes(vertx, platform == null ? null : platform.store, platform == null ? null : platform.checkpoints,
        participants, studies, studyAccess(), accessLog).mount(router);
    studyRoutes.mount(router);
    new ExportRoutes(platform, studyAccess(), accessLog).mount(router);
    router.route("/api/*").handler(ctx -> ctx.fail(404));

    router.route("/*").handler(new AppPages());
    router.route().failureHandler(Responses::failure);
    return router;
  }

  @Override
  public Future<?> stop() {
    if (guard != null) {
      guard.stop();
    }
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
    return new AccountRoutes(vertx, new Researchers(pool), new BrowserSessions(pool), new ApiTokens(pool), access,
        studies, authentication(), LoginAttempts.standard());
  }

  private Authentication authentication() {
    boolean https = config.publicUrl().startsWith("https:");
    return new Authentication(tokens, new ApiTokens(pool), new BrowserSessions(pool), https);
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

  /**
   * The participant's study for a participant's request: the state the log follower keeps fresh (within a second of
   * any process's change, at once for this process's), read from the database only when not cached.
   */
  private Future<Studies.Loaded> study(String studyId) {
    return studies.cached(studyId).map(Future::succeededFuture).orElseGet(() -> studies.get(studyId));
  }

  private Future<JsonObject> sessionView(Participants.Loaded loaded) {
    return study(ParticipantDecider.enrolment(loaded.state()).studyId())
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
    java.time.Duration wait = commandRate == null ? java.time.Duration.ZERO : commandRate.take(id);
    if (!wait.isZero()) {
      long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
      ctx.response().putHeader("Retry-After", Long.toString(seconds));
      return Future.failedFuture(new ApiError(429, null, "too many requests from this participant in a short time; "
          + "try again in " + seconds + (seconds == 1 ? " second" : " seconds")));
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
        .put("clientTime", clientTime(ctx.request().getHeader("X-Client-Time")))
        .put(Participants.REQUEST_SHA256, RequestBody.fingerprint(ctx));
    // The cached state when there is one (no database round trip): its enrolment never changes, and the append
    // checks that the state the command is decided on is still the latest.
    return participants.current(id).<Participants.Handled>compose(current -> {
      if (current.state() instanceof Participant.Unknown) {
        return Future.failedFuture(ApiError.notFound("no participant '" + id + "'"));
      }
      org.tuneloop.study.ParticipantEvent.ParticipantEnrolled enrolment = ParticipantDecider.enrolment(current.state());
      return study(enrolment.studyId())
          .compose(study -> {
            StudyDecider.admit(study.study(), command, enrolment.test());
            return participants.handle(id, command, key, metadata);
          })
          .compose(handled -> afterwards(command, handled));
    }).compose(handled -> sessionView(handled.loaded()).map(view -> view.put("duplicate", handled.duplicate())));
  }

  /**
   * What a command leaves to do outside the log: free-text answers stored apart; a withdrawal after finishing
   * ("withdraw my data") erases the identifying data.
   */
  private Future<Participants.Handled> afterwards(ParticipantCommand command, Participants.Handled handled) {
    if (handled.duplicate()) {
      return Future.succeededFuture(handled);
    }
    // The state the command was decided on, which the command found the participant in.
    Participants.Loaded before = handled.before();
    String studyId = ParticipantDecider.enrolment(handled.loaded().state()).studyId();
    return switch (command) {
      case ParticipantCommand.SubmitAnswers answers -> identifying.storeTexts(before.participantId(), studyId, answers)
          .map(handled);
      case ParticipantCommand.Withdraw w when before.state() instanceof Participant.Finished ->
          identifying.erase(before.participantId(), "participant").map(h -> new Participants.Handled(h.loaded(), false));
      default -> Future.succeededFuture(handled);
    };
  }

  /** A number field of the body, or null when absent. */
  private static Double optionalNumber(RoutingContext ctx, String field) {
    Object v = ctx.body().asJsonObject().getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Number n)) {
      throw ApiError.badRequest(field, "'" + field + "' must be a number");
    }
    return n.doubleValue();
  }

  /** The answers object: item id to a number, an option (text), or a list of options. */
  private static java.util.Map<String, org.tuneloop.study.Answer> answers(RoutingContext ctx) {
    JsonObject body = ctx.body().asJsonObject(); // null for an empty body
    Object v = body == null ? null : body.getValue("answers");
    if (!(v instanceof JsonObject o)) {
      throw ApiError.badRequest("answers", "'answers' is required: an object of item id to answer");
    }
    if (o.size() > 100) {
      throw ApiError.badRequest("answers", "at most 100 answers at once");
    }
    java.util.Map<String, org.tuneloop.study.Answer> answers = new java.util.LinkedHashMap<>();
    for (var e : o) {
      String field = "answers." + e.getKey();
      answers.put(e.getKey(), switch (e.getValue()) {
        case Number n -> new org.tuneloop.study.Answer.NumberAnswer(n.doubleValue());
        case String text when text.length() <= 10_000 -> new org.tuneloop.study.Answer.Choice(text);
        case JsonArray a when a.size() <= 30 && a.stream().allMatch(x -> x instanceof String) ->
            new org.tuneloop.study.Answer.Choices(a.stream().map(x -> (String) x).toList());
        case null -> throw ApiError.badRequest(field, "leave an unanswered item out rather than null");
        default -> throw ApiError.badRequest(field, "must be a number, a text of at most 10000 characters, or a list"
            + " of at most 30 options");
      });
    }
    return answers;
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
