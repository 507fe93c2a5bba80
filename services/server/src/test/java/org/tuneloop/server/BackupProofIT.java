package org.tuneloop.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tuneloop.server.InProcessServer.await;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.tuneloop.eventstore.DatabaseAddress;
import org.tuneloop.eventstore.testing.TestDatabases;
import org.tuneloop.eventstore.testing.TestDatabases.TestDatabase;
import org.tuneloop.server.InProcessServer.As;

/**
 * The backup proof (docs/operations.md, "Backing up and restoring"): a study's database, with participants who
 * rated, dumped with pg_dump, restored into a new database, and `./study audit verify --db` passes there with the
 * same events. On the machine's PostgreSQL 15 with its own client tools (the embedded server is 16 and ships no
 * pg_dump).
 */
@ExtendWith(VertxExtension.class)
class BackupProofIT {
  private static final Path TOOLS = Path.of("/usr/lib/postgresql/15/bin");
  private static final String PILOT = StudyCommand.resource("/protocols/pilot-training-only.yaml");
  @TempDir Path folder;

  @Test
  @Timeout(180)
  void aDumpedStudyRestoredIntoANewDatabasePassesTheAudit(Vertx vertx) throws Exception {
    TestDatabases.Server external = TestDatabases.externalRequired();
    String restoredName = "tuneloop_restored_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (TestDatabase database = TestDatabases.create(external)) {
      long ratings = studyWithRatings(vertx, database);
      long events = InProcessServer.count(database, "select count(*) from events");

      long started = System.nanoTime();
      Path dump = folder.resolve("study.dump");
      run(database.owner(), TOOLS.resolve("pg_dump").toString(), "--format=custom", "--file=" + dump,
          "--host=" + database.owner().host(), "--port=" + database.owner().port(),
          "--username=" + database.owner().user(), database.name());
      try (Connection c = TestDatabases.connect(external.owner()); Statement s = c.createStatement()) {
        s.execute("create database " + restoredName);
      }
      DatabaseAddress restored = external.owner().database(restoredName);
      run(restored, TOOLS.resolve("pg_restore").toString(), "--exit-on-error", "--host=" + restored.host(),
          "--port=" + restored.port(), "--username=" + restored.user(), "--dbname=" + restoredName, dump.toString());
      long tookMillis = (System.nanoTime() - started) / 1_000_000;

      long restoredEvents = Db.count(CrashProofIT.url(restored), "select count(*) from events");
      ServerProcess.Result audit = ServerProcess.study(folder, "audit", "verify", "--db", CrashProofIT.url(restored),
          "--app-password", TestDatabases.APP_ROLE.password());
      System.out.printf("backup proof: %d events (%d ratings) dumped (%d bytes) and restored in %d ms; %d events in"
              + " the restored database; audit verify exit %d%n",
          events, ratings, Files.size(dump), tookMillis, restoredEvents, audit.exitCode());
      assertThat(restoredEvents).isEqualTo(events);
      assertThat(audit.exitCode()).as(audit.output()).isZero();
      assertThat(audit.output()).contains("OK");
    } finally {
      try (Connection c = TestDatabases.connect(external.owner()); Statement s = c.createStatement()) {
        s.execute("drop database if exists " + restoredName + " with (force)");
      }
    }
  }

  /** A study with two participants who rated some tracks, through the API; returns the number of ratings. */
  private static long studyWithRatings(Vertx vertx, TestDatabase database) {
    Pool pool = database.appPool(vertx, 4);
    InProcessServer server = InProcessServer.deploy(vertx, pool, database, "http://localhost");
    Researchers.Researcher owner = await(server.platform.researchers.create(
        "backup-" + UUID.randomUUID().toString().substring(0, 8) + "@example.org", Researchers.Role.RESEARCHER, "unused"));
    As researcher = As.bearer(await(server.platform.apiTokens.issue(owner.id(), "t")).token());
    String study = "backup-" + UUID.randomUUID().toString().substring(0, 8);
    server.post(researcher, "/api/studies", new JsonObject().put("id", study).put("protocol", PILOT));
    server.post(researcher, "/api/studies/" + study + "/open", null);
    for (int p = 0; p < 2; p++) {
      JsonObject joined = server.post(As.nobody(), "/api/studies/" + study + "/join", null).json();
      String path = "/api/participants/" + joined.getString("participantId");
      As participant = As.bearer(joined.getString("token"));
      server.post(participant, path + "/consent", new JsonObject().put("consentVersion", "1.0").put("agree", true));
      JsonObject session = server.post(participant, path + "/parameters", new JsonObject().put("baseNote", 60)
          .put("scale", "major").put("length", 4).put("tempo", 120)).json();
      for (int i = 0; i < 6; i++) {
        JsonObject track = session.getJsonObject("track");
        session = server.post(participant, path + "/ratings", new JsonObject().put("episode", track.getInteger("episode"))
            .put("step", track.getInteger("step")).put("rating", 3 + i)).json();
      }
    }
    return InProcessServer.count(database, "select count(*) from events where type = 'TrackRated'");
  }

  private static void run(DatabaseAddress as, String... command) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(List.of(command)).redirectErrorStream(true);
    builder.environment().put("PGPASSWORD", as.password());
    Process p = builder.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", command) + "\n" + out).isZero();
  }
}
