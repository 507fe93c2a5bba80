package org.tuneloop.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.tuneloop.eventstore.DatabaseAddress;
import org.tuneloop.eventstore.testing.TestDatabases;

/**
 * Two `./study serve --db URL` processes on one PostgreSQL database, as a deployment behind a load balancer runs
 * them: joins spread over both keep the study's balance and numbering, the monitor on one shows what a participant
 * does through the other, and a rating sent to both at once is stored once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class TwoServersIT {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final String EMAIL = "two-servers@example.org";
  private static final JsonObject PILOT_PARAMETERS = new JsonObject().put("baseNote", 60).put("scale", "major")
      .put("length", 4).put("tempo", 200);

  private TestDatabases.TestDatabase database;
  private String url;
  private Path workDir;
  private ServerProcess one;
  private ServerProcess two;
  private String apiToken;
  private String pilot;
  /** A pilot study shared by the tests that need a participant or two (none of them counts its participants). */
  private String sharedStudy;

  @BeforeAll
  void start() throws Exception {
    database = TestDatabases.create(TestDatabases.preferred());
    DatabaseAddress owner = database.owner();
    url = "postgresql://" + enc(owner.user()) + ":" + enc(owner.password() == null ? "" : owner.password()) + "@"
        + owner.host() + ":" + owner.port() + "/" + database.name();
    workDir = Files.createTempDirectory("tuneloop-two-servers-");
    // The test database's app role has the test password: both servers (and the commands) must keep it.
    String appPassword = TestDatabases.APP_ROLE.password();

    ServerProcess.Result added = ServerProcess.study(workDir, "researcher", "add", EMAIL, "--role", "admin",
        "--generate-password", "--db", url, "--app-password", appPassword);
    assertThat(added.exitCode()).as(added.output()).isZero();
    ServerProcess.Result token = ServerProcess.study(workDir, "researcher", "token", EMAIL, "--name", "test",
        "--db", url, "--app-password", appPassword);
    assertThat(token.exitCode()).as(token.output()).isZero();
    apiToken = token.output().lines().filter(l -> l.startsWith(ApiTokens.PREFIX)).findFirst()
        .orElseThrow(() -> new AssertionError("no token printed:\n" + token.output()));

    // Both at once, as a deployment starts them: each migrates (nothing to do) and connects as the app role.
    CompletableFuture<ServerProcess> first = CompletableFuture.supplyAsync(() -> serve("one", appPassword));
    CompletableFuture<ServerProcess> second = CompletableFuture.supplyAsync(() -> serve("two", appPassword));
    one = first.join();
    two = second.join();
    System.out.printf("two servers ready in %d and %d ms%n", one.startup().toMillis(), two.startup().toMillis());
    assertThat(one.url()).isNotEqualTo(two.url());

    pilot = Files.readString(ServerProcess.testProtocol("pilot-training-only.yaml"));
    sharedStudy = openPilot(one);
  }

  private ServerProcess serve(String name, String appPassword) {
    try {
      return ServerProcess.serve(workDir.resolve(name), "--db", url, "--app-password", appPassword);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @AfterAll
  void stop() throws Exception {
    try {
      for (ServerProcess server : new ServerProcess[] {one, two}) {
        if (server != null) {
          assertThat(server.stopWithin(Duration.ofSeconds(20))).as("stops on SIGTERM: " + server.output()).isTrue();
          assertThat(server.output()).noneMatch(l -> l.contains("Exception"));
        }
      }
    } finally {
      if (database != null) {
        database.close();
      }
      if (workDir != null) {
        ServerProcess.deleteFolder(workDir);
      }
    }
  }

  @Test
  void twoHundredJoinsOverBothServersStayBalancedAndNumbered() throws Exception {
    String study = openPilot(one);
    List<CompletableFuture<HttpResponse<String>>> joins = new ArrayList<>();
    long started = System.nanoTime();
    for (int i = 0; i < 200; i++) {
      ServerProcess server = i % 2 == 0 ? one : two;
      joins.add(HTTP.sendAsync(request(server, "/api/studies/" + study + "/join", null).POST(body("{}")).build(),
          HttpResponse.BodyHandlers.ofString()));
    }
    CompletableFuture.allOf(joins.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    System.out.printf("200 concurrent joins over two servers: %d ms (%.1f joins/s)%n", millis, 200_000.0 / millis);

    Set<String> joined = new HashSet<>();
    Set<String> tokens = new HashSet<>();
    for (CompletableFuture<HttpResponse<String>> join : joins) {
      HttpResponse<String> r = join.get();
      assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
      joined.add(new JsonObject(r.body()).getString("participantId"));
      tokens.add(new JsonObject(r.body()).getString("token"));
    }
    assertThat(joined).hasSize(200);
    assertThat(tokens).hasSize(200);

    // The study is full at 200 (pilot.yaml), whichever server is asked.
    HttpResponse<String> full = HTTP.send(request(two, "/api/studies/" + study + "/join", null).POST(body("{}"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(full.statusCode()).as(full.body()).isEqualTo(409);

    for (ServerProcess server : List.of(one, two)) {
      JsonObject page = new Api(server.url(), apiToken).get("/api/studies/" + study).json();
      assertThat(page.getInteger("participants")).isEqualTo(200);
      JsonArray arms = page.getJsonArray("arms");
      int a = arms.getJsonObject(0).getInteger("participants");
      int b = arms.getJsonObject(1).getInteger("participants");
      assertThat(a + b).isEqualTo(200);
      assertThat(Math.abs(a - b)).as("arms %d and %d", a, b).isLessThanOrEqualTo(page.getInteger("blockSize"));
    }

    List<Integer> indexes = new ArrayList<>();
    Set<String> assigned = new HashSet<>();
    try (Connection c = database.ownerConnection(); PreparedStatement s = c.prepareStatement(
        "select data from events where stream_id = ? and type = 'ParticipantAssigned' order by version")) {
      s.setString(1, Studies.streamId(study));
      try (ResultSet rows = s.executeQuery()) {
        while (rows.next()) {
          JsonObject data = new JsonObject(rows.getString(1));
          indexes.add(data.getInteger("index"));
          assigned.add(data.getString("participantId"));
        }
      }
    }
    assertThat(indexes).containsExactlyElementsOf(IntStream.range(0, 200).boxed().toList());
    assertThat(assigned).isEqualTo(joined);
  }

  @Test
  void theMonitorOnOneServerShowsAParticipantActingThroughTheOther() throws Exception {
    Joined p = join(two, sharedStudy);
    LinkedBlockingQueue<Arrival> rows = new LinkedBlockingQueue<>();
    LinkedBlockingQueue<String> opened = new LinkedBlockingQueue<>();
    CompletableFuture<HttpResponse<Void>> stream = HTTP.sendAsync(
        request(one, "/api/studies/" + sharedStudy + "/monitor/stream", apiToken).GET().build(),
        HttpResponse.BodyHandlers.fromLineSubscriber(new LineSink(line -> {
          long now = System.nanoTime();
          if (line.startsWith("retry:")) {
            opened.add(line);
          }
          if (line.startsWith("data: ")) {
            JsonObject data = new JsonObject(line.substring("data: ".length()));
            if (p.id().equals(data.getString("id"))) {
              rows.add(new Arrival(now, data));
            }
          }
        })));
    try {
      assertThat(opened.poll(10, TimeUnit.SECONDS)).as("the monitor stream opens").isNotNull();
      Api participant = new Api(two.url(), p.token());

      JsonObject session = participant.session(p.id());
      Api.Reply consent = participant.post("/api/participants/" + p.id() + "/consent", new JsonObject()
          .put("consentVersion", session.getJsonObject("consent").getString("version")).put("agree", true).encode());
      long consented = System.nanoTime();
      assertThat(consent.status()).as(consent.body()).isEqualTo(200);
      long consentDelay = arrivalAfter(rows, consented, row -> "parameters".equals(row.getString("phase")));

      Api.Reply parameters = participant.post("/api/participants/" + p.id() + "/parameters", PILOT_PARAMETERS.encode());
      long chosen = System.nanoTime();
      assertThat(parameters.status()).as(parameters.body()).isEqualTo(200);
      long parametersDelay = arrivalAfter(rows, chosen, row -> "training".equals(row.getString("phase"))
          && row.getInteger("episode") == 1 && row.getInteger("step") == 1);

      System.out.printf("monitor on server 1 after server 2's answer: consent %d ms, parameters %d ms%n",
          consentDelay, parametersDelay);
      assertThat(consentDelay).isLessThanOrEqualTo(1000);
      assertThat(parametersDelay).isLessThanOrEqualTo(1000);
    } finally {
      stream.cancel(true);
    }
  }

  @Test
  void aRatingSentToBothServersAtOnceIsStoredOnce() throws Exception {
    Joined p = join(one, sharedStudy);
    JsonObject session = new Api(two.url(), p.token()).startTraining(p.id(), PILOT_PARAMETERS);
    assertThat(session.getJsonObject("track").getInteger("step")).isEqualTo(1);

    // Different keys: two ratings of the same step, one of which must be refused. The same key: one request
    // retried on another server, which must answer as a duplicate. Alternated over three steps.
    for (int step = 1; step <= 3; step++) {
      boolean sameKey = step % 2 == 0;
      String body = new JsonObject().put("episode", 1).put("step", step).put("rating", 3 + step).encode();
      String key = UUID.randomUUID().toString();
      CompletableFuture<HttpResponse<String>> viaOne = HTTP.sendAsync(rating(one, p, body, key),
          HttpResponse.BodyHandlers.ofString());
      CompletableFuture<HttpResponse<String>> viaTwo = HTTP.sendAsync(rating(two, p, body,
          sameKey ? key : UUID.randomUUID().toString()), HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> a = viaOne.get(30, TimeUnit.SECONDS);
      HttpResponse<String> b = viaTwo.get(30, TimeUnit.SECONDS);
      String answers = "step " + step + (sameKey ? " (same key)" : "") + ": server 1 " + a.statusCode() + " "
          + a.body() + ", server 2 " + b.statusCode() + " " + b.body();

      if (sameKey) {
        assertThat(List.of(a.statusCode(), b.statusCode())).as(answers).containsExactly(200, 200);
        assertThat(List.of(new JsonObject(a.body()).getBoolean("duplicate"),
            new JsonObject(b.body()).getBoolean("duplicate"))).as(answers).containsExactlyInAnyOrder(true, false);
      } else {
        assertThat(List.of(a.statusCode(), b.statusCode())).as(answers).containsExactlyInAnyOrder(200, 409);
      }
      assertThat(ratingsStored(p.id(), step)).as(answers).isEqualTo(1);

      // Whichever server stored it, both show the next step at once.
      for (ServerProcess server : List.of(one, two, one)) {
        JsonObject now = new Api(server.url(), p.token()).session(p.id());
        assertThat(now.getJsonObject("track").getInteger("step")).as(answers + "; then " + server.url())
            .isEqualTo(step + 1);
      }
    }
  }

  @Test
  void aRetryOnTheOtherServerIsADuplicateWhateverItsTiming() throws Exception {
    // A client retrying on another server (a load balancer's retry) while the first request is still being
    // handled: sweep the gap between the two over the first request's time, 0 to 46 ms.
    for (int participant = 0; participant < 8; participant++) {
      Joined p = join(two, sharedStudy);
      new Api(one.url(), p.token()).startTraining(p.id(), PILOT_PARAMETERS);
      for (int step = 1; step <= 3; step++) {
        long gap = 2L * (participant * 3 + step - 1);
        String body = new JsonObject().put("episode", 1).put("step", step).put("rating", 5).encode();
        String key = UUID.randomUUID().toString();
        CompletableFuture<HttpResponse<String>> first = HTTP.sendAsync(rating(one, p, body, key),
            HttpResponse.BodyHandlers.ofString());
        Thread.sleep(gap);
        CompletableFuture<HttpResponse<String>> retry = HTTP.sendAsync(rating(two, p, body, key),
            HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> a = first.get(30, TimeUnit.SECONDS);
        HttpResponse<String> b = retry.get(30, TimeUnit.SECONDS);
        String answers = "retry after " + gap + " ms: server 1 " + a.statusCode() + " " + a.body() + ", server 2 "
            + b.statusCode() + " " + b.body();
        assertThat(List.of(a.statusCode(), b.statusCode())).as(answers).containsExactly(200, 200);
        assertThat(List.of(new JsonObject(a.body()).getBoolean("duplicate"),
            new JsonObject(b.body()).getBoolean("duplicate"))).as(answers).containsExactlyInAnyOrder(true, false);
        assertThat(ratingsStored(p.id(), step)).as(answers).isEqualTo(1);
      }
    }
  }

  // ---- helpers -------------------------------------------------------------------------------------------------

  private record Joined(String id, String token) {}

  private record Arrival(long nanos, JsonObject row) {}

  /** Milliseconds from {@code answered} to the first row that matches (negative if it came before the answer). */
  private static long arrivalAfter(LinkedBlockingQueue<Arrival> rows, long answered,
                                   java.util.function.Predicate<JsonObject> matches) throws InterruptedException {
    long deadline = answered + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      Arrival next = rows.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (next == null) {
        throw new AssertionError("no matching row on the monitor stream within 10 s");
      }
      if (matches.test(next.row())) {
        return TimeUnit.NANOSECONDS.toMillis(next.nanos() - answered);
      }
    }
  }

  private String openPilot(ServerProcess server) {
    Api researcher = new Api(server.url(), apiToken);
    Api.Reply created = researcher.post("/api/studies", new JsonObject().put("protocol", pilot).encode());
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    String id = created.json().getString("id");
    Api.Reply open = researcher.post("/api/studies/" + id + "/open", "{}");
    assertThat(open.status()).as(open.body()).isEqualTo(200);
    assertThat(open.json().getString("status")).isEqualTo("open");
    return id;
  }

  private static Joined join(ServerProcess server, String study) {
    Api.Reply r = new Api(server.url(), null).post("/api/studies/" + study + "/join", "{}");
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return new Joined(r.json().getString("participantId"), r.json().getString("token"));
  }

  private int ratingsStored(String participantId, int step) throws Exception {
    try (Connection c = database.ownerConnection(); PreparedStatement s = c.prepareStatement("select count(*) from"
        + " events where stream_id = ? and type = 'TrackRated' and (data->>'episode')::int = 1"
        + " and (data->>'step')::int = ?")) {
      s.setString(1, Participants.streamId(participantId));
      s.setInt(2, step);
      try (ResultSet rows = s.executeQuery()) {
        rows.next();
        return rows.getInt(1);
      }
    }
  }

  private static HttpRequest rating(ServerProcess server, Joined p, String body, String key) {
    return request(server, "/api/participants/" + p.id() + "/ratings", p.token()).header("Idempotency-Key", key)
        .POST(body(body)).build();
  }

  private static HttpRequest.Builder request(ServerProcess server, String path, String token) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(Duration.ofSeconds(60))
        .header("Content-Type", "application/json");
    return token == null ? b : b.header("Authorization", "Bearer " + token);
  }

  private static HttpRequest.BodyPublisher body(String json) {
    return HttpRequest.BodyPublishers.ofString(json);
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** Hands each line of a streamed body to a consumer. */
  private static final class LineSink implements java.util.concurrent.Flow.Subscriber<String> {
    private final java.util.function.Consumer<String> lines;

    LineSink(java.util.function.Consumer<String> lines) { this.lines = lines; }

    @Override public void onSubscribe(java.util.concurrent.Flow.Subscription s) { s.request(Long.MAX_VALUE); }

    @Override public void onNext(String line) { lines.accept(line); }

    @Override public void onError(Throwable failure) { }

    @Override public void onComplete() { }
  }
}
