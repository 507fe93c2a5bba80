package org.tuneloop.server;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.sqlclient.Pool;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.tuneloop.eventstore.testing.TestDatabases.TestDatabase;

/**
 * A real HttpVerticle on port 0 in this process, over a pool of the test's database, and a real HTTP client
 * calling it: the fixture of the in-process API tests.
 */
final class InProcessServer {
  final Platform platform;
  final HttpVerticle http;
  final WebClient client;
  final int port;

  private InProcessServer(Platform platform, HttpVerticle http, WebClient client) {
    this.platform = platform;
    this.http = http;
    this.client = client;
    this.port = http.actualPort();
  }

  /** Deploys a server whose printed links start with publicUrl (https makes the session cookie Secure). */
  static InProcessServer deploy(Vertx vertx, Pool pool, TestDatabase database, String publicUrl) {
    return deploy(vertx, pool, database, publicUrl, ConnectionGuard.Limits.standard());
  }

  /** The same, with other timeouts and connection limits. */
  static InProcessServer deploy(Vertx vertx, Pool pool, TestDatabase database, String publicUrl,
                                ConnectionGuard.Limits limits) {
    return deploy(vertx, pool, database, publicUrl, limits, CommandRate.standard());
  }

  /**
   * The same, with a per-participant command rate (null: none, for tests that drive a participant through a whole
   * session faster than a person could).
   */
  static InProcessServer deploy(Vertx vertx, Pool pool, TestDatabase database, String publicUrl,
                                ConnectionGuard.Limits limits, CommandRate rate) {
    Platform platform = Platform.over(vertx, pool, database.app().connectOptions());
    HttpVerticle http = new HttpVerticle(new ServerConfig("localhost", 0, null, null, false, publicUrl, null),
        platform).withLimits(limits).withCommandRate(rate);
    await(vertx.deployVerticle(http));
    return new InProcessServer(platform, http, WebClient.create(vertx));
  }

  /** Deploys a server over a platform the test made (its own Vert.x and registry, for the metrics). */
  static InProcessServer deploy(Platform platform) {
    HttpVerticle http = new HttpVerticle(new ServerConfig("localhost", 0, null, null, false, "http://localhost", null),
        platform);
    await(platform.vertx().deployVerticle(http));
    return new InProcessServer(platform, http, WebClient.create(platform.vertx()));
  }

  /** An answer as received. */
  record Reply(int status, MultiMap headers, String body) {
    JsonObject json() { return new JsonObject(body); }

    List<String> cookies() { return headers.getAll("set-cookie"); }

    /** The session cookie's value from Set-Cookie. */
    String sessionCookie() {
      return cookies().stream().filter(c -> c.startsWith("tuneloop_session=")).findFirst()
          .map(c -> c.substring("tuneloop_session=".length(), c.indexOf(';'))).orElseThrow();
    }
  }

  /** How a request authenticates: a bearer token, or a session cookie with (or without) a CSRF token. */
  record As(String bearer, String cookie, String csrf) {
    static As nobody() { return new As(null, null, null); }

    static As bearer(String token) { return new As(token, null, null); }

    static As session(String cookie, String csrf) { return new As(null, cookie, csrf); }

    As withoutCsrf() { return new As(bearer, cookie, null); }
  }

  /** Sends a request without waiting for it (for requests fired at once). */
  Future<Reply> send(As as, HttpMethod method, String path, JsonObject body, Map<String, String> headers) {
    var request = client.request(method, port, "localhost", path);
    if (as.bearer() != null) {
      request.putHeader("Authorization", "Bearer " + as.bearer());
    }
    if (as.cookie() != null) {
      request.putHeader("Cookie", "tuneloop_session=" + as.cookie());
    }
    if (as.csrf() != null) {
      request.putHeader("X-CSRF-Token", as.csrf());
    }
    headers.forEach(request::putHeader);
    Future<HttpResponse<Buffer>> sent = body == null ? request.send() : request.sendJsonObject(body);
    return sent.map(response -> new Reply(response.statusCode(), response.headers(), response.bodyAsString()));
  }

  Reply call(As as, HttpMethod method, String path, JsonObject body) {
    return await(send(as, method, path, body, Map.of()));
  }

  Reply get(As as, String path) { return call(as, HttpMethod.GET, path, null); }

  Reply post(As as, String path, JsonObject body) { return call(as, HttpMethod.POST, path, body); }

  /** Waits for a future on the test's thread (never on an event loop). */
  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError(e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new AssertionError(e);
    }
  }

  /** The single number a query answers, asked as the database owner. */
  static long count(TestDatabase database, String sql) {
    try (var c = database.ownerConnection(); var s = c.createStatement(); var r = s.executeQuery(sql)) {
      r.next();
      return r.getLong(1);
    } catch (java.sql.SQLException e) {
      throw new AssertionError(e);
    }
  }
}
