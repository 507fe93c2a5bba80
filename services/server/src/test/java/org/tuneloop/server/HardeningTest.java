package org.tuneloop.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tuneloop.server.InProcessServer.await;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.tuneloop.eventstore.testing.TestDatabases;
import org.tuneloop.eventstore.testing.TestDatabases.TestDatabase;
import org.tuneloop.server.InProcessServer.As;
import org.tuneloop.server.InProcessServer.Reply;

/**
 * The holes an outside tester found (docs/reliability.md), each closed and proved here on a real server in this
 * process over a real PostgreSQL: reused idempotency keys, silent connections, clients that vanish mid-body,
 * duplicate JSON keys and bodies that are not JSON.
 */
@ExtendWith(VertxExtension.class)
@Timeout(120)
class HardeningTest {
  private static final String PILOT = StudyCommand.resource("/protocols/pilot-training-only.yaml");
  private static final JsonObject CONSENT = new JsonObject().put("consentVersion", "1.0").put("agree", true);
  private static final JsonObject PARAMETERS = new JsonObject().put("baseNote", 60).put("scale", "major")
      .put("length", 4).put("tempo", 200);
  /** Short enough for the test, the same mechanism as the standard ten seconds. */
  private static final Duration HEAD_TIMEOUT = Duration.ofSeconds(3);

  private static TestDatabase database;
  private static InProcessServer server;
  private static As researcher;

  @BeforeAll
  static void start(Vertx vertx) {
    database = TestDatabases.fresh();
    Pool pool = database.appPool(vertx, 8);
    server = InProcessServer.deploy(vertx, pool, database, "http://localhost",
        new ConnectionGuard.Limits(HEAD_TIMEOUT, Duration.ofSeconds(30), 5_000));
    Researchers.Researcher owner = await(server.platform.researchers.create(
        "owner-" + UUID.randomUUID().toString().substring(0, 8) + "@example.org", Researchers.Role.RESEARCHER,
        "not-a-password-hash"));
    researcher = As.bearer(await(server.platform.apiTokens.issue(owner.id(), "test")).token());
  }

  @AfterAll
  static void dropDatabase() {
    database.close();
  }

  private record Participant(String id, As as, String path, String studyId) {}

  private static String openStudy() {
    String id = "h-" + UUID.randomUUID().toString().substring(0, 8);
    expect(server.post(researcher, "/api/studies", new JsonObject().put("id", id).put("protocol", PILOT)), 201);
    expect(server.post(researcher, "/api/studies/" + id + "/open", null), 200);
    return id;
  }

  private static Participant join(String studyId) {
    JsonObject joined = expect(server.post(As.nobody(), "/api/studies/" + studyId + "/join", null), 201).json();
    String id = joined.getString("participantId");
    return new Participant(id, As.bearer(joined.getString("token")), "/api/participants/" + id, studyId);
  }

  /** A participant at episode 1, step 1. */
  private static Participant training() {
    Participant p = join(openStudy());
    expect(server.post(p.as(), p.path() + "/consent", CONSENT), 200);
    expect(server.post(p.as(), p.path() + "/parameters", PARAMETERS), 200);
    return p;
  }

  private static Reply post(As as, String path, JsonObject body, String key) {
    return await(server.send(as, HttpMethod.POST, path, body, Map.of("Idempotency-Key", key)));
  }

