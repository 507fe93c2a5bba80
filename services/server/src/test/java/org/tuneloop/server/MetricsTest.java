package org.tuneloop.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tuneloop.server.InProcessServer.await;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tuneloop.eventstore.testing.TestDatabases;
import org.tuneloop.eventstore.testing.TestDatabases.TestDatabase;
import org.tuneloop.server.InProcessServer.As;
import org.tuneloop.server.InProcessServer.Reply;

/** GET /metrics: an administrator's only, with the meters docs/operations.md names and the dashboard draws. */
@Timeout(120)
class MetricsTest {
  private static TestDatabase database;
  private static Vertx vertx;
  private static InProcessServer server;

  @BeforeAll
  static void start() {
    database = TestDatabases.fresh();
    PrometheusMeterRegistry registry = Metrics.registry();
    vertx = Platform.measuredVertx(registry);
    server = InProcessServer.deploy(Platform.over(vertx, database.appPool(vertx, 4), database.app().connectOptions(),
        registry));
  }

  @AfterAll
  static void stop() {
    await(vertx.close());
    database.close();
  }

  private static As tokenOf(Researchers.Role role) {
    Researchers.Researcher r = await(server.platform.researchers.create(
        role.wire() + "-" + UUID.randomUUID().toString().substring(0, 8) + "@example.org", role, "not-a-password-hash"));
    return As.bearer(await(server.platform.apiTokens.issue(r.id(), "metrics")).token());
  }

  @Test
  void onlyAnAdministratorReadsTheMetrics() {
    Reply anonymous = server.get(As.nobody(), "/metrics");
    assertThat(anonymous.status()).isEqualTo(401);
    assertThat(anonymous.body()).doesNotContain("jvm_");
    assertThat(server.get(As.bearer("not-a-token"), "/metrics").status()).isEqualTo(401);
    Reply researcher = server.get(tokenOf(Researchers.Role.RESEARCHER), "/metrics");
    assertThat(researcher.status()).isEqualTo(403);
    assertThat(researcher.json().getString("detail")).contains("administrator");
  }

  @Test
  void theMetricsNameRoutesAppendsConflictsCacheReplayAndTheJvm() {
    As admin = tokenOf(Researchers.Role.ADMIN);
    // A participant who joins and consents: one command through the cache, its append and replay.
    String study = "m-" + UUID.randomUUID().toString().substring(0, 8);
    assertThat(server.post(admin, "/api/studies", new JsonObject().put("id", study)
        .put("protocol", StudyCommand.resource("/study-protocols/pilot.yaml"))).status()).isEqualTo(201);
    assertThat(server.post(admin, "/api/studies/" + study + "/open", null).status()).isEqualTo(200);
    JsonObject joined = server.post(As.nobody(), "/api/studies/" + study + "/join", null).json();
    String path = "/api/participants/" + joined.getString("participantId");
    As participant = As.bearer(joined.getString("token"));
    assertThat(server.get(participant, path).status()).isEqualTo(200);
    assertThat(server.post(participant, path + "/consent",
        new JsonObject().put("consentVersion", "1.0").put("agree", true)).status()).isEqualTo(200);

    // The JVM reports GC pauses once a collection happened: make one, and wait for its notification.
    System.gc();
    Reply first = server.get(admin, "/metrics");
    for (int i = 0; i < 50 && !first.body().contains("jvm_gc_pause_seconds_count"); i++) {
      sleep(100);
      first = server.get(admin, "/metrics");
    }
    Reply scraped = first;
    assertThat(scraped.status()).isEqualTo(200);
    assertThat(scraped.headers().get("content-type")).startsWith("text/plain");
    assertThat(scraped.body()).contains(
        // HTTP latency as a histogram, labelled by route (not by the path with its participant id)
        "vertx_http_server_response_time_seconds_bucket{", "route=\"/api/participants/:participantId/consent\"",
        "tuneloop_append_seconds_bucket", "tuneloop_append_seconds_count 1",
        "tuneloop_command_round_trips_count 1",
        "tuneloop_version_conflicts_total",
        "tuneloop_participants_active 1",
        "tuneloop_participant_cache_total{result=\"hit\"} 1",
        "tuneloop_participant_replay_seconds_count",
        // The first load found no snapshot (too few events for one); none was read or written.
        "tuneloop_participant_snapshot_total{result=\"miss\"} 1", "tuneloop_participant_snapshot_total{result=\"hit\"} 0",
        "tuneloop_participant_snapshot_total{result=\"unusable\"} 0",
        "tuneloop_participant_snapshot_read_seconds_count 0", "tuneloop_participant_snapshot_write_seconds_count 0",
        "jvm_memory_used_bytes", "jvm_gc_pause_seconds_count", "jvm_threads_live_threads");
    assertThat(scraped.body()).doesNotContain(joined.getString("participantId"));

    // Every series the Grafana dashboard draws is one the server serves.
    String dashboard = readDashboard();
    java.util.regex.Matcher names = java.util.regex.Pattern.compile("\\b((?:tuneloop|vertx|jvm)_[a-z_]+)").matcher(dashboard);
    java.util.Set<String> drawn = new java.util.TreeSet<>();
    while (names.find()) drawn.add(names.group(1));
    assertThat(drawn).isNotEmpty().allSatisfy(name -> assertThat(scraped.body()).contains(name));
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static String readDashboard() {
    try {
      return java.nio.file.Files.readString(java.nio.file.Path.of("../../deploy/grafana-dashboard.json"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
