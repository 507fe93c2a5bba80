package org.tuneloop.server;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Bearer tokens: 256 random bits, handed out once, stored as SHA-256 hashes. */
public final class AccessTokens {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Pool pool;
  private final Map<String, Caller> cache = new ConcurrentHashMap<>();

  public AccessTokens(Pool pool) {
    this.pool = pool;
  }

  /** Who a request comes from. */
  public record Caller(Role role, String participantId, String studyId) {
    public boolean isResearcher() { return role == Role.RESEARCHER; }
  }

  public enum Role { PARTICIPANT, RESEARCHER }

  public Future<String> issueParticipant(String participantId, String studyId) {
    return issue(new Caller(Role.PARTICIPANT, participantId, studyId));
  }

  public Future<String> issueResearcher(String studyId) {
    return issue(new Caller(Role.RESEARCHER, null, studyId));
  }

  /** A participant's token, written by the given client (inside an enrolment's transaction). */
  static Future<String> issueParticipantIn(io.vertx.sqlclient.SqlClient client, String participantId, String studyId) {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    return client.preparedQuery("insert into access_tokens (token_sha256, role, participant_id, study_id)"
            + " values ($1, 'participant', $2, $3)")
        .execute(Tuple.of(Buffer.buffer(sha256(token)), participantId, studyId))
        .map(ignored -> token);
  }

  private Future<String> issue(Caller caller) {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    return pool.preparedQuery("insert into access_tokens (token_sha256, role, participant_id, study_id) values ($1, $2, $3, $4)")
        .execute(Tuple.of(Buffer.buffer(sha256(token)), caller.role().name().toLowerCase(), caller.participantId(),
            caller.studyId()))
        .map(ignored -> token);
  }

  public Future<Optional<Caller>> find(String token) {
    if (token == null || token.length() < 20 || token.length() > 100) {
      return Future.succeededFuture(Optional.empty());
    }
    Caller cached = cache.get(token);
    if (cached != null) {
      return Future.succeededFuture(Optional.of(cached));
    }
    return pool.preparedQuery("select role, participant_id, study_id from access_tokens where token_sha256 = $1")
        .execute(Tuple.of(Buffer.buffer(sha256(token))))
        .map(rows -> {
          if (rows.size() == 0) {
            return Optional.<Caller>empty();
          }
          Row row = rows.iterator().next();
          Caller caller = new Caller(Role.valueOf(row.getString("role").toUpperCase()), row.getString("participant_id"),
              row.getString("study_id"));
          cache.put(token, caller);
          return Optional.of(caller);
        });
  }

  private static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
