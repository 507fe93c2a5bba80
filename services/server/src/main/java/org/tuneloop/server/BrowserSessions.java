package org.tuneloop.server;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.tuneloop.server.AccessTokens.Caller;

/**
 * Researchers' browser sessions. The cookie holds a random secret; the database holds its SHA-256 hash, the
 * session's CSRF token and its times. Every request reads the row, so logging out ends the session at once on
 * every server process.
 */
public final class BrowserSessions {
  /** A session ends this long after login, whatever happens. */
  public static final Duration LIFETIME = Duration.ofHours(12);
  /** ... and earlier when unused for this long. */
  public static final Duration IDLE = Duration.ofHours(2);

  private final Pool pool;

  public BrowserSessions(Pool pool) {
    this.pool = pool;
  }

  /** A new session: the cookie's value (shown only to the browser) and the CSRF token. */
  public record Started(String cookieValue, String csrfToken) {}

  public Future<Started> start(String researcherId) {
    String secret = AccessTokens.newSecret();
    String csrf = AccessTokens.newSecret();
    // Expired sessions of this researcher go at the same time, so the table does not grow without end.
    return pool.preparedQuery("delete from researcher_sessions where researcher_id = $1 "
            + "and (expires_at < now() or last_seen_at < now() - make_interval(secs => $2))")
        .execute(Tuple.of(UUID.fromString(researcherId), (double) IDLE.toSeconds()))
        .compose(ignored -> pool.preparedQuery("insert into researcher_sessions "
                + "(token_sha256, researcher_id, csrf_token, expires_at) "
                + "values ($1, $2, $3, now() + make_interval(secs => $4))")
            .execute(Tuple.of(Buffer.buffer(AccessTokens.sha256(secret)), UUID.fromString(researcherId), csrf,
                (double) LIFETIME.toSeconds())))
        .map(ignored -> new Started(secret, csrf));
  }

  /** The researcher of a live session, marking it as seen now. */
  public Future<Optional<Caller>> find(String cookieValue) {
    if (cookieValue == null || cookieValue.length() < 20 || cookieValue.length() > 100) {
      return Future.succeededFuture(Optional.empty());
    }
    return pool.preparedQuery("update researcher_sessions s set last_seen_at = now() from researchers r "
            + "where s.token_sha256 = $1 and r.id = s.researcher_id and s.expires_at > now() "
            + "and s.last_seen_at > now() - make_interval(secs => $2) "
            + "returning r.id, r.email, r.role, s.csrf_token")
        .execute(Tuple.of(Buffer.buffer(AccessTokens.sha256(cookieValue)), (double) IDLE.toSeconds()))
        .map(rows -> {
          if (rows.size() == 0) {
            return Optional.empty();
          }
          Row row = rows.iterator().next();
          return Optional.of(Caller.researcher(row.getUUID("id").toString(), row.getString("email"),
              "admin".equals(row.getString("role")), new AccessTokens.Via.Cookie(row.getString("csrf_token"))));
        });
  }

  public Future<Void> end(String cookieValue) {
    if (cookieValue == null || cookieValue.length() > 100) {
      return Future.succeededFuture();
    }
    return pool.preparedQuery("delete from researcher_sessions where token_sha256 = $1")
        .execute(Tuple.of(Buffer.buffer(AccessTokens.sha256(cookieValue))))
        .mapEmpty();
  }
}
