package org.tuneloop.eventstore;

import java.util.Map;
import java.util.regex.Pattern;
import org.flywaydb.core.Flyway;

/** Flyway over db/migration, run as the owner; creates or updates the application role. */
public final class Migrations {
  private Migrations() {}

  /** Where the migrations ship: db/ at the repository root is packaged into this module's jar. */
  public static final String LOCATION = "classpath:db/migration";

  // The role name goes into SQL unquoted, so only plain lower-case identifiers are accepted.
  private static final Pattern ROLE_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
  // The dollar-quote tag of the DO block in V1; a password containing it would end the block.
  private static final String DO_BLOCK_TAG = "$app_role$";

  /** The role the application connects as: SELECT and INSERT on events, nothing more. */
  public record AppRole(String user, String password) {
    public static AppRole defaults() { return new AppRole("tuneloop_app", "tuneloop_app"); }

    public AppRole {
      if (user == null || !ROLE_NAME.matcher(user).matches()) {
        throw new IllegalArgumentException("application role must match " + ROLE_NAME.pattern() + ": " + user);
      }
      if (password == null || password.isEmpty() || password.contains(DO_BLOCK_TAG) || password.indexOf('\0') >= 0) {
        throw new IllegalArgumentException("application role password must be non-empty, without NUL or " + DO_BLOCK_TAG);
      }
    }

    /** Without the password, for logs. */
    @Override public String toString() { return "AppRole[" + user + "]"; }
  }

  /** Migrates the database to the newest version; returns the number of migrations applied. */
  public static int migrate(DatabaseAddress owner, AppRole appRole) {
    return Flyway.configure()
        .dataSource(owner.jdbcUrl(), owner.user(), owner.password())
        .locations(LOCATION)
        .placeholders(Map.of(
            "appRole", appRole.user(),
            // The password lands inside an SQL string literal: double its quotes.
            "appPassword", appRole.password().replace("'", "''")))
        .load()
        .migrate()
        .migrationsExecuted;
  }
}
