package org.tuneloop.server;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A small blocking HTTP client for the API tests, speaking as one token. */
public record Api(String baseUrl, String token) {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  public record Reply(int status, String body, byte[] bytes) {
    public JsonObject json() { return new JsonObject(body); }
  }

  public Api as(String otherToken) { return new Api(baseUrl, otherToken); }

  public Reply get(String path) { return send("GET", path, null, null); }

  public Reply post(String path, String body) { return send("POST", path, body, null); }

  public Reply post(String path, String body, String idempotencyKey) {
    return send("POST", path, body, idempotencyKey);
  }

  public Reply send(String method, String path, String body, String idempotencyKey) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    if (idempotencyKey != null) {
      b.header("Idempotency-Key", idempotencyKey);
    }
    try {
      HttpResponse<byte[]> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
      return new Reply(r.statusCode(), new String(r.body(), java.nio.charset.StandardCharsets.UTF_8), r.body());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The participant's session. */
  public JsonObject session(String participantId) {
    Reply r = get("/api/participants/" + participantId);
    if (r.status() != 200) {
      throw new AssertionError("GET session: " + r.status() + " " + r.body());
    }
    return r.json();
  }

  /** Consents, goes through the blocks before training and chooses parameters, leaving the participant at episode 1 step 1. */
  public JsonObject startTraining(String participantId, JsonObject parameters) {
    JsonObject s = session(participantId);
    Reply consent = post("/api/participants/" + participantId + "/consent",
        new JsonObject().put("consentVersion", s.getJsonObject("consent").getString("version")).put("agree", true).encode());
    if (consent.status() != 200) {
      throw new AssertionError("consent: " + consent.status() + " " + consent.body());
    }
    throughBlocksBeforeTraining(participantId, consent.json());
    Reply started = post("/api/participants/" + participantId + "/parameters", parameters.encode());
    if (started.status() != 200) {
      throw new AssertionError("parameters: " + started.status() + " " + started.body());
    }
    return started.json();
  }

  /** Answers the blocks between consent and training (FlowSteps), returning the session at the parameters. */
  public JsonObject throughBlocksBeforeTraining(String participantId, JsonObject session) {
    while (FlowSteps.beforeTraining(session)) {
      session = step(participantId, session);
    }
    return session;
  }

  /** Answers the blocks after training (evaluation, questionnaires, debrief), returning the finished session. */
  public JsonObject throughBlocksAfterTraining(String participantId, JsonObject session) {
    while (!session.getString("phase").equals("finished")) {
      session = step(participantId, session);
    }
    return session;
  }

  private JsonObject step(String participantId, JsonObject session) {
    FlowSteps.Step step = FlowSteps.next(session);
    Reply r = post("/api/participants/" + participantId + "/" + step.action(), step.body().encode(),
        java.util.UUID.randomUUID().toString());
    if (r.status() != 200) {
      throw new AssertionError(step.action() + ": " + r.status() + " " + r.body());
    }
    return r.json();
  }

  /** Rates the track waiting in the session, with a fresh idempotency key. */
  public Reply rate(String participantId, JsonObject session, int rating) {
    JsonObject track = session.getJsonObject("track");
    return post("/api/participants/" + participantId + "/ratings", new JsonObject()
        .put("episode", track.getInteger("episode")).put("step", track.getInteger("step")).put("rating", rating)
        .encode(), java.util.UUID.randomUUID().toString());
  }
}
