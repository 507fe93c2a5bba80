package org.tuneloop.server;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.Cookie;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.Set;
import org.tuneloop.server.AccessTokens.Caller;

/**
 * Researcher accounts over HTTP: login and logout, the caller's session, API tokens, accounts (admins) and the
 * members of a study. {@link #mount} also installs {@link Authentication} for every later /api route.
 */
public final class AccountRoutes {
  private final Vertx vertx;
  private final Researchers researchers;
  private final BrowserSessions sessions;
  private final ApiTokens apiTokens;
  private final StudyAccess access;
  private final Studies studies;
  private final Authentication authentication;
  private final LoginAttempts attempts;

  public AccountRoutes(Vertx vertx, Researchers researchers, BrowserSessions sessions, ApiTokens apiTokens,
                       StudyAccess access, Studies studies, Authentication authentication, LoginAttempts attempts) {
    this.vertx = vertx;
    this.researchers = researchers;
    this.sessions = sessions;
    this.apiTokens = apiTokens;
    this.access = access;
    this.studies = studies;
    this.authentication = authentication;
    this.attempts = attempts;
  }

  /** Login and logout first (they need no credentials), then authentication for /api/*, then the account routes. */
  public void mount(Router router) {
    router.post("/api/login").respond(ctx -> attempt(() -> login(ctx)));
    router.post("/api/logout").handler(this::logout);
    router.route("/api/*").handler(authentication::handle);

    router.get("/api/session").respond(ctx -> Future.succeededFuture(sessionJson(Authentication.caller(ctx))));
    router.post("/api/login/token").respond(ctx -> attempt(() -> {
      Caller caller = Authentication.caller(ctx);
      if (!caller.isResearcher() || !(caller.via() instanceof AccessTokens.Via.Bearer)) {
        throw ApiError.forbidden("only a researcher's API token, sent as 'Authorization: Bearer <token>', "
            + "can start a browser session here");
      }
      RequestBody.of(ctx, Set.of());
      return startSession(ctx, caller.researcherId(), caller.email(), caller.admin());
    }));

    router.get("/api/tokens").respond(ctx -> researcher(ctx).compose(c -> apiTokens.list(c.researcherId()))
        .map(tokens -> new JsonObject().put("tokens", new JsonArray(tokens.stream().map(t -> new JsonObject()
            .put("id", t.id()).put("name", t.name()).put("createdAt", iso(t.createdAt()))
            .put("lastUsedAt", iso(t.lastUsedAt())).put("revokedAt", iso(t.revokedAt()))).toList()))));
    router.post("/api/tokens").respond(ctx -> researcher(ctx).compose(c -> {
      String name = RequestBody.of(ctx, Set.of("name")).text("name", 100).strip();
      return apiTokens.issue(c.researcherId(), name);
    }).map(issued -> {
      ctx.response().setStatusCode(201);
      return new JsonObject().put("id", issued.id()).put("name", issued.name())
          .put("createdAt", iso(issued.createdAt())).put("token", issued.token());
    }));
    router.delete("/api/tokens/:tokenId").handler(ctx -> researcher(ctx)
        .compose(c -> apiTokens.revoke(c.researcherId(), ctx.pathParam("tokenId")))
        .compose(revoked -> revoked ? Future.<Void>succeededFuture()
            : Future.failedFuture(ApiError.notFound("you have no token '" + ctx.pathParam("tokenId") + "'")))
        .onSuccess(ignored -> ctx.response().setStatusCode(204).end())
        .onFailure(ctx::fail));

    router.get("/api/researchers").respond(ctx -> admin(ctx).compose(c -> researchers.list())
        .map(all -> new JsonObject().put("researchers", new JsonArray(all.stream().map(r -> new JsonObject()
            .put("id", r.id()).put("email", r.email()).put("role", r.role().wire())
            .put("createdAt", iso(r.createdAt()))).toList()))));
    router.post("/api/researchers").respond(ctx -> admin(ctx).compose(c -> addResearcher(ctx)));

    String members = "/api/studies/:studyId/members";
    router.get(members).respond(ctx -> researcher(ctx)
        .compose(c -> access.require(c, ctx.pathParam("studyId")))
        .compose(ignored -> membersJson(ctx.pathParam("studyId"))));
    router.post(members).respond(ctx -> researcher(ctx).compose(c -> {
      String studyId = ctx.pathParam("studyId");
      return access.requireOwner(c, studyId).compose(ignored -> {
        String email = Researchers.checkEmail(RequestBody.of(ctx, Set.of("email")).text("email", 254));
        return studies.get(studyId).compose(study -> researchers.findByEmail(email)).compose(found -> found
            .map(r -> access.addMember(studyId, r.id()))
            .orElseGet(() -> Future.failedFuture(new ApiError(422, "email", "there is no researcher account for "
                + email + "; an admin can create one"))));
      }).compose(ignored -> membersJson(studyId));
    }).map(json -> {
      ctx.response().setStatusCode(201);
      return json;
    }));
  }

