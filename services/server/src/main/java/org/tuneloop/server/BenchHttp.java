package org.tuneloop.server;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The benchmark's participants' side of HTTP: a Vert.x HTTP/1.1 client with keep-alive connections, on a Vert.x of
 * its own with one event loop, so that the load it generates costs little and its thread is told apart from the
 * server's. Every call is a real request; the answer is read as JSON by the caller.
 */
final class BenchHttp implements AutoCloseable {
  /** Repeats of a command with the same Idempotency-Key while the database is briefly away (503). */
  private static final int ATTEMPTS = 5;

  private final Vertx vertx;
  private final HttpClientAgent http;
  private final String host;
  private final int port;
  private final Set<Long> threads = ConcurrentHashMap.newKeySet();

  /** An answer as received: the status and the body. */
  record Reply(int status, Buffer body) {
    boolean ok() { return status >= 200 && status < 300; }

    JsonObject json() { return body.length() == 0 ? new JsonObject() : new JsonObject(body); }
  }

  BenchHttp(String host, int port, int connections) {
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
    this.http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
        new PoolOptions().setHttp1MaxSize(connections));
    this.host = host;
    this.port = port;
    Promise<Void> known = Promise.promise();
    vertx.runOnContext(x -> {
      threads.add(Thread.currentThread().threadId());
      known.complete();
    });
    Platform.await(known.future());
  }

  /** The ids of the threads this client runs on (its event loop). */
  Set<Long> threads() { return threads; }

  /** Runs the action on the client's event loop (where every participant's steps run, one at a time). */
  <T> Future<T> onLoop(java.util.function.Supplier<Future<T>> action) {
    Promise<T> done = Promise.promise();
    vertx.runOnContext(x -> action.get().onComplete(done));
    return done.future();
  }

  /** A call with a participant's token (or none, to join), and a command's Idempotency-Key (or none). */
  Future<Reply> send(HttpMethod method, String path, String token, Buffer body, String key) {
    return send(method, path, token, body, key, 1);
  }

  private Future<Reply> send(HttpMethod method, String path, String token, Buffer body, String key, int attempt) {
    RequestOptions request = new RequestOptions().setMethod(method).setHost(host).setPort(port).setURI(path)
        .putHeader("Accept", "application/json");
    if (token != null) {
      request.putHeader("Authorization", "Bearer " + token);
    }
    if (key != null) {
      request.putHeader("Idempotency-Key", key).putHeader("X-Client-Time", Instant.now().toString());
    }
    if (body != null) {
      request.putHeader("Content-Type", "application/json");
    }
    return http.request(request)
        .compose(r -> body == null ? r.send() : r.send(body))
        .compose(response -> response.body().map(b -> new Reply(response.statusCode(), b)))
        .compose(reply -> {
          // A read may always be repeated; a command only with its key, which makes the repeat harmless.
          if (reply.status() == 503 && (method == HttpMethod.GET || key != null) && attempt < ATTEMPTS) {
            Promise<Reply> later = Promise.promise();
            vertx.setTimer(100L * attempt, t -> send(method, path, token, body, key, attempt + 1).onComplete(later));
            return later.future();
          }
          return Future.succeededFuture(reply);
        });
  }

  @Override
  public void close() {
    Platform.await(http.close().compose(x -> vertx.close()));
  }
}
