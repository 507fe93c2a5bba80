package org.tuneloop.server;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.tuneloop.server.StudyAdminCommand.Refused;

/**
 * The HTTP API as simulated participants and their researcher reach it: one shared client for every thread, each
 * call with its own credentials. A command carries an Idempotency-Key and is sent again with the same key when the
 * answer is lost or the database was briefly away, as the web client does.
 */
final class SimulationClient {
  private static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(2);
  private static final int ATTEMPTS = 5;

  private final HttpClient http;
  private final URI base;
  private final String researcherToken;

  /** An answer as received: the status and the JSON body (an empty object when there was none). */
  record Reply(int status, JsonObject json) {
    boolean ok() { return status >= 200 && status < 300; }

    String reason() { return json.getString("reason"); }
  }

  SimulationClient(String url, String researcherToken) {
    String trimmed = url.strip().replaceAll("/+$", "");
    URI parsed;
    try {
      parsed = URI.create(trimmed);
    } catch (IllegalArgumentException e) {
      parsed = null;
    }
    if (parsed == null || parsed.getHost() == null
        || !("http".equals(parsed.getScheme()) || "https".equals(parsed.getScheme()))) {
      throw new Refused("--url must be the server's address, like http://localhost:8080; got '" + url + "'.");
    }
    if (researcherToken == null || researcherToken.isBlank()) {
      throw new Refused("No API token: pass --token or set TUNELOOP_TOKEN (make one on the dashboard or with "
          + "'study researcher token EMAIL --name NAME'); the simulation creates its study with it and reads the "
          + "participants' events.");
    }
    this.base = parsed;
    this.researcherToken = researcherToken.strip();
    // HTTP/1.1: no h2c upgrade dance on every new connection.
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10))
        .build();
  }

  URI base() { return base; }

  /** A researcher's read; anything but 2xx stops the simulation with the server's sentence. */
  JsonObject researcherGet(String path) {
    return expectOk(send("GET", path, researcherToken, null, null), path);
  }

  JsonObject researcherPost(String path, JsonObject body) {
    return expectOk(send("POST", path, researcherToken, body, null), path);
  }

  /** A call with a participant's token (or none, to join); the caller reads the status. */
  Reply send(String method, String path, String token, JsonObject body, String idempotencyKey) {
    IOException lost = null;
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(REQUEST_TIMEOUT)
          .header("Accept", "application/json");
      if (token != null) {
        request.header("Authorization", "Bearer " + token);
      }
      if (idempotencyKey != null) {
        request.header("Idempotency-Key", idempotencyKey).header("X-Client-Time", Instant.now().toString());
      }
      if (body != null) {
        request.header("Content-Type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofString(body.encode(), StandardCharsets.UTF_8));
      } else {
        request.method(method, HttpRequest.BodyPublishers.noBody());
      }
      try {
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        Reply reply = new Reply(response.statusCode(), json(response.body()));
        // A read may always be repeated; a command only with its key, which makes the repeat harmless.
        boolean repeatable = "GET".equals(method) || idempotencyKey != null;
        if (reply.status() == 503 && repeatable && attempt < ATTEMPTS) {
          pause(attempt);
          continue;
        }
        // Too fast for the server's per-participant limit: wait as it asks (Retry-After), then send the same again.
        if (reply.status() == 429 && repeatable && attempt < ATTEMPTS * 4) {
          waitSeconds(response.headers().firstValue("Retry-After").map(SimulationClient::seconds).orElse(1));
          continue;
        }
        return reply;
      } catch (IOException e) {
        lost = e;
        if ("GET".equals(method) || idempotencyKey != null) {
          pause(attempt);
          continue;
        }
        break;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new Refused("Interrupted while waiting for the server.");
      }
    }
    throw new Refused("Cannot reach the server at " + base + " (" + (lost == null ? "no answer"
        : lost.getClass().getSimpleName() + (lost.getMessage() == null ? "" : ": " + lost.getMessage()))
        + "); check --url and that the server is running.");
  }

  /** The reply's JSON, or the server's refusal as one sentence. */
  JsonObject expectOk(Reply reply, String path) {
    if (reply.ok()) {
      return reply.json();
    }
    if (reply.status() == 401) {
      throw new Refused("The API token is missing or not valid (the server says: " + reply.json().getString("detail")
          + "); make a new one on the dashboard or with 'study researcher token EMAIL --name NAME'.");
    }
    String detail = reply.json().getString("detail");
    if (detail == null) {
      throw new Refused("The server at " + base + " answered " + path + " with HTTP " + reply.status()
          + " and no explanation; is --url a Tuneloop server?");
    }
    throw new Refused("The server refused " + path + " (" + reply.status() + " "
        + reply.json().getString("error", "error") + "): " + detail + (detail.matches("(?s).*[.!?]$") ? "" : "."));
  }

  private static int seconds(String header) {
    try {
      return Math.max(1, Math.min(30, Integer.parseInt(header.trim())));
    } catch (NumberFormatException e) {
      return 1;
    }
  }

  private static void waitSeconds(int seconds) {
    try {
      Thread.sleep(1000L * seconds);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Refused("Interrupted while waiting for the server.");
    }
  }

  private static void pause(int attempt) {
    try {
      Thread.sleep(200L * attempt);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Refused("Interrupted while waiting for the server.");
    }
  }

  private static JsonObject json(String body) {
    try {
      return body == null || body.isBlank() ? new JsonObject() : new JsonObject(body);
    } catch (DecodeException | ClassCastException e) {
      return new JsonObject().put("detail", "the answer was not JSON");
    }
  }
}