  private Future<JsonObject> login(RoutingContext ctx) {
    RequestBody body = RequestBody.of(ctx, Set.of("email", "password"));
    String email = body.text("email", 254).strip();
    String password = body.text("password", Passwords.MAX_LENGTH);
    String address = ctx.request().remoteAddress() == null ? "unknown" : ctx.request().remoteAddress().host();
    Optional<Duration> wait = attempts.wait(email, address);
    if (wait.isPresent()) {
      long seconds = Math.max(1, wait.get().toSeconds() + (wait.get().toMillisPart() > 0 ? 1 : 0));
      ctx.response().putHeader("Retry-After", Long.toString(seconds));
      return Future.failedFuture(new ApiError(429, null, "too many attempts; try again in " + seconds + " seconds"));
    }
    return researchers.findWithPassword(email)
        .compose(found -> vertx.executeBlocking(() -> {
          if (found.isEmpty()) {
            Passwords.verifyNothing(password);
            return Optional.<Researchers.Researcher>empty();
          }
          return Passwords.verify(password, found.get().passwordHash())
              ? Optional.of(found.get().researcher()) : Optional.<Researchers.Researcher>empty();
        }, false))
        .compose(researcher -> {
          if (researcher.isEmpty()) {
            attempts.failed(email, address);
            return Future.failedFuture(ApiError.unauthorized("the email or password is wrong"));
          }
          attempts.succeeded(email);
          Researchers.Researcher r = researcher.get();
          return startSession(ctx, r.id(), r.email(), r.admin());
        });
  }

  private Future<JsonObject> startSession(RoutingContext ctx, String researcherId, String email, boolean admin) {
    return sessions.start(researcherId).map(started -> {
      ctx.response().addCookie(authentication.sessionCookie(started.cookieValue(), BrowserSessions.LIFETIME));
      return new JsonObject().put("researcher", researcherJson(researcherId, email, admin))
          .put("csrfToken", started.csrfToken());
    });
  }

  /** Ends the cookie's session (its CSRF token is required while it lives) and clears the cookie; 204 either way. */
  private void logout(RoutingContext ctx) {
    Cookie cookie = ctx.request().getCookie(Authentication.COOKIE);
    Future<Void> ended = cookie == null ? Future.succeededFuture() : sessions.find(cookie.getValue())
        .compose(caller -> {
          if (caller.isPresent() && !Authentication.csrfMatches(ctx, caller.get())) {
            return Future.failedFuture(ApiError.forbidden("missing or wrong CSRF token: send the csrfToken of your "
                + "session in the " + Authentication.CSRF_HEADER + " header"));
          }
          return sessions.end(cookie.getValue());
        });
    ended.onSuccess(ignored -> ctx.response()
            .addCookie(authentication.sessionCookie("", Duration.ZERO))
            .setStatusCode(204).end())
        .onFailure(ctx::fail);
  }

  private Future<JsonObject> addResearcher(RoutingContext ctx) {
    RequestBody body = RequestBody.of(ctx, Set.of("email", "role", "password"));
    String email = Researchers.checkEmail(body.text("email", 254));
    Researchers.Role role = Researchers.Role.parse(body.text("role", 20));
    String chosen = body.optionalText("password", Passwords.MAX_LENGTH);
    if (chosen != null && Passwords.problem(chosen) != null) {
      throw ApiError.badRequest("password", Passwords.problem(chosen));
    }
    String password = chosen != null ? chosen : Passwords.generate();
    return vertx.executeBlocking(() -> Passwords.hash(password), false)
        .compose(hash -> researchers.create(email, role, hash))
        .map(created -> {
          ctx.response().setStatusCode(201);
          JsonObject json = new JsonObject().put("id", created.id()).put("email", created.email())
              .put("role", created.role().wire());
          return chosen == null ? json.put("password", password) : json;
        });
  }

  private Future<JsonObject> membersJson(String studyId) {
    // An admin may name a study that does not exist: it answers 404 like for anyone else.
    return studies.get(studyId).compose(study -> access.members(studyId))
        .map(list -> new JsonObject().put("members", new JsonArray(list.stream().map(m -> new JsonObject()
            .put("id", m.researcherId()).put("email", m.email())
            .put("role", m.role().name().toLowerCase())).toList())));
  }

  static JsonObject sessionJson(Caller caller) {
    if (!caller.isResearcher()) {
      return new JsonObject().put("role", "participant").put("participantId", caller.participantId())
          .put("studyId", caller.studyId());
    }
    return new JsonObject().put("role", "researcher")
        .put("researcher", researcherJson(caller.researcherId(), caller.email(), caller.admin()))
        .put("csrfToken", caller.csrfToken());
  }

  private static JsonObject researcherJson(String id, String email, boolean admin) {
    return new JsonObject().put("id", id).put("email", email).put("role", admin ? "admin" : "researcher");
  }

  static Future<Caller> researcher(RoutingContext ctx) {
    Caller caller = Authentication.caller(ctx);
    return caller != null && caller.isResearcher() ? Future.succeededFuture(caller)
        : Future.failedFuture(ApiError.forbidden("this needs a researcher account"));
  }

  private static Future<Caller> admin(RoutingContext ctx) {
    return researcher(ctx).compose(caller -> caller.admin() ? Future.succeededFuture(caller)
        : Future.failedFuture(ApiError.forbidden("only an admin can manage researcher accounts")));
  }

  /** Runs a handler body so that a refusal thrown while reading the request becomes a failed future. */
  private static <T> Future<T> attempt(java.util.function.Supplier<Future<T>> body) {
    try {
      return body.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  private static String iso(OffsetDateTime time) {
    return time == null ? null : time.toInstant().toString();
  }
}
