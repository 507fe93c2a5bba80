package org.tuneloop.server;

import io.vertx.core.Future;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.tuneloop.server.AccessTokens.Caller;

/**
 * Who is calling: a bearer token (a participant's, or a researcher's API token) or a researcher's session cookie.
 * Researcher credentials are read from the database on every request, so an ended session or a revoked token
 * stops working at once. A cookie request that changes something must echo the session's CSRF token.
 */
public final class Authentication {
  public static final String COOKIE = "tuneloop_session";
  public static final String CSRF_HEADER = "X-CSRF-Token";
  /** Where the caller is kept on the routing context (read with {@link #caller}). */
  public static final String CALLER = "caller";
  private static final Set<HttpMethod> CHANGES = Set.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH,
      HttpMethod.DELETE);

  private final AccessTokens participantTokens;
  private final ApiTokens apiTokens;
  private final BrowserSessions sessions;
  private final boolean secureCookie;

  public Authentication(AccessTokens participantTokens, ApiTokens apiTokens, BrowserSessions sessions,
                        boolean secureCookie) {
    this.participantTokens = participantTokens;
    this.apiTokens = apiTokens;
    this.sessions = sessions;
    this.secureCookie = secureCookie;
  }

  public static Caller caller(RoutingContext ctx) {
    return ctx.get(CALLER);
  }

  /** The route handler: puts the caller on the context, or answers 401 (no or dead credentials) or 403 (CSRF). */
  public void handle(RoutingContext ctx) {
    String bearer = bearer(ctx);
    Cookie cookie = ctx.request().getCookie(COOKIE);
    Future<Optional<Caller>> found;
    String refusal;
    if (bearer != null) {
      // A bearer header cannot be sent by another site's page, so it wins over a cookie and needs no CSRF token.
      found = ApiTokens.looksLikeOne(bearer) ? apiTokens.find(bearer) : participantTokens.find(bearer);
      refusal = "this token is not valid";
    } else if (cookie != null) {
      found = sessions.find(cookie.getValue());
      refusal = "your session has ended; please sign in again";
    } else {
      ctx.fail(ApiError.unauthorized("sign in, or send the token from your link as 'Authorization: Bearer <token>'"));
      return;
    }
    found.onSuccess(caller -> {
      if (caller.isEmpty()) {
        ctx.fail(ApiError.unauthorized(refusal));
        return;
      }
      if (CHANGES.contains(ctx.request().method()) && !csrfMatches(ctx, caller.get())) {
        ctx.fail(ApiError.forbidden("missing or wrong CSRF token: send the csrfToken of your session in the "
            + CSRF_HEADER + " header"));
        return;
      }
      ctx.put(CALLER, caller.get());
      ctx.next();
    }).onFailure(ctx::fail);
  }

  /** True for bearer callers, and for cookie callers whose request carries their session's CSRF token. */
  static boolean csrfMatches(RoutingContext ctx, Caller caller) {
    String expected = caller.csrfToken();
    if (!(caller.via() instanceof AccessTokens.Via.Cookie)) {
      return true;
    }
    String sent = ctx.request().getHeader(CSRF_HEADER);
    return expected != null && sent != null && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
        sent.getBytes(StandardCharsets.UTF_8));
  }

  static String bearer(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    return header != null && header.startsWith("Bearer ") ? header.substring("Bearer ".length()).trim() : null;
  }

  /** The session cookie: HttpOnly, SameSite=Strict, whole site, Secure when served over https. */
  Cookie sessionCookie(String value, Duration maxAge) {
    return Cookie.cookie(COOKIE, value).setPath("/").setHttpOnly(true).setSameSite(CookieSameSite.STRICT)
        .setSecure(secureCookie).setMaxAge(maxAge.toSeconds());
  }
}
