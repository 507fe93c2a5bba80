package org.tuneloop.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * `./study serve --demo` as a separate process (docs/reliability.md): its embedded PostgreSQL killed with
 * SIGKILL is noticed and started again by the server itself, requests in between fail fast with 503, and a
 * resent request with its Idempotency-Key is stored once. The same server shows that a webroot/ folder in its
 * working directory is never served and that the demo's secrets file is its owner's only.
 */
@Timeout(240)
class DatabaseRecoveryIT {
  private static final String MARKER = "planted-page-" + UUID.randomUUID();
  /** From the kill to a healthy server: the check interval, leftover cleanup and PostgreSQL's crash recovery. */
  private static final Duration RECOVERY_BUDGET = Duration.ofSeconds(60);

  private static Path workDir;
  private static ServerProcess server;

  @BeforeAll
  static void start() throws Exception {
    workDir = Files.createTempDirectory("tuneloop-recovery");
    Files.createDirectories(workDir.resolve("webroot"));
    Files.writeString(workDir.resolve("webroot/index.html"), "<html>" + MARKER + "</html>");
    Files.writeString(workDir.resolve("webroot/planted.js"), "// " + MARKER);
    server = ServerProcess.start(workDir);
  }

  private static void awaitHealthy() throws InterruptedException {
    long deadline = System.nanoTime() + RECOVERY_BUDGET.toNanos();
    while (new Api(server.url(), null).get("/health").status() != 200 && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.output().stream().filter(l -> l.contains("ERROR") || l.contains("Exception")).limit(40)
          .forEach(System.out::println);
      server.close();
    }
    ServerProcess.deleteFolder(workDir);
  }

  @Test
  void aWebrootFolderInTheWorkingDirectoryIsNeverServed() {
    Api anyone = new Api(server.url(), null);
    for (String path : new String[] {"/", "/index.html", "/planted.js"}) {
      Api.Reply page = anyone.get(path);
      assertThat(page.body()).as(path).doesNotContain(MARKER);
    }
  }

  @Test
  void theEmbeddedDatabaseAsksForAPasswordKeptForItsOwnerOnly() throws Exception {
    awaitHealthy(); // another test of this class may have just killed it
    org.tuneloop.eventstore.DatabaseAddress owner = org.tuneloop.eventstore.DatabaseAddress.parse(server.databaseUrl());
    assertThat(owner.password()).isNotEmpty();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> java.sql.DriverManager.getConnection(owner.jdbcUrl(),
        "postgres", "").close()).isInstanceOf(java.sql.SQLException.class);
    assertThat(Db.count(server.databaseUrl(), "select 1")).isEqualTo(1);
    for (Path file : new Path[] {workDir.resolve("data/app.password"), workDir.resolve("data/postgres/superuser.password")}) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).as(file.toString())
          .isEqualTo("rw-------");
    }
  }

  @Test
  void theDemoLinksFileIsReadableByItsOwnerOnly() throws Exception {
    Path links = workDir.resolve("data/demo-links.json");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(links))).isEqualTo("rw-------");
  }

  @Test
  void aKilledEmbeddedPostgresIsStartedAgainAndAResentRatingIsStoredOnce() throws Exception {
    awaitHealthy();
    Api participant = new Api(server.url(), server.participantToken());
    String id = server.participantId();
    String path = "/api/participants/" + id;
    JsonObject session = participant.session(id);
    if (session.getString("phase").equals("consent")) {
      session = participant.startTraining(id, new JsonObject().put("baseNote", 60).put("scale", "major")
          .put("length", 8).put("tempo", 90));
    }
    JsonObject track = session.getJsonObject("track");
    String body = new JsonObject().put("episode", track.getInteger("episode")).put("step", track.getInteger("step"))
        .put("rating", 6).encode();
    String key = UUID.randomUUID().toString();
    long rated = ratings(id);

    long pid = Long.parseLong(Files.readAllLines(workDir.resolve("data/postgres/postmaster.pid")).getFirst().trim());
    Process kill = new ProcessBuilder("kill", "-KILL", Long.toString(pid)).inheritIO().start();
    assertThat(kill.waitFor()).isZero();
    long killed = System.nanoTime();

    // Fails fast, and says what is true: the outcome is unknown, and resending with the same key is safe.
    Api.Reply refused = participant.post(path + "/ratings", body, key);
    Duration answeredIn = Duration.ofNanos(System.nanoTime() - killed);
    assertThat(refused.status()).as(refused.body()).isEqualTo(503);
    assertThat(answeredIn).isLessThan(Duration.ofSeconds(5));
    assertThat(refused.json().getString("detail")).contains("not known").contains("same Idempotency-Key")
        .doesNotContain("nothing was saved");

    // The server starts its database again by itself.
    Duration recovered = null;
    while (Duration.ofNanos(System.nanoTime() - killed).compareTo(RECOVERY_BUDGET) < 0) {
      if (participant.get("/health").status() == 200) {
        recovered = Duration.ofNanos(System.nanoTime() - killed);
        break;
      }
      Thread.sleep(200);
    }
    assertThat(recovered).as("healthy again within " + RECOVERY_BUDGET + "\n" + String.join("\n", server.output()))
        .isNotNull();
    System.out.println("embedded PostgreSQL killed: 503 after " + answeredIn.toMillis() + " ms, healthy again after "
        + recovered.toMillis() + " ms");

    // The unanswered rating, resent with its key, is stored once; again, it is a duplicate.
    Api.Reply resent = participant.post(path + "/ratings", body, key);
    assertThat(resent.status()).as(resent.body()).isEqualTo(200);
    Api.Reply again = participant.post(path + "/ratings", body, key);
    assertThat(again.status()).as(again.body()).isEqualTo(200);
    assertThat(again.json().getBoolean("duplicate")).isTrue();
    assertThat(ratings(id)).isEqualTo(rated + 1);
  }

  private static long ratings(String participantId) throws Exception {
    return Db.count(server.databaseUrl(), "select count(*) from events where stream_id = 'participant-" + participantId
        + "' and type = 'TrackRated'");
  }
}
