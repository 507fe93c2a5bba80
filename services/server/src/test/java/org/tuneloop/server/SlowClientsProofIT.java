package org.tuneloop.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tuneloop.server.InProcessServer.await;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.tuneloop.eventstore.testing.TestDatabases;
import org.tuneloop.eventstore.testing.TestDatabases.TestDatabase;
import org.tuneloop.server.InProcessServer.As;
import org.tuneloop.server.InProcessServer.Reply;

/**
 * The slow-clients proof (docs/reliability.md): {@value #HALF_OPEN} connections that send half a request head and
 * then nothing, while a participant rates. The participant's p99 stays under {@value #P99_LIMIT_MS} ms, and the
 * server closes every half-open connection by its standard head timeout. Client and server share this process, so
 * it holds two descriptors per connection: the test needs a descriptor limit above about 2 x {@value #HALF_OPEN}.
 */
@ExtendWith(VertxExtension.class)
class SlowClientsProofIT {
  static final int HALF_OPEN = 3_000;
  static final long P99_LIMIT_MS = 100;
  private static final String PILOT = StudyCommand.resource("/protocols/pilot-training-only.yaml");

  @Test
  @Timeout(120)
  void halfOpenConnectionsDoNotSlowAParticipantAndAreClosedByTheTimeout(Vertx vertx) throws Exception {
    long descriptors = descriptorLimit();
    assertThat(descriptors).as("open-files limit (ulimit -n) for " + HALF_OPEN + " connections at both ends")
        .isGreaterThan(2L * HALF_OPEN + 500);
    ConnectionGuard.Limits limits = ConnectionGuard.Limits.standard();
    try (TestDatabase database = TestDatabases.fresh()) {
      Pool pool = database.appPool(vertx, 8);
      InProcessServer server = InProcessServer.deploy(vertx, pool, database, "http://localhost", limits);
      server.http.withCommandRate(null); // the participant rates as fast as it can; the per-participant rate is another proof
      Researchers.Researcher owner = await(server.platform.researchers.create(
          "slow-" + UUID.randomUUID().toString().substring(0, 8) + "@example.org", Researchers.Role.RESEARCHER, "unused"));
      As researcher = As.bearer(await(server.platform.apiTokens.issue(owner.id(), "t")).token());
      String study = "slow-" + UUID.randomUUID().toString().substring(0, 8);
      assertThat(server.post(researcher, "/api/studies", new JsonObject().put("id", study).put("protocol", PILOT)).status()).isEqualTo(201);
      assertThat(server.post(researcher, "/api/studies/" + study + "/open", null).status()).isEqualTo(200);
      // Two participants, so that the p99 is taken over 400 requests and a single disk stall is not the p99.
      String[] paths = new String[2];
      As[] participants = new As[2];
      JsonObject[] sessions = new JsonObject[2];
      for (int n = 0; n < 2; n++) {
        JsonObject joined = server.post(As.nobody(), "/api/studies/" + study + "/join", null).json();
        paths[n] = "/api/participants/" + joined.getString("participantId");
        participants[n] = As.bearer(joined.getString("token"));
        server.post(participants[n], paths[n] + "/consent", new JsonObject().put("consentVersion", "1.0").put("agree", true));
        sessions[n] = server.post(participants[n], paths[n] + "/parameters", new JsonObject().put("baseNote", 60)
            .put("scale", "major").put("length", 4).put("tempo", 120)).json();
        sessions[n] = rate(server, participants[n], paths[n], sessions[n], 10, new ArrayList<>()); // warm: JIT, caches
      }
      String path = paths[0];

      List<Socket> silent = new ArrayList<>();
      try {
        long opening = System.nanoTime();
        for (int i = 0; i < HALF_OPEN; i++) {
          Socket s = new Socket("localhost", server.port);
          s.getOutputStream().write(("POST " + path + "/ratings HTTP/1.1\r\nHost: localhost\r\nX-Slow:")
              .getBytes(StandardCharsets.US_ASCII));
          s.getOutputStream().flush();
          silent.add(s);
        }
        long opened = System.nanoTime();

        List<Long> micros = new ArrayList<>();
        for (int n = 0; n < 2; n++) {
          rate(server, participants[n], paths[n], sessions[n], 200, micros);
        }
        List<Long> sorted = micros.stream().sorted().toList();
        long p50 = sorted.get(sorted.size() / 2) / 1000;
        long p99 = sorted.get((int) Math.ceil(sorted.size() * 0.99) - 1) / 1000;
        long max = sorted.getLast() / 1000;

        Duration deadline = limits.headTimeout().plusSeconds(3);
        int closed = 0;
        for (Socket s : silent) {
          long left = deadline.toMillis() - Duration.ofNanos(System.nanoTime() - opened).toMillis();
          s.setSoTimeout((int) Math.max(1, left));
          try {
            if (s.getInputStream().read() == -1) closed++;
          } catch (SocketTimeoutException stillOpen) {
            break;
          } catch (IOException reset) {
            closed++;
          }
        }
        long allClosedMillis = Duration.ofNanos(System.nanoTime() - opened).toMillis();
        System.out.printf("slow-clients proof: %d half-open connections opened in %d ms (descriptor limit %d);"
                + " participant's %d requests meanwhile: p50 %d ms, p99 %d ms, max %d ms; %d of %d closed by the"
                + " %d s head timeout, the last %d ms after opening%n",
            HALF_OPEN, (opened - opening) / 1_000_000, descriptors, micros.size(), p50, p99, max, closed, HALF_OPEN,
            limits.headTimeout().toSeconds(), allClosedMillis);
        assertThat(p99).as("participant's p99 (ms)").isLessThan(P99_LIMIT_MS);
        assertThat(closed).as("half-open connections closed within " + deadline).isEqualTo(HALF_OPEN);
      } finally {
        for (Socket s : silent) s.close();
      }
    }
  }

  /** Rates (and starts the next episode when one ends) this many times, timing every request. */
  private static JsonObject rate(InProcessServer server, As participant, String path, JsonObject session, int count,
                                 List<Long> micros) {
    for (int i = 0; i < count; i++) {
      long started = System.nanoTime();
      Reply r;
      if (session.getString("phase").equals("between-episodes")) {
        r = server.post(participant, path + "/episodes", null);
      } else {
        JsonObject track = session.getJsonObject("track");
        r = server.post(participant, path + "/ratings", new JsonObject().put("episode", track.getInteger("episode"))
            .put("step", track.getInteger("step")).put("rating", 1 + i % 10));
      }
      micros.add((System.nanoTime() - started) / 1000);
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      session = r.json();
    }
    return session;
  }

  /** The soft open-files limit of this process, from /proc (a JVM cannot raise it; the shell's ulimit -n can). */
  private static long descriptorLimit() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
      if (line.startsWith("Max open files")) {
        String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
        return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
      }
    }
    return -1;
  }
}
