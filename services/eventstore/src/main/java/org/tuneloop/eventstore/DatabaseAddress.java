package org.tuneloop.eventstore;

import io.vertx.pgclient.PgConnectOptions;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Where a PostgreSQL database is and who connects to it. */
public record DatabaseAddress(String host, int port, String database, String user, String password) {

  public static final int DEFAULT_PORT = 5432;
  public static final String DEFAULT_USER = "postgres";

  /**
   * Parses postgresql://user:password@host:port/database (also postgres:// and the
   * jdbc:postgresql://host:port/database?user=..&password=.. form). User and password are URL-decoded;
   * query parameters user and password win over the user-info part. Defaults: port 5432, user postgres,
   * empty password, database named like the user (as libpq does).
   */
  public static DatabaseAddress parse(String url) {
    if (url == null) throw new IllegalArgumentException("no database URL");
    String rest = url.strip();
    String lower = rest.toLowerCase(java.util.Locale.ROOT);
    if (lower.startsWith("jdbc:")) {
      rest = rest.substring(5);
      lower = lower.substring(5);
    }
    if (lower.startsWith("postgresql://")) rest = rest.substring("postgresql://".length());
    else if (lower.startsWith("postgres://")) rest = rest.substring("postgres://".length());
    else throw new IllegalArgumentException("not a postgresql:// URL: " + redact(url));

    String query = "";
    int q = rest.indexOf('?');
    if (q >= 0) {
      query = rest.substring(q + 1);
      rest = rest.substring(0, q);
    }
    // The user info ends at the last '@', so a password may hold an unescaped '/' or '@'.
    String user = null;
    String password = null;
    int at = rest.lastIndexOf('@');
    if (at >= 0) {
      String userInfo = rest.substring(0, at);
      rest = rest.substring(at + 1);
      int colon = userInfo.indexOf(':');
      user = decode(colon >= 0 ? userInfo.substring(0, colon) : userInfo);
      password = colon >= 0 ? decode(userInfo.substring(colon + 1)) : null;
    }
    int slash = rest.indexOf('/');
    String hostPort = slash >= 0 ? rest.substring(0, slash) : rest;
    String database = slash >= 0 ? decode(rest.substring(slash + 1)) : "";

    String host;
    int port = DEFAULT_PORT;
    String portText = null;
    if (hostPort.startsWith("[")) { // IPv6 literal
      int close = hostPort.indexOf(']');
      if (close < 0) throw new IllegalArgumentException("unclosed IPv6 host in " + redact(url));
      host = hostPort.substring(1, close);
      String after = hostPort.substring(close + 1);
      if (after.startsWith(":")) portText = after.substring(1);
      else if (!after.isEmpty()) throw new IllegalArgumentException("bad host in " + redact(url));
    } else {
      int colon = hostPort.lastIndexOf(':');
      host = colon >= 0 ? hostPort.substring(0, colon) : hostPort;
      if (colon >= 0) portText = hostPort.substring(colon + 1);
    }
    if (host.isEmpty()) host = "localhost";
    if (portText != null && !portText.isEmpty()) {
      try {
        port = Integer.parseInt(portText);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("bad port '" + portText + "' in " + redact(url));
      }
      if (port < 1 || port > 65535) throw new IllegalArgumentException("port out of range in " + redact(url));
    }

    for (String pair : query.split("&")) {
      if (pair.isEmpty()) continue;
      int eq = pair.indexOf('=');
      // Query parameters are form-encoded ('+' is a space), as pgjdbc reads them.
      String key = URLDecoder.decode(eq >= 0 ? pair.substring(0, eq) : pair, StandardCharsets.UTF_8);
      String value = eq >= 0 ? URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8) : "";
      switch (key) {
        case "user" -> user = value;
        case "password" -> password = value;
        default -> { } // sslmode and friends: not ours to interpret
      }
    }
    if (user == null || user.isEmpty()) user = DEFAULT_USER;
    if (password == null) password = "";
    if (database.isEmpty()) database = user;
    return new DatabaseAddress(host, port, database, user, password);
  }

  /** The JDBC URL without credentials (Flyway and JDBC take user and password separately). */
  public String jdbcUrl() {
    String h = host.contains(":") ? "[" + host + "]" : host;
    return "jdbc:postgresql://" + h + ":" + port + "/" + URLEncoder.encode(database, StandardCharsets.UTF_8);
  }

  /** Options for vertx-pg-client's PgBuilder. */
  public PgConnectOptions connectOptions() {
    return new PgConnectOptions()
        .setHost(host)
        .setPort(port)
        .setDatabase(database)
        .setUser(user)
        .setPassword(password);
  }

  /** The same database, reached as another role. */
  public DatabaseAddress as(String user, String password) { return new DatabaseAddress(host, port, database, user, password); }

  /** The same server, another database. */
  public DatabaseAddress database(String name) { return new DatabaseAddress(host, port, name, user, password); }

  /** Without the password, for logs. */
  @Override public String toString() { return "postgresql://" + user + "@" + host + ":" + port + "/" + database; }

  private static String decode(String text) {
    // URLDecoder would turn '+' into a space; in a URL's user info and path '+' is a plus.
    return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  private static String redact(String url) {
    return url.replaceAll("(://[^:/@]*:)[^@]*@", "$1***@").replaceAll("(?i)(password=)[^&]*", "$1***");
  }
}
