package org.tuneloop.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tuneloop.eventstore.DatabaseAddress;
import org.tuneloop.eventstore.testing.TestDatabases;

/**
 * The crash proof (docs/reliability.md): participants rate through the HTTP API while `./study serve --demo` is
 * killed with SIGKILL {@value #KILLS} times and started again on the same data. Every acknowledged rating is stored
 * exactly once, every unanswered one (resent with its key) at most once, no rating without its Q-value update, and
 * `./study audit verify` passes. Once on the embedded database, once on the machine's PostgreSQL.
 */
class CrashProofIT {
  static final int KILLS = 10;
  private static final int PARTICIPANTS = 4;

  @Test
  @Timeout(150)
  void embeddedDatabase() throws Exception {
    Path work = Files.createTempDirectory("tuneloop-crash-embedded");
    try {
      survive(work, List.of(), null);
    } finally {
      ServerProcess.deleteFolder(work);
    }
  }

  @Test
  @Timeout(150)
  void machinesPostgresql() throws Exception {
    TestDatabases.Server external = TestDatabases.externalRequired();
    Path work = Files.createTempDirectory("tuneloop-crash-external");
    try (TestDatabases.TestDatabase database = TestDatabases.create(external)) {
      survive(work, List.of("--db", url(database.owner()), "--app-password", TestDatabases.APP_ROLE.password()),
          url(database.owner()));
    } finally {
      ServerProcess.deleteFolder(work);
    }
  }

  private static void survive(Path work, List<String> database, String externalUrl) throws Exception {
    List<String> args = new ArrayList<>(List.of("--command-rate", "0"));
    args.addAll(database);
    String[] serveArgs = args.toArray(String[]::new);
    long began = System.nanoTime();
    ServerProcess[] server = {ServerProcess.start(work, serveArgs)};
    List<String[]> participants = RatingLoad.enrol(server[0].url(), server[0].researcherToken(), PARTICIPANTS);
    Random random = new Random(7);
    int cycles = 0;
    long restartMillis = 0;
    RatingLoad load = new RatingLoad(() -> server[0].url(), Duration.ofSeconds(10)).start(participants);
    try {
      for (int i = 0; i < KILLS; i++) {
        Thread.sleep(800 + random.nextInt(1200)); // under load for a while, then killed mid-request
        server[0].kill();
        long restarted = System.nanoTime();
        server[0] = ServerProcess.start(work, serveArgs);
        restartMillis += (System.nanoTime() - restarted) / 1_000_000;
        cycles++;
      }
      Thread.sleep(1000);
    } finally {
      load.close(); // every pending rating resent with its key until answered
    }
    String dbUrl = externalUrl != null ? externalUrl : server[0].databaseUrl();
    assertThat(load.unexpected).isEmpty();

    // Stored: one TrackRated per step and participant, each with its QValueUpdated.
    Set<String> stored = new HashSet<>();
    long trackRated = 0;
    long halfWritten;
    long doubled;
    try (Connection c = Db.owner(dbUrl); Statement s = c.createStatement()) {
      try (ResultSet r = s.executeQuery("select stream_id, data->>'episode', data->>'step' from events"
          + " where type = 'TrackRated'")) {
        while (r.next()) {
          stored.add(r.getString(1) + "/" + r.getString(2) + "/" + r.getString(3));
          trackRated++;
        }
      }
      halfWritten = Db.count(dbUrl, "select count(*) from events t where t.type = 'TrackRated' and not exists ("
          + "select 1 from events q where q.type = 'QValueUpdated' and q.stream_id = t.stream_id"
          + " and q.data->>'episode' = t.data->>'episode' and q.data->>'step' = t.data->>'step')");
      doubled = Db.count(dbUrl, "select count(*) from (select 1 from events where type = 'TrackRated'"
          + " group by stream_id, data->>'episode', data->>'step' having count(*) > 1) d");
    }
    long acknowledgedStored = load.acknowledged.stream()
        .filter(r -> stored.contains("participant-" + r.participantId() + "/" + r.episode() + "/" + r.step())).count();

    ServerProcess.Result audit;
    if (externalUrl != null) {
      audit = ServerProcess.study(work, "audit", "verify", "--db", externalUrl, "--app-password",
          TestDatabases.APP_ROLE.password());
      server[0].stop();
    } else {
      server[0].stop();
      audit = ServerProcess.study(work, "audit", "verify", "--data-dir", work.resolve("data").toString());
    }
    long seconds = (System.nanoTime() - began) / 1_000_000_000;
    System.out.printf("crash proof (%s): %d kill -9 cycles survived in %d s (restart %d ms on average); %d ratings"
            + " acknowledged, %d of them stored; %d TrackRated stored in all; %d sent without an answer and resent;"
            + " %d steps stored twice; %d ratings without their Q-value update; audit verify exit %d%n",
        externalUrl != null ? "machine's PostgreSQL" : "embedded", cycles, seconds, restartMillis / Math.max(1, cycles),
        load.acknowledged.size(), acknowledgedStored, trackRated, load.unanswered.size(), doubled, halfWritten,
        audit.exitCode());

    assertThat(cycles).isEqualTo(KILLS);
    assertThat(load.acknowledged).hasSizeGreaterThan(KILLS * 2);
    assertThat(acknowledgedStored).as("acknowledged ratings stored").isEqualTo(load.acknowledged.size());
    assertThat(doubled).as("steps rated twice").isZero();
    assertThat(trackRated).as("ratings stored; each acknowledged or resent").isEqualTo(stored.size());
    assertThat(halfWritten).as("ratings without their Q-value update").isZero();
    assertThat(audit.exitCode()).as(audit.output()).isZero();
  }

  static String url(DatabaseAddress owner) {
    return "postgresql://" + URLEncoder.encode(owner.user(), StandardCharsets.UTF_8) + ":"
        + URLEncoder.encode(owner.password(), StandardCharsets.UTF_8) + "@" + owner.host() + ":" + owner.port() + "/"
        + owner.database();
  }
}
