package org.tuneloop.server;

import io.vertx.core.Future;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/** Researcher accounts: an email, a role and a password hash. Hashing is the caller's job (it is slow). */
public final class Researchers {
  private final Pool pool;

  public Researchers(Pool pool) {
    this.pool = pool;
  }

  public enum Role {
    ADMIN, RESEARCHER;

    public String wire() { return name().toLowerCase(Locale.ROOT); }

    public static Role parse(String text) {
      for (Role role : values()) {
        if (role.wire().equals(text)) {
          return role;
        }
      }
      throw ApiError.badRequest("role", "'role' must be \"admin\" or \"researcher\", not \"" + text + "\"");
    }
  }

  public record Researcher(String id, String email, Role role, OffsetDateTime createdAt) {
    public boolean admin() { return role == Role.ADMIN; }
  }

  /** An account with its stored password hash, for checking a login. */
  public record WithPassword(Researcher researcher, String passwordHash) {}

  /** The address as typed, trimmed; refused unless it looks like one. */
  public static String checkEmail(String email) {
    String trimmed = email == null ? "" : email.strip();
    if (trimmed.length() < 3 || trimmed.length() > 254 || !trimmed.matches("[^@\\s]+@[^@\\s]+")) {
      throw ApiError.badRequest("email", "'email' must be an email address such as ada@example.org");
    }
    return trimmed;
  }

  public Future<Researcher> create(String email, Role role, String passwordHash) {
    String id = UUID.randomUUID().toString();
    return pool.preparedQuery("insert into researchers (id, email, role, password_hash) values ($1, $2, $3, $4) "
            + "returning id, email, role, created_at")
        .execute(Tuple.of(UUID.fromString(id), email, role.wire(), passwordHash))
        .map(rows -> researcher(rows.iterator().next()))
        .recover(failure -> failure instanceof PgException pg && "23505".equals(pg.getSqlState())
            ? Future.failedFuture(new ApiError(409, "email", "there is already an account for " + email))
            : Future.failedFuture(failure));
  }

  public Future<Optional<WithPassword>> findWithPassword(String email) {
    return pool.preparedQuery("select id, email, role, created_at, password_hash from researchers "
            + "where lower(email) = lower($1)")
        .execute(Tuple.of(email))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(new WithPassword(
            researcher(rows.iterator().next()), rows.iterator().next().getString("password_hash"))));
  }

  public Future<Optional<Researcher>> findByEmail(String email) {
    return findWithPassword(email).map(found -> found.map(WithPassword::researcher));
  }

  public Future<List<Researcher>> list() {
    return pool.query("select id, email, role, created_at from researchers order by created_at, email").execute()
        .map(rows -> {
          List<Researcher> all = new ArrayList<>();
          for (Row row : rows) {
            all.add(researcher(row));
          }
          return all;
        });
  }

  static Researcher researcher(Row row) {
    return new Researcher(row.getUUID("id").toString(), row.getString("email"),
        Role.valueOf(row.getString("role").toUpperCase(Locale.ROOT)), row.getOffsetDateTime("created_at"));
  }
}
