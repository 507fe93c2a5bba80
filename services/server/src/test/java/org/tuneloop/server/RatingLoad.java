package org.tuneloop.server;

import io.vertx.core.json.JsonObject;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Simulated participants rating through the HTTP API while the server or its database is being hurt, keeping what
 * a careful client knows: which ratings were acknowledged, and which were sent but never answered (resent with the
 * same Idempotency-Key until they are). Each participant moves on to the next episode when one ends.
 */
final class RatingLoad implements AutoCloseable {
  /** A rating the server acknowledged (200), by stream, episode and step. */
  record Rating(String participantId, int episode, int step, String key) {}

  /** How long one request took and what it got; status 0 is no answer (refused or cut connection, timeout). */
  record Answer(long startedNanos, long millis, int status) {}

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final Supplier<String> baseUrl;
  private final Duration requestTimeout;
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final List<Thread> threads = new ArrayList<>();
  final Set<Rating> acknowledged = ConcurrentHashMap.newKeySet();
  /** Keys of ratings sent at least once without an answer (a 503 or none). */
  final Set<String> unanswered = ConcurrentHashMap.newKeySet();
  final List<Answer> answers = new CopyOnWriteArrayList<>();
  final List<String> unexpected = new CopyOnWriteArrayList<>();
  final AtomicInteger episodesStarted = new AtomicInteger();

  /** baseUrl is asked before every request: a restarted server may listen on another port. */
  RatingLoad(Supplier<String> baseUrl, Duration requestTimeout) {
    this.baseUrl = baseUrl;
    this.requestTimeout = requestTimeout;
  }

  /** Starts one thread per participant (id and token), each consenting if needed and rating until stopped. */
  RatingLoad start(List<String[]> participants) {
    for (String[] p : participants) {
      Thread t = new Thread(() -> rateUntilStopped(p[0], p[1]), "rater-" + p[0]);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    return this;
  }

  /** Stops rating; a rating still unanswered is resent with its key until answered (within the time given). */
  @Override
  public void close() throws InterruptedException {
    stopping.set(true);
    for (Thread t : threads) {
      t.join(120_000);
    }
  }

  private void rateUntilStopped(String id, String token) {
    String path = "/api/participants/" + id;
    String pendingBody = null;
    String pendingKey = null;
    int episode = 0;
    int step = 0;
    while (true) {
      if (pendingBody == null) {
        if (stopping.get()) return;
        JsonObject session = call("GET", path, token, null, null).json();
        if (session == null) {
          pause(100);
          continue;
        }
        String phase = session.getString("phase");
        switch (phase) {
          case "consent" -> {
            call("POST", path + "/consent", token, new JsonObject().put("consentVersion",
                session.getJsonObject("consent").getString("version")).put("agree", true).encode(), UUID.randomUUID().toString());
            continue;
          }
          case "instructions", "listening-check", "questionnaire" -> {
            FlowSteps.Step before = FlowSteps.next(session);
            call("POST", path + "/" + before.action(), token, before.body().encode(), UUID.randomUUID().toString());
            continue;
          }
          case "parameters" -> {
            call("POST", path + "/parameters", token, new JsonObject().put("baseNote", 60).put("scale", "major")
                .put("length", 8).put("tempo", 90).encode(), UUID.randomUUID().toString());
            continue;
          }
          case "between-episodes" -> {
            if (call("POST", path + "/episodes", token, null, UUID.randomUUID().toString()).status() == 200) {
              episodesStarted.incrementAndGet();
            }
            continue;
          }
          case "training" -> {
            JsonObject track = session.getJsonObject("track");
            episode = track.getInteger("episode");
            step = track.getInteger("step");
            pendingBody = new JsonObject().put("episode", episode).put("step", step)
                .put("rating", 1 + Math.floorMod((episode * 7 + step * 3 + id.hashCode()), 10)).encode();
            pendingKey = UUID.randomUUID().toString();
          }
          default -> {
            unexpected.add(id + ": phase " + phase);
            return;
          }
        }
      }
      Reply r = call("POST", path + "/ratings", token, pendingBody, pendingKey);
      if (r.status() == 200) {
        acknowledged.add(new Rating(id, episode, step, pendingKey));
        pendingBody = null;
      } else if (r.status() == 0 || r.status() == 503) {
        unanswered.add(pendingKey);
        pause(150);
      } else if (r.status() == 429) {
        pause(500);
      } else {
        unexpected.add(id + ": rating e" + episode + "s" + step + " answered " + r.status() + " " + r.body());
        pendingBody = null;
      }
    }
  }

  record Reply(int status, String body) {
    JsonObject json() {
      return status == 200 ? new JsonObject(body) : null;
    }
  }

  private Reply call(String method, String path, String token, String body, String key) {
    long started = System.nanoTime();
    int status = 0;
    String text = "";
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl.get() + path)).timeout(requestTimeout)
          .header("Authorization", "Bearer " + token)
          .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
      if (body != null) b.header("Content-Type", "application/json");
      if (key != null) b.header("Idempotency-Key", key);
      HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
      status = r.statusCode();
      text = r.body();
    } catch (java.io.IOException | UncheckedIOException | IllegalArgumentException e) {
      status = 0; // refused, cut or timed out: no answer
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    answers.add(new Answer(started, (System.nanoTime() - started) / 1_000_000, status));
    return new Reply(status, text);
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Enrols participants in the demo study with the researcher's token; returns id and token of each. */
  static List<String[]> enrol(String baseUrl, String researcherToken, int count) {
    Api researcher = new Api(baseUrl, researcherToken);
    List<String[]> enrolled = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Api.Reply r = researcher.post("/api/studies/demo/participants", "{}");
      if (r.status() != 201) throw new AssertionError("enrol: " + r.status() + " " + r.body());
      enrolled.add(new String[] {r.json().getString("participantId"), r.json().getString("token")});
    }
    return enrolled;
  }
}
