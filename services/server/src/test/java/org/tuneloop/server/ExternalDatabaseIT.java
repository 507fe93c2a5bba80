package org.tuneloop.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.tuneloop.eventstore.DatabaseAddress;
import org.tuneloop.eventstore.testing.TestDatabases;

/**
 * `./study migrate --db URL`, then `./study serve --db URL`, on an empty database of the test server (the external
 * PostgreSQL of TUNELOOP_TEST_DB_URL when set, else the embedded one): the app connects as the restricted role.
 */
class ExternalDatabaseIT {
  // The role is cluster-wide: the password the other tests on this server use.
  private static final String APP_PASSWORD = TestDatabases.APP_ROLE.password();

  @Test
  void migratesAnEmptyDatabaseAndServesFromIt() throws Exception {
    TestDatabases.Server server = TestDatabases.preferred();
    String name = "tuneloop_cli_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (Connection c = TestDatabases.connect(server.owner()); Statement s = c.createStatement()) {
      s.execute("create database " + name);
    }
    DatabaseAddress owner = server.owner().database(name);
    String url = "postgresql://" + enc(owner.user()) + ":" + enc(owner.password() == null ? "" : owner.password())
        + "@" + owner.host() + ":" + owner.port() + "/" + name;
    Path work = Files.createTempDirectory("tuneloop-external-");
    try {
      ServerProcess.Result migrated = ServerProcess.study(work, "migrate", "--db", url, "--app-password", APP_PASSWORD);
      assertThat(migrated.exitCode()).as(migrated.output()).isZero();
      long migrations;
      try (var files = Files.list(ServerProcess.repositoryRoot().resolve("db/migration"))) {
        migrations = files.filter(f -> f.getFileName().toString().matches("V\\d+__.*\\.sql")).count();
      }
      assertThat(migrations).isPositive();
      assertThat(migrated.output()).contains("Applied " + migrations + " migration(s)");
      assertThat(ServerProcess.study(work, "migrate", "--db", url, "--app-password", APP_PASSWORD).output()).contains("Applied 0 migration(s)");

      try (ServerProcess serve = ServerProcess.start(work, "--db", url, "--app-password", APP_PASSWORD)) {
        assertThat(serve.output()).noneMatch(l -> l.contains("embedded"));
        Api participant = new Api(serve.url(), serve.participantToken());
        JsonObject session = participant.startTraining(serve.participantId(),
            new JsonObject().put("baseNote", 55).put("scale", "minor").put("length", 4).put("tempo", 140));
        assertThat(participant.rate(serve.participantId(), session, 6).status()).isEqualTo(200);
        assertThat(Db.count(url, "select count(*) from events where type = 'TrackRated'")).isEqualTo(1);
        // The server's own connections use the application role, never the owner.
        assertThat(Db.count(url, "select count(*) from pg_stat_activity where datname = '" + name
            + "' and usename = 'tuneloop_app'")).isPositive();
        ServerProcess.Result audit = ServerProcess.study(work, "audit", "verify", "--db", url, "--app-password", APP_PASSWORD);
        assertThat(audit.exitCode()).as(audit.output()).isZero();
      }
    } finally {
      ServerProcess.deleteFolder(work);
      try (Connection c = TestDatabases.connect(server.owner()); Statement s = c.createStatement()) {
        s.execute("drop database if exists " + name + " with (force)");
      } catch (SQLException ignored) {
        // best effort
      }
    }
  }

  @Test
  void anUnreachableDatabaseIsReportedInOneSentenceWithoutAStackTrace() throws Exception {
    Path work = Files.createTempDirectory("tuneloop-unreachable-");
    try {
      ServerProcess.Result r = ServerProcess.study(work, "migrate", "--db", "postgresql://nobody:x@127.0.0.1:1/none",
          "--app-password", "any");
      assertThat(r.exitCode()).isEqualTo(2);
      assertThat(r.output()).startsWith("study migrate: ").contains("refused").doesNotContain("\tat ");
    } finally {
      ServerProcess.deleteFolder(work);
    }
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

}
