package org.tuneloop.eventstore;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.regex.Pattern;
import org.flywaydb.core.Flyway;

/**
 * Flyway over db/migration, run as the owner; creates the application role (V1) and, at every run, gives it the
 * configured password, so that a changed password reaches the role (V1 runs once per database).
 */
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
    /** The role's name; its password is always configured (or generated for the embedded database), never a default. */
    public static final String USER = "tuneloop_app";

    /** The application role with the given password. */
    public static AppRole withPassword(String password) { return new AppRole(USER, password); }

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

  /**
   * Migrates the database to the newest version and sets the application role's password; returns the number of
   * migrations applied.
   */
  public static int migrate(DatabaseAddress owner, AppRole appRole) {
    int applied = Flyway.configure()
        .dataSource(owner.jdbcUrl(), owner.user(), owner.password())
        .locations(LOCATION)
        .placeholders(Map.of(
            "appRole", appRole.user(),
            // The password lands inside an SQL string literal: double its quotes.
            "appPassword", appRole.password().replace("'", "''")))
        .load()
        .migrate()
        .migrationsExecuted;
    applyPassword(owner, appRole);
    return applied;
  }

  /** Gives the application role its password, as the owner. */
  public static void applyPassword(DatabaseAddress owner, AppRole appRole) {
    for (int attempt = 1; ; attempt++) {
      try (Connection c = DriverManager.getConnection(owner.jdbcUrl(), owner.user(), owner.password());
           PreparedStatement format = c.prepareStatement("select format('alter role %I with login password %L', ?, ?)")) {
        format.setString(1, appRole.user());
        format.setString(2, appRole.password());
        try (ResultSet sql = format.executeQuery(); Statement alter = c.createStatement()) {
          sql.next();
          alter.execute(sql.getString(1));
        }
        return;
      } catch (SQLException e) {
        // Roles are cluster-wide: two processes setting the password at once may meet "tuple concurrently updated".
        if (attempt >= 5 || !"XX000".equals(e.getSQLState())) {
          throw new IllegalStateException("could not set the password of the role " + appRole.user() + ": "
              + e.getMessage(), e);
        }
        try {
          Thread.sleep(50L * attempt);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(interrupted);
        }
      }
    }
  }
}
