package org.tuneloop.eventstore.testing;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.tuneloop.eventstore.DatabaseAddress;
import org.tuneloop.eventstore.EmbeddedDatabase;
import org.tuneloop.eventstore.Migrations;

/**
 * The database a test runs on (docs/architecture.md): an external server from {@value #URL_VARIABLE}, else
 * Testcontainers when a Docker engine answers, else one embedded PostgreSQL shared by the JVM. Each test class asks
 * for a fresh database, migrated with {@link Migrations}, and closes it when done. Shared through this module's
 * test-jar, so other modules' tests run on the same choice.
 */
public final class TestDatabases {
  private TestDatabases() {}

  /** An owner (superuser) URL, e.g. postgresql://postgres:postgres@localhost:5432/postgres. */
  public static final String URL_VARIABLE = "TUNELOOP_TEST_DB_URL";

  /** The role every test database grants to, as the product does, with a fixed password given explicitly. */
  public static final Migrations.AppRole APP_ROLE = Migrations.AppRole.withPassword("tuneloop_test_app");

  /** A PostgreSQL server on which tests may create databases, reached as a superuser. */
  public record Server(String name, DatabaseAddress owner) {
    /** The name only: it titles parameterised test runs, and the address would show a password. */
    @Override public String toString() { return name; }
  }

  /** A fresh, migrated database on a server; closing it drops it. */
  public record TestDatabase(Server server, String name, DatabaseAddress owner, DatabaseAddress app)
      implements AutoCloseable {

    /** A plain JDBC connection as the owner, for set-up and inspection that the product never does. */
    public Connection ownerConnection() throws SQLException { return connect(owner); }

    /** A plain JDBC connection as the application role. */
    public Connection appConnection() throws SQLException { return connect(app); }

    /** A vertx-pg-client pool as the application role, as the product connects. */
    public Pool appPool(Vertx vertx, int maxSize) {
      return PgBuilder.pool()
          .with(new PoolOptions().setMaxSize(maxSize))
          .connectingTo(app.connectOptions())
          .using(vertx)
          .build();
    }

    @Override public void close() {
      try (Connection c = connect(server.owner()); Statement s = c.createStatement()) {
        s.execute("drop database if exists " + name + " with (force)");
      } catch (SQLException e) {
        throw new IllegalStateException("could not drop test database " + name, e);
      }
    }

    @Override public String toString() { return name + " on " + server.name(); }
  }

  /** The server chosen in the order docs/architecture.md gives: external, Testcontainers (when Docker answers), embedded. */
  public static synchronized Server preferred() {
    Optional<Server> external = external();
    if (external.isPresent()) return external.get();
    if (Containers.dockerAnswers()) return Containers.server();
    return embedded();
  }

  /** A fresh database on the {@link #preferred()} server. */
  public static TestDatabase fresh() { return create(preferred()); }

  /**
   * The servers the event-store tests run on: the embedded one always, and the external one when
   * {@value #URL_VARIABLE} is set. On CI (CI=true) a missing external server is an error, not a skip.
   */
  public static Stream<Server> eventStoreBackends() {
    List<Server> servers = new ArrayList<>();
    servers.add(embedded());
    Optional<Server> external = external();
    if (external.isPresent()) {
      servers.add(external.get());
    } else if (onCi()) {
      throw missingOnCi();
    }
    return servers.stream();
  }

  /**
   * The external server, for a test that needs the machine's PostgreSQL: under CI=true its absence is a failure,
   * elsewhere the test is skipped (the embedded server cannot stand in, e.g. for pg_dump or stopping it).
   */
  public static Server externalRequired() {
    Optional<Server> external = external();
    if (external.isEmpty() && onCi()) {
      throw missingOnCi();
    }
    org.junit.jupiter.api.Assumptions.assumeTrue(external.isPresent(), URL_VARIABLE + " not set");
    return external.get();
  }

  private static boolean onCi() {
    return "true".equalsIgnoreCase(System.getenv("CI"));
  }

  private static IllegalStateException missingOnCi() {
    return new IllegalStateException("CI=true but " + URL_VARIABLE + " is not set: .ci/run must start the machine's"
        + " PostgreSQL 15 and export its owner URL, so the tests that need a real server run on it");
  }

  /** The external server from {@value #URL_VARIABLE}, if set. */
  public static Optional<Server> external() {
    String url = System.getenv(URL_VARIABLE);
    if (url == null || url.isBlank()) return Optional.empty();
    return Optional.of(new Server("external", DatabaseAddress.parse(url)));
  }

  private static Server embeddedServer;

  /** One embedded PostgreSQL per JVM, in a temporary folder removed at exit. */
  public static synchronized Server embedded() {
    if (embeddedServer == null) {
      try {
        Path folder = Files.createTempDirectory("tuneloop-test-pg");
        EmbeddedDatabase database = EmbeddedDatabase.start(folder.resolve("data"));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          database.close();
          deleteRecursively(folder);
        }, "tuneloop-test-pg-stop"));
        embeddedServer = new Server("embedded", database.owner());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return embeddedServer;
  }

  /** Creates a database with a random name on the server and migrates it as the owner. */
  public static TestDatabase create(Server server) {
    String name = "tuneloop_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16)
        .toLowerCase(Locale.ROOT);
    try (Connection c = connect(server.owner()); Statement s = c.createStatement()) {
      s.execute("create database " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("could not create a test database on " + server.owner(), e);
    }
    DatabaseAddress owner = server.owner().database(name);
    migrate(owner);
    return new TestDatabase(server, name, owner, owner.as(APP_ROLE.user(), APP_ROLE.password()));
  }

  // Roles are cluster-wide: two migrations altering the same role at once may collide, so one at a time per JVM.
  private static synchronized void migrate(DatabaseAddress owner) {
    Migrations.migrate(owner, APP_ROLE);
  }

  public static Connection connect(DatabaseAddress address) throws SQLException {
    return DriverManager.getConnection(address.jdbcUrl(), address.user(), address.password());
  }

  private static void deleteRecursively(Path folder) {
    try (Stream<Path> paths = Files.walk(folder)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort at JVM exit
    }
  }

  /** Kept apart so that a module without Testcontainers on its test classpath never loads its classes. */
  private static final class Containers {
    private static Boolean answers;
    private static Server server;

    static synchronized boolean dockerAnswers() {
      if (answers == null && !dockerConfigured()) answers = false;
      if (answers == null) {
        try {
          Class.forName("org.testcontainers.DockerClientFactory");
          answers = org.testcontainers.DockerClientFactory.instance().isDockerAvailable();
        } catch (ClassNotFoundException | LinkageError e) {
          answers = false;
        }
      }
      return answers;
    }

    /** Testcontainers' own probe takes over a second and logs an ERROR when no engine runs: skip it when nothing points at one. */
    private static boolean dockerConfigured() {
      String home = System.getProperty("user.home", "");
      return System.getenv("DOCKER_HOST") != null
          || Files.exists(Path.of("/var/run/docker.sock"))
          || Files.exists(Path.of(home, ".docker", "run", "docker.sock"))
          || Files.exists(Path.of(home, ".testcontainers.properties"));
    }

    static synchronized Server server() {
      if (server == null) {
        var container = new org.testcontainers.containers.PostgreSQLContainer<>("postgres:16-alpine");
        container.start();
        Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "tuneloop-test-pg-container-stop"));
        server = new Server("container", new DatabaseAddress(container.getHost(),
            container.getMappedPort(5432), container.getDatabaseName(), container.getUsername(),
            container.getPassword()));
      }
      return server;
    }
  }
}
