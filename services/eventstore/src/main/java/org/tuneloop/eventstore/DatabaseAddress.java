package org.tuneloop.eventstore;

import io.vertx.pgclient.PgConnectOptions;

/** Where a PostgreSQL database is and who connects to it. */
public record DatabaseAddress(String host, int port, String database, String user, String password) {

  /** Parses postgresql://user:password@host:port/database (also accepts the jdbc:postgresql:// form). */
  public static DatabaseAddress parse(String url) { throw new UnsupportedOperationException("contract stub"); }

  public String jdbcUrl() { throw new UnsupportedOperationException("contract stub"); }

  public PgConnectOptions connectOptions() { throw new UnsupportedOperationException("contract stub"); }

  /** The same database, reached as another role. */
  public DatabaseAddress as(String user, String password) { return new DatabaseAddress(host, port, database, user, password); }

  /** The same server, another database. */
  public DatabaseAddress database(String name) { return new DatabaseAddress(host, port, name, user, password); }

  /** Without the password, for logs. */
  @Override public String toString() { return "postgresql://" + user + "@" + host + ":" + port + "/" + database; }
}