  private static Reply expect(Reply r, int status) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    return r;
  }

  private static long events(String streamId) {
    return InProcessServer.count(database, "select count(*) from events where stream_id = '" + streamId + "'");
  }

  private static long allEvents() {
    return InProcessServer.count(database, "select count(*) from events");
  }

  private static JsonObject rating(int episode, int step, int rating) {
    return new JsonObject().put("episode", episode).put("step", step).put("rating", rating);
  }

  // ---- 1. an Idempotency-Key names one request -----------------------------------------------------------------

  @Test
  void aKeyRetriedWithTheSameRequestIsADuplicateThatStoresNothing() {
    Participant p = training();
    String key = UUID.randomUUID().toString();
    expect(post(p.as(), p.path() + "/ratings", rating(1, 1, 7), key), 200);
    long stored = events(Participants.streamId(p.id()));

    // The same request, its fields in another order: the same request.
    Reply retry = expect(post(p.as(), p.path() + "/ratings",
        new JsonObject().put("rating", 7).put("step", 1).put("episode", 1), key), 200);

    assertThat(retry.json().getBoolean("duplicate")).isTrue();
    assertThat(events(Participants.streamId(p.id()))).isEqualTo(stored);
  }

  @Test
  void aKeyReusedWithAnotherBodyIsRefusedAndStoresNothing() {
    Participant p = training();
    String key = UUID.randomUUID().toString();
    expect(post(p.as(), p.path() + "/ratings", rating(1, 1, 7), key), 200);
    long stored = events(Participants.streamId(p.id()));

    Reply reused = post(p.as(), p.path() + "/ratings", rating(1, 2, 9), key);

    expect(reused, 422);
    assertThat(reused.json().getString("field")).isEqualTo("Idempotency-Key");
    assertThat(reused.json().getString("detail")).contains("Idempotency-Key").contains("another request");
    assertThat(events(Participants.streamId(p.id()))).isEqualTo(stored);
    // Step 2 still waits for its rating: the refused request did nothing.
    assertThat(expect(server.get(p.as(), p.path()), 200).json().getJsonObject("track").getInteger("step")).isEqualTo(2);
  }

  @Test
  void aKeyReusedOnAnotherRouteIsRefusedAndStoresNothing() {
    Participant p = join(openStudy());
    String key = UUID.randomUUID().toString();
    expect(post(p.as(), p.path() + "/consent", CONSENT, key), 200);
    long stored = events(Participants.streamId(p.id()));

    Reply reused = post(p.as(), p.path() + "/parameters", PARAMETERS, key);

    expect(reused, 422);
    assertThat(reused.json().getString("detail")).contains("Idempotency-Key");
    assertThat(events(Participants.streamId(p.id()))).isEqualTo(stored);
  }

  @Test
  void aJoinRetriedWithItsKeyReturnsAndAnotherJoinBodyWithItIsRefused() {
    String studyId = openStudy();
    String key = UUID.randomUUID().toString();
    String path = "/api/studies/" + studyId + "/join";
    String first = expect(post(As.nobody(), path, new JsonObject(), key), 201).json().getString("participantId");
    JsonObject again = expect(post(As.nobody(), path, new JsonObject(), key), 200).json();
    assertThat(again.getString("participantId")).isEqualTo(first);
    long stored = allEvents();

    Reply other = post(As.nobody(), path, new JsonObject().put("prolific",
        new JsonObject().put("PROLIFIC_PID", "someone-else")), key);

    expect(other, 422);
    assertThat(other.json().getString("detail")).contains("Idempotency-Key");
    assertThat(allEvents()).isEqualTo(stored);
  }

  // ---- 3. silent connections are closed; others are served ---------------------------------------------------

  @Test
  @Timeout(30)
  void halfOpenConnectionsAreClosedByTheHeadTimeoutWhileOthersAreAnswered() throws Exception {
    expect(server.get(As.nobody(), "/health"), 200);  // connected and warm before timing anything
    List<Socket> silent = new ArrayList<>();
    try {
      for (int i = 0; i < 1_000; i++) {
        Socket s = new Socket("localhost", server.port);
        s.getOutputStream().write("GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow:".getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        silent.add(s);
      }
      long opened = System.nanoTime();

      // Others are answered meanwhile, and quickly.
      List<Duration> times = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        long before = System.nanoTime();
        expect(server.get(As.nobody(), "/health"), 200);
        times.add(Duration.ofNanos(System.nanoTime() - before));
      }
      assertThat(times.stream().max(Duration::compareTo).orElseThrow()).isLessThan(Duration.ofMillis(500));

      // Every silent one is closed by the server within the timeout (and a little sweeping slack).
      Duration deadline = HEAD_TIMEOUT.plusSeconds(3);
      int closed = 0;
      for (Socket s : silent) {
        long left = deadline.toMillis() - Duration.ofNanos(System.nanoTime() - opened).toMillis();
        s.setSoTimeout((int) Math.max(1, left));
        try {
          if (s.getInputStream().read() == -1) {
            closed++;
          }
        } catch (SocketTimeoutException stillOpen) {
          break;
        } catch (IOException reset) {
          closed++;
        }
      }
      assertThat(closed).as("silent connections closed within " + deadline).isEqualTo(silent.size());
      expect(server.get(As.nobody(), "/health"), 200);
    } finally {
      for (Socket s : silent) {
        s.close();
      }
    }
  }

  // ---- 4. a client that vanishes mid-body is no error -------------------------------------------------------

  @Test
  void aClientThatDisconnectsMidBodyLeavesNoErrorOrStackTraceInTheLog() throws Exception {
    Participant p = training();
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      for (int i = 0; i < 20; i++) {
        try (Socket s = new Socket("localhost", server.port)) {
          OutputStream out = s.getOutputStream();
          out.write(("POST " + p.path() + "/ratings HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
              + p.as().bearer() + "\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n{\"episode\": 1,")
              .getBytes(StandardCharsets.US_ASCII));
          out.flush();
          Thread.sleep(20);
        }
      }
      Thread.sleep(500);  // let the server notice the last one
      expect(server.get(p.as(), p.path()), 200);
    } finally {
      System.setErr(original);
    }
    String log = captured.toString(StandardCharsets.UTF_8);
    assertThat(log).doesNotContain("ERROR").doesNotContain("\tat ").doesNotContain("Exception");
  }

  // ---- 5. JSON, and only JSON -------------------------------------------------------------------------------

  @Test
  void aBodyNamingAFieldTwiceIsRefusedNamingTheField() {
    Participant p = training();
    long stored = events(Participants.streamId(p.id()));

    Reply r = raw(p.as(), p.path() + "/ratings", "application/json", "{\"episode\":1,\"step\":1,\"rating\":11,\"rating\":5}");

    expect(r, 400);
    assertThat(r.json().getString("field")).isEqualTo("rating");
    assertThat(r.json().getString("detail")).contains("'rating'").contains("twice");
    assertThat(events(Participants.streamId(p.id()))).isEqualTo(stored);
  }

  @Test
  void aNestedFieldGivenTwiceIsNamedByItsPath() {
    String studyId = openStudy();
    Reply r = raw(As.nobody(), "/api/studies/" + studyId + "/join", "application/json",
        "{\"prolific\":{\"PROLIFIC_PID\":\"a\",\"PROLIFIC_PID\":\"b\"}}");

    expect(r, 400);
    assertThat(r.json().getString("field")).isEqualTo("prolific.PROLIFIC_PID");
  }

  @Test
  void aBodyThatIsNotDeclaredJsonIsRefusedWith415() {
    Participant p = training();
    long stored = events(Participants.streamId(p.id()));
    String body = rating(1, 1, 5).encode();

    Reply text = raw(p.as(), p.path() + "/ratings", "text/plain", body);
    Reply form = raw(p.as(), p.path() + "/ratings", "application/x-www-form-urlencoded", body);
    Reply none = raw(p.as(), p.path() + "/ratings", null, body);

    for (Reply r : List.of(text, form, none)) {
      expect(r, 415);
      assertThat(r.json().getString("detail")).contains("application/json");
    }
    assertThat(events(Participants.streamId(p.id()))).isEqualTo(stored);
    // With a charset parameter it is JSON still.
    expect(raw(p.as(), p.path() + "/ratings", "application/json; charset=utf-8", body), 200);
  }

  // ---- 8. bounded caches ---------------------------------------------------------------------------------------

  @Test
  void theParticipantCacheKeepsItsBoundAndStillAnswersRight() {
    String studyId = openStudy();
    List<Participant> joined = new ArrayList<>();
    for (int i = 0; i < 15; i++) {
      joined.add(join(studyId));
    }
    Participants small = new Participants(server.platform.store, "test", 10);

    for (Participant p : joined) {
      await(small.load(p.id()));
    }

    assertThat(small.cached()).isLessThanOrEqualTo(10);
    // A state dropped from the cache is read again from its stream.
    for (Participant p : joined) {
      assertThat(await(small.load(p.id())).state().phase()).isEqualTo("consent");
    }
  }

  // ---- 9. a participant's stream and pace are bounded --------------------------------------------------------

  @Test
  void noEpisodeStartsBeyondTheProtocolsMaximum() {
    String protocol = PILOT.replace("      minimum: 2\n      stepsPerEpisode: 4",
        "      minimum: 1\n      maximum: 1\n      stepsPerEpisode: 4");
    assertThat(protocol).contains("maximum: 1");
    String id = "h-" + UUID.randomUUID().toString().substring(0, 8);
    expect(server.post(researcher, "/api/studies", new JsonObject().put("id", id).put("protocol", protocol)), 201);
    expect(server.post(researcher, "/api/studies/" + id + "/open", null), 200);
    Participant p = join(id);
    expect(server.post(p.as(), p.path() + "/consent", CONSENT), 200);
    JsonObject session = expect(server.post(p.as(), p.path() + "/parameters", PARAMETERS), 200).json();
    for (int step = 1; step <= 4; step++) {
      session = expect(server.post(p.as(), p.path() + "/ratings", rating(1, step, 5)), 200).json();
    }
    long stored = events(Participants.streamId(p.id()));

    Reply more = server.post(p.as(), p.path() + "/episodes", null);

    expect(more, 409);
    assertThat(more.json().getString("detail")).contains("at most 1 episodes");
    assertThat(events(Participants.streamId(p.id()))).isEqualTo(stored);
    expect(server.post(p.as(), p.path() + "/finish", null), 200);
  }

  @Test
  void aProtocolWhoseMaximumIsBelowItsMinimumIsRefused() {
    String protocol = PILOT.replace("      minimum: 2\n      stepsPerEpisode: 4",
        "      minimum: 2\n      maximum: 1\n      stepsPerEpisode: 4");
    Reply r = server.post(researcher, "/api/studies", new JsonObject().put("protocol", protocol));

    expect(r, 422);
    assertThat(r.body()).contains("episodes.maximum");
  }

  @Test
  void aParticipantSendingCommandsTooFastGets429WithRetryAfter() {
    Participant p = join(openStudy());
    long stored = events(Participants.streamId(p.id()));
    for (int i = 0; i < 20; i++) {
      expect(server.post(p.as(), p.path() + "/consent", new JsonObject().put("agree", "yes")), 400);
    }

    Reply limited = server.post(p.as(), p.path() + "/consent", CONSENT);

    expect(limited, 429);
    assertThat(limited.json().getString("detail")).contains("try again in");
    assertThat(Integer.parseInt(limited.headers().get("Retry-After"))).isBetween(1, 10);
    assertThat(events(Participants.streamId(p.id()))).isEqualTo(stored);
    // Others are not slowed by this one.
    Participant other = join(openStudy());
    expect(server.post(other.as(), other.path() + "/consent", CONSENT), 200);
  }

  /** A request with exactly this body text and content type (null: no Content-Type header). */
  private static Reply raw(As as, String path, String contentType, String body) {
    var request = server.client.request(HttpMethod.POST, server.port, "localhost", path);
    if (as.bearer() != null) {
      request.putHeader("Authorization", "Bearer " + as.bearer());
    }
    if (contentType != null) {
      request.putHeader("Content-Type", contentType);
    }
    return await(request.sendBuffer(io.vertx.core.buffer.Buffer.buffer(body))
        .map(response -> new Reply(response.statusCode(), response.headers(), response.bodyAsString())));
  }
}
