package org.tuneloop.server;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import org.tuneloop.eventstore.Checkpoints;
import org.tuneloop.eventstore.DatabaseAddress;
import org.tuneloop.eventstore.EmbeddedDatabase;
import org.tuneloop.eventstore.EventStore;
import org.tuneloop.eventstore.Migrations;
import org.tuneloop.eventstore.Secrets;

/**
 * One running process: the database (embedded or external, migrated as its owner), Vert.x, one pool connected as
 * the application role, and the application services over them. Closing it releases all of that.
 */
public final class Platform implements AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Platform.class);
  /** How often the embedded PostgreSQL is checked, and so about how soon a dead one is started again. */
  static final long DATABASE_CHECK_MS = 1_000;

  // Replaced when the embedded PostgreSQL died and was started again.
  private volatile EmbeddedDatabase embedded;
  private final java.util.concurrent.atomic.AtomicBoolean restarting = new java.util.concurrent.atomic.AtomicBoolean();
  private volatile boolean closing;
  private long databaseCheck = -1;
  private final DatabaseAddress owner;
  private final Vertx vertx;
  private final Pool pool;
  private final PrometheusMeterRegistry metrics;
  private final io.vertx.pgclient.PgConnectOptions appConnectOptions;
  public final EventStore store;
  public final Checkpoints checkpoints;
  public final Participants participants;
  public final AccessTokens tokens;
  public final Studies studies;
  public final Researchers researchers;
  public final ApiTokens apiTokens;
  public final StudyAccess access;

  private Platform(EmbeddedDatabase embedded, DatabaseAddress owner, Vertx vertx, Pool pool,
                   PrometheusMeterRegistry metrics, io.vertx.pgclient.PgConnectOptions appConnectOptions) {
    this.appConnectOptions = appConnectOptions;
    this.embedded = embedded;
    this.owner = owner;
    this.vertx = vertx;
    this.pool = pool;
    this.metrics = metrics;
    this.store = new EventStore(pool, vertx);
    this.checkpoints = new Checkpoints(pool);
    Metrics meters = Metrics.of(metrics);
    this.participants = new Participants(store, instanceName(), meters);
    meters.activeParticipants(participants::cached);
    this.tokens = new AccessTokens(pool);
    this.studies = new Studies(store, pool, instanceName());
    this.researchers = new Researchers(pool);
    this.apiTokens = new ApiTokens(pool);
    this.access = new StudyAccess(pool);
  }

  /** The application role's password for the embedded database, generated at its first start (0600). */
  static final String APP_PASSWORD_FILE = "app.password";

  /** Why an external database is refused without the application role's secret; one sentence for the command line. */
  static final String APP_PASSWORD_MISSING = "an external database needs the application role's password: give it with"
      + " --app-password or the environment variable TUNELOOP_APP_PASSWORD (the same for every server and migrate)";

  /**
   * Starts the database (the embedded one unless a URL is given), migrates it, sets the application role's password
   * and connects as that role. An external database needs the password configured; the embedded one generates its
   * own into the data folder unless one is given.
   */
  public static Platform open(String databaseUrl, Path dataDirectory, String appRolePassword) {
    return open(databaseUrl, dataDirectory, appRolePassword, DEFAULT_POOL_SIZE);
  }

  /**
   * Connections the application pool keeps to PostgreSQL. A rating holds one for a single round trip
   * (docs/performance.md), so a few per core of the database serve many participants; more only queue in
   * PostgreSQL. Set with `serve --db-pool-size` or TUNELOOP_DB_POOL_SIZE; every process of a study counts against
   * the database's max_connections.
   */
  public static final int DEFAULT_POOL_SIZE = 8;

  /** The same, with a pool of that many connections. */
  public static Platform open(String databaseUrl, Path dataDirectory, String appRolePassword, int poolSize) {
    if (poolSize < 1) {
      throw new IllegalArgumentException("the database pool needs at least one connection, not " + poolSize);
    }
    if (databaseUrl != null && (appRolePassword == null || appRolePassword.isEmpty())) {
      throw new IllegalArgumentException(APP_PASSWORD_MISSING);
    }
    EmbeddedDatabase embedded = null;
    DatabaseAddress owner;
    String appPassword = appRolePassword;
    if (databaseUrl == null) {
      embedded = EmbeddedDatabase.start(dataDirectory.resolve("postgres"));
      owner = embedded.owner();
    } else {
      owner = DatabaseAddress.parse(databaseUrl);
    }
    try {
      if (appPassword == null || appPassword.isEmpty()) {
        appPassword = Secrets.readOrCreate(dataDirectory.toAbsolutePath().resolve(APP_PASSWORD_FILE));
      }
      Migrations.AppRole role = Migrations.AppRole.withPassword(appPassword);
      Migrations.migrate(owner, role);
      PrometheusMeterRegistry metrics = Metrics.registry();
      Vertx vertx = measuredVertx(metrics);
      // Statements prepared once per connection and kept: without it every query is parsed and planned again,
      // a round trip of its own (docs/performance.md).
      io.vertx.pgclient.PgConnectOptions app = owner.as(role.user(), role.password()).connectOptions()
          .setReconnectAttempts(2).setReconnectInterval(500).setCachePreparedStatements(true);
      Pool pool = PgBuilder.pool()
          .with(new PoolOptions().setMaxSize(poolSize))
          .connectingTo(app)
          .using(vertx)
          .build();
      Platform platform = new Platform(embedded, owner, vertx, pool, metrics, app);
      platform.keepEmbeddedRunning();
      return platform;
    } catch (java.io.IOException e) {
      if (embedded != null) {
        embedded.close();
      }
      throw new java.io.UncheckedIOException("could not keep the application role's password in " + dataDirectory, e);
    } catch (RuntimeException e) {
      if (embedded != null) {
        embedded.close();
      }
      throw e;
    }
  }

  /**
   * Services over a pool someone else owns (in-process tests): no embedded database, no migrations; closing it
   * closes nothing of theirs.
   */
  static Platform over(Vertx vertx, Pool pool, io.vertx.pgclient.PgConnectOptions app) {
    return over(vertx, pool, app, Metrics.registry());
  }

  /** The same, with the registry of a Vert.x made by {@link #measuredVertx}. */
  static Platform over(Vertx vertx, Pool pool, io.vertx.pgclient.PgConnectOptions app, PrometheusMeterRegistry metrics) {
    return new Platform(null, null, vertx, pool, metrics, app);
  }

  /** A Vert.x whose HTTP server, clients and pools report to the registry. */
  static Vertx measuredVertx(PrometheusMeterRegistry metrics) {
    return Vertx.builder()
        // The route (not the path, which names a participant) labels the HTTP meters.
        .with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)
            .addLabels(io.vertx.micrometer.Label.HTTP_ROUTE)))
        .withMetrics(new MicrometerMetricsFactory(metrics))
        .build();
  }

  /**
   * The embedded PostgreSQL is this process's to keep: when its postmaster dies (a kill -9, the OOM killer), it is
   * started again on the same folder and port, and the pool's new connections reach it. Requests in between fail
   * fast with 503. An external database is not ours to start: the pool reconnects when it is back.
   */
  private void keepEmbeddedRunning() {
    if (embedded == null) {
      return;
    }
    databaseCheck = vertx.setPeriodic(DATABASE_CHECK_MS, id -> {
      if (closing || !restarting.compareAndSet(false, true)) {
        return;
      }
      vertx.executeBlocking(() -> {
        if (!closing && !embedded.running()) {
          LOG.warn("the embedded PostgreSQL in {} stopped; starting it again", embedded.dataDirectory());
          long started = System.nanoTime();
          embedded = embedded.restart();
          LOG.warn("the embedded PostgreSQL is back after {} ms", (System.nanoTime() - started) / 1_000_000);
        }
        return null;
      }, false).onComplete(done -> {
        restarting.set(false);
        if (done.failed()) {
          LOG.warn("the embedded PostgreSQL could not be started again (tried again in {} ms): {}", DATABASE_CHECK_MS,
              done.cause().getMessage());
        }
      });
    });
  }

  public Vertx vertx() { return vertx; }

  public Pool pool() { return pool; }

  public PrometheusMeterRegistry metrics() { return metrics; }

  /** How the application role connects, for a LISTEN connection beside the pool. */
  public io.vertx.pgclient.PgConnectOptions appConnectOptions() { return appConnectOptions; }

  /** Where the embedded database keeps its superuser's password; empty for an external database. */
  public java.util.Optional<Path> ownerPasswordFile() {
    return embedded == null ? java.util.Optional.empty()
        : java.util.Optional.of(embedded.dataDirectory().resolve(EmbeddedDatabase.PASSWORD_FILE));
  }

  /** The owner's address, printed for researchers who want to query the database directly. */
  public DatabaseAddress owner() { return owner; }

  /** Blocks until the future completes; for the command line only, never on an event loop. */
  public static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  @Override
  public void close() {
    closing = true;
    if (databaseCheck >= 0) {
      vertx.cancelTimer(databaseCheck);
    }
    try {
      // Closed one after the other from this thread: closing Vert.x from one of its own threads never completes.
      await(pool.close());
      await(vertx.close());
    } finally {
      if (embedded != null) {
        embedded.close();
      }
    }
  }

  private static String instanceName() {
    return ManagementFactory.getRuntimeMXBean().getName();
  }
}
