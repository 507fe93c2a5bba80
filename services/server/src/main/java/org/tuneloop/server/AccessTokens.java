package org.tuneloop.server;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

/**
 * Participant bearer tokens: 256 random bits, handed out once, stored as SHA-256 hashes. Researchers use accounts
 * instead ({@link ApiTokens}, {@link BrowserSessions}).
 */
public final class AccessTokens {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Pool pool;
  // Participant tokens are never revoked, so a cached one stays right; the bound only caps memory.
  private final Cache<String, Caller> cache = Caffeine.newBuilder().maximumSize(50_000)
      .expireAfterAccess(Duration.ofHours(1)).build();

  public AccessTokens(Pool pool) {
    this.pool = pool;
  }

  /**
   * Who a request comes from: a participant (participantId, studyId) or a researcher account (researcherId, email,
   * admin), and how they authenticated.
   */
  public record Caller(Role role, String participantId, String studyId, String researcherId, String email,
                       boolean admin, Via via) {
    public static Caller participant(String participantId, String studyId) {
      return new Caller(Role.PARTICIPANT, participantId, studyId, null, null, false, new Via.Bearer(null));
    }

    public static Caller researcher(String researcherId, String email, boolean admin, Via via) {
      return new Caller(Role.RESEARCHER, null, null, researcherId, email, admin, via);
    }

    public boolean isResearcher() { return role == Role.RESEARCHER; }

    /** The token a cookie session must echo in X-CSRF-Token on changes; null for bearer callers. */
    public String csrfToken() { return via instanceof Via.Cookie cookie ? cookie.csrfToken() : null; }
  }

  public enum Role { PARTICIPANT, RESEARCHER }

  /** How the caller proved who they are. */
  public sealed interface Via {
    /** The browser session cookie; changes must carry this CSRF token. */
    record Cookie(String csrfToken) implements Via {}

    /** Authorization: Bearer; tokenId names a researcher's API token (null for participant tokens). */
    record Bearer(String tokenId) implements Via {}
  }

  /** A participant's token, written by the given client (inside an enrolment's transaction). */
  static Future<String> issueParticipantIn(io.vertx.sqlclient.SqlClient client, String participantId, String studyId) {
    String token = newSecret();
    return client.preparedQuery("insert into access_tokens (token_sha256, role, participant_id, study_id) "
            + "values ($1, 'participant', $2, $3)")
        .execute(Tuple.of(Buffer.buffer(sha256(token)), participantId, studyId))
        .map(ignored -> token);
  }

  public Future<String> issueParticipant(String participantId, String studyId) {
    String token = newSecret();
    return pool.preparedQuery("insert into access_tokens (token_sha256, role, participant_id, study_id) "
            + "values ($1, 'participant', $2, $3)")
        .execute(Tuple.of(Buffer.buffer(sha256(token)), participantId, studyId))
        .map(ignored -> token);
  }

  public Future<Optional<Caller>> find(String token) {
    if (token == null || token.length() < 20 || token.length() > 100) {
      return Future.succeededFuture(Optional.empty());
    }
    Caller cached = cache.getIfPresent(token);
    if (cached != null) {
      return Future.succeededFuture(Optional.of(cached));
    }
    return pool.preparedQuery("select participant_id, study_id from access_tokens "
            + "where token_sha256 = $1 and role = 'participant'")
        .execute(Tuple.of(Buffer.buffer(sha256(token))))
        .map(rows -> {
          if (rows.size() == 0) {
            return Optional.<Caller>empty();
          }
          Row row = rows.iterator().next();
          Caller caller = Caller.participant(row.getString("participant_id"), row.getString("study_id"));
          cache.put(token, caller);
          return Optional.of(caller);
        });
  }

  /** 256 random bits, URL-safe. */
  static String newSecret() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
