package org.tuneloop.server;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.tuneloop.eventstore.DatabaseAddress;

/** Direct SQL as the database owner, to check what is stored and to tamper behind the application's back. */
public final class Db {
  private Db() {}

  public static Connection owner(String url) throws SQLException {
    DatabaseAddress a = DatabaseAddress.parse(url);
    return DriverManager.getConnection(a.jdbcUrl(), a.user(), a.password());
  }

  public static long count(String url, String sql) throws SQLException {
    try (Connection c = owner(url); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
      r.next();
      return r.getLong(1);
    }
  }
}
