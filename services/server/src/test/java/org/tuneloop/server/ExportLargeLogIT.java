package org.tuneloop.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.tuneloop.eventstore.testing.TestDatabases;
import org.tuneloop.eventstore.testing.TestDatabases.TestDatabase;

/**
 * An export of a large log in a JVM of 256 MB: simulated participants' streams are copied by the database owner
 * (new stream and event ids, the same events; hash chains are not checked by the export) until the log holds
 * {@code -Dexport.events} events (default 250,000, to stay within a minute in CI; -Dexport.events=1000000 for the
 * one-million figure of docs/export.md), then `study export --db` runs in a child JVM with -Xmx256m.
 */
class ExportLargeLogIT {
  private static final int EVENTS = Integer.getInteger("export.events", 250_000);

  @TempDir
  Path folder;

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void aLargeLogIsExportedWithin256MegabytesOfHeap() throws Exception {
    try (TestDatabase database = TestDatabases.fresh()) {
      String studyId = simulatedStudy(database);
      String template = first(database, "select stream_id from events where starts_with(stream_id, 'participant-')"
          + " order by position limit 1");
      long perParticipant = Long.parseLong(first(database, "select count(*) from events where stream_id = '"
          + template + "'"));
      long copies = Math.max(1, (EVENTS - count(database)) / (perParticipant + 1));
      long started = System.nanoTime();
      try (var c = database.ownerConnection(); var s = c.createStatement()) {
        s.execute("create temporary table copies as select gen_random_uuid()::text as pid, g as n"
            + " from generate_series(1, " + copies + ") g");
        s.execute("insert into events (stream_id, version, event_id, type, schema_version, data, metadata,"
            + " recorded_at, prev_hash, hash) select 'participant-' || c.pid, e.version, gen_random_uuid(), e.type,"
            + " e.schema_version, case when e.type = 'ParticipantEnrolled' then jsonb_set(e.data, '{participantId}',"
            + " to_jsonb(c.pid)) else e.data end, e.metadata, e.recorded_at, e.prev_hash, e.hash"
            + " from copies c cross join events e where e.stream_id = '" + template + "' order by c.n, e.version");
        s.execute("insert into events (stream_id, version, event_id, type, schema_version, data, metadata,"
            + " recorded_at, prev_hash, hash) select 'study-" + studyId + "', v.last + c.n, gen_random_uuid(),"
            + " 'ParticipantAssigned', 1, jsonb_build_object('participantId', c.pid, 'index', v.assigned + c.n - 1,"
            + " 'arm', case when c.n % 2 = 0 then 'A' else 'B' end, 'entry', 'link', 'test', false), '{}', now(),"
            + " '\\x00'::bytea, '\\x00'::bytea from copies c, (select max(version) as last, count(*) filter"
            + " (where type = 'ParticipantAssigned') as assigned from events where stream_id = 'study-" + studyId
            + "') v");
        s.execute("analyze events");
      }
      long events = count(database);
      System.out.printf("ExportLargeLogIT: the log holds %,d events (%,d copied participants) after %.1f s%n", events,
          copies, (System.nanoTime() - started) / 1e9);

      Path out = folder.resolve("export");
      List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx256m", "-jar", jar().toString(), "export", "--study", studyId, "--format", "csv", "--out",
          out.toString(), "--db", ownerUrl(database), "--app-password", TestDatabases.APP_ROLE.password()));
      long exportStarted = System.nanoTime();
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(process.waitFor(8, TimeUnit.MINUTES)).isTrue();
      double seconds = (System.nanoTime() - exportStarted) / 1e9;
      System.out.printf("ExportLargeLogIT: exported %,d events with -Xmx256m in %.1f s%n%s", events, seconds, output);
      assertThat(process.exitValue()).as(output).isZero();

      JsonObject manifest = new JsonObject(Files.readString(out.resolve("manifest.json")));
      assertThat(manifest.getJsonObject("events").getLong("count")).isEqualTo(events);
      long ratings = Long.parseLong(first(database, "select count(*) from events where type = 'TrackRated'"));
      assertThat(Files.lines(out.resolve("steps.csv")).count() - 1).isEqualTo(ratings);
      assertThat(Files.lines(out.resolve("participants.csv")).count() - 1).isEqualTo(
          Long.parseLong(first(database, "select count(*) from events where type = 'ParticipantEnrolled'")));
    }
  }

  /** A pilot study with a few simulated participants, through the API of an in-process server. */
  private static String simulatedStudy(TestDatabase database) {
    Vertx vertx = Vertx.vertx();
    try {
      InProcessServer server = InProcessServer.deploy(vertx, database.appPool(vertx, 4), database, "http://localhost");
      Researchers.Researcher researcher = InProcessServer.await(server.platform.researchers.create(
          "large@example.org", Researchers.Role.RESEARCHER, "not-a-password-hash"));
      String token = InProcessServer.await(server.platform.apiTokens.issue(researcher.id(), "large")).token();
      ExportTest.Run sim = ExportTest.run("simulate", "--url", "http://localhost:" + server.port, "--token", token,
          "--protocol", ServerProcess.testProtocol("pilot-training-only.yaml").toString(),
          "--participants", "2");
      assertThat(sim.exit()).as(sim.err()).isZero();
      Matcher m = Pattern.compile("of study (\\S+) ").matcher(sim.out());
      assertThat(m.find()).isTrue();
      return m.group(1);
    } finally {
      InProcessServer.await(vertx.close());
    }
  }

  private static Path jar() {
    String jar = System.getProperty("tuneloop.jar");
    Path path = jar != null ? Path.of(jar)
        : ServerProcess.repositoryRoot().resolve("services/server/target/tuneloop.jar");
    assertThat(path).as("the packaged jar").exists();
    return path;
  }

  private static String ownerUrl(TestDatabase database) {
    var o = database.owner();
    return "postgresql://" + o.user() + ":" + java.net.URLEncoder.encode(o.password(), StandardCharsets.UTF_8) + "@"
        + o.host() + ":" + o.port() + "/" + o.database();
  }

  private static long count(TestDatabase database) throws Exception {
    return Long.parseLong(first(database, "select count(*) from events"));
  }

  private static String first(TestDatabase database, String sql) throws Exception {
    try (var c = database.ownerConnection(); var s = c.createStatement(); var r = s.executeQuery(sql)) {
      r.next();
      return r.getString(1);
    }
  }
}
