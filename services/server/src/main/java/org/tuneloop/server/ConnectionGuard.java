package org.tuneloop.server;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps silent or slow clients from holding the server's connections (docs/operations.md, "Timeouts and limits"):
 * a connection must send a complete request head within {@code headTimeout} of opening (or of its previous
 * answer); a connection with no traffic either
 * way for {@code idleTimeout} is closed; beyond {@code maxConnections} open connections, new ones are closed at
 * once, so the process keeps descriptors for its database and for the clients it is serving.
 */
final class ConnectionGuard {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);

  /** The bounds; {@link #standard()} is what `study serve` uses. */
  record Limits(Duration headTimeout, Duration idleTimeout, int maxConnections) {
    static Limits standard() {
      return new Limits(Duration.ofSeconds(10), Duration.ofSeconds(60), defaultMaxConnections());
    }

    /** At most 10,000, and never more than half the descriptors the process may open. */
    static int defaultMaxConnections() {
      if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
        return (int) Math.max(64, Math.min(10_000, unix.getMaxFileDescriptorCount() / 2));
      }
      return 10_000;
    }
  }

  private final Vertx vertx;
  private final Limits limits;
  private final AtomicInteger open = new AtomicInteger();
  // Connections that have not sent a whole request head yet, with when they opened (System.nanoTime()).
  private final Map<HttpConnection, Long> awaitingHead = new ConcurrentHashMap<>();
  private long sweepTimer = -1;
  private boolean warnedFull;

  ConnectionGuard(Vertx vertx, Limits limits) {
    this.vertx = vertx;
    this.limits = limits;
  }

  /** The server options these limits need: the idle timeout is Vert.x's own. */
  HttpServerOptions options() {
    return new HttpServerOptions().setHttp2ClearTextEnabled(false).setIdleTimeout((int) limits.idleTimeout().toMillis())
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
  }

  void start() {
    long every = Math.max(100, limits.headTimeout().toMillis() / 4);
    sweepTimer = vertx.setPeriodic(every, id -> closeSilent());
  }

  void stop() {
    if (sweepTimer >= 0) {
      vertx.cancelTimer(sweepTimer);
    }
  }

  /** For the server's connection handler. */
  void connected(HttpConnection connection) {
    if (open.incrementAndGet() > limits.maxConnections()) {
      open.decrementAndGet();
      if (!warnedFull) {
        warnedFull = true;
        LOG.warn("{} connections are open, the limit: new ones are closed until some end", limits.maxConnections());
      }
      connection.close();
      return;
    }
    warnedFull = false;
    awaitingHead.put(connection, System.nanoTime());
    connection.closeHandler(closed -> {
      open.decrementAndGet();
      awaitingHead.remove(connection);
    });
  }

  /**
   * For the server's request handler: this connection has sent a whole request head. Once its answer is sent, the
   * clock starts again for the next head, so a kept-alive connection cannot trickle its next request either.
   */
  void headReceived(io.vertx.core.http.HttpServerRequest request) {
    HttpConnection connection = request.connection();
    awaitingHead.remove(connection);
    request.response().endHandler(sent -> awaitingHead.put(connection, System.nanoTime()));
  }

  /** How many connections are open now (for tests and metrics). */
  int open() {
    return open.get();
  }

  private void closeSilent() {
    long now = System.nanoTime();
    long limit = limits.headTimeout().toNanos();
    awaitingHead.forEach((connection, since) -> {
      if (now - since > limit && awaitingHead.remove(connection) != null) {
        connection.close();
      }
    });
  }
}
