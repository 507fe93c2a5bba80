package org.tuneloop.server;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.tuneloop.server.AccessTokens.Caller;

/**
 * A researcher's named API tokens, for the command line and scripts. A token is shown once and stored as its
 * SHA-256 hash; every request reads its row (no cache), so a revoked token stops working at once everywhere.
 */
public final class ApiTokens {
  /** Marks researcher API tokens, so a bearer token is looked up in one table only. */
  public static final String PREFIX = "tlr_";

  private final Pool pool;

  public ApiTokens(Pool pool) {
    this.pool = pool;
  }

  public record Issued(String id, String name, OffsetDateTime createdAt, String token) {}

  public record Listed(String id, String name, OffsetDateTime createdAt, OffsetDateTime lastUsedAt,
                       OffsetDateTime revokedAt) {}

  public static boolean looksLikeOne(String token) {
    return token != null && token.startsWith(PREFIX);
  }

  public Future<Issued> issue(String researcherId, String name) {
    String token = PREFIX + AccessTokens.newSecret();
    UUID id = UUID.randomUUID();
    return pool.preparedQuery("insert into api_tokens (id, researcher_id, name, token_sha256) values ($1, $2, $3, $4) "
            + "returning created_at")
        .execute(Tuple.of(id, UUID.fromString(researcherId), name, Buffer.buffer(AccessTokens.sha256(token))))
        .map(rows -> new Issued(id.toString(), name, rows.iterator().next().getOffsetDateTime("created_at"), token));
  }

  /** The researcher owning a live token, marking it as used now. */
  public Future<Optional<Caller>> find(String token) {
    if (!looksLikeOne(token) || token.length() > 100) {
      return Future.succeededFuture(Optional.empty());
    }
    return pool.preparedQuery("update api_tokens t set last_used_at = now() from researchers r "
            + "where t.token_sha256 = $1 and t.revoked_at is null and r.id = t.researcher_id "
            + "returning t.id as token_id, r.id, r.email, r.role")
        .execute(Tuple.of(Buffer.buffer(AccessTokens.sha256(token))))
        .map(rows -> {
          if (rows.size() == 0) {
            return Optional.empty();
          }
          Row row = rows.iterator().next();
          return Optional.of(Caller.researcher(row.getUUID("id").toString(), row.getString("email"),
              "admin".equals(row.getString("role")), new AccessTokens.Via.Bearer(row.getUUID("token_id").toString())));
        });
  }

  public Future<List<Listed>> list(String researcherId) {
    return pool.preparedQuery("select id, name, created_at, last_used_at, revoked_at from api_tokens "
            + "where researcher_id = $1 order by created_at, name")
        .execute(Tuple.of(UUID.fromString(researcherId)))
        .map(rows -> {
          List<Listed> all = new ArrayList<>();
          for (Row row : rows) {
            all.add(new Listed(row.getUUID("id").toString(), row.getString("name"),
                row.getOffsetDateTime("created_at"), row.getOffsetDateTime("last_used_at"),
                row.getOffsetDateTime("revoked_at")));
          }
          return all;
        });
  }

  /** Revokes one of the researcher's own tokens; false when they have no token with this id. */
  public Future<Boolean> revoke(String researcherId, String tokenId) {
    UUID id;
    try {
      id = UUID.fromString(tokenId);
    } catch (IllegalArgumentException e) {
      return Future.succeededFuture(false);
    }
    return pool.preparedQuery("update api_tokens set revoked_at = coalesce(revoked_at, now()) "
            + "where id = $1 and researcher_id = $2")
        .execute(Tuple.of(id, UUID.fromString(researcherId)))
        .map(rows -> rows.rowCount() > 0);
  }
}
