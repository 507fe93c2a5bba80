package org.tuneloop.eventstore;

/** Flyway over db/migration, run as the owner; creates or updates the application role. */
public final class Migrations {
  private Migrations() {}

  /** The role the application connects as: SELECT and INSERT on events, nothing more. */
  public record AppRole(String user, String password) {
    public static AppRole defaults() { return new AppRole("tuneloop_app", "tuneloop_app"); }
  }

  /** Migrates the database to the newest version; returns the number of migrations applied. */
  public static int migrate(DatabaseAddress owner, AppRole appRole) { throw new UnsupportedOperationException("contract stub"); }
}
