package org.tuneloop.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;

/**
 * The platform's own meters, beside Vert.x's HTTP and pool meters and the JVM's, all in one registry that
 * {@code GET /metrics} serves to an administrator (docs/operations.md). Names as Prometheus shows them are in the
 * comments; deploy/grafana-dashboard.json draws them.
 */
final class Metrics {
  /** Vert.x names its HTTP server timer so; a histogram by route here (vertx_http_server_response_time_seconds). */
  static final String HTTP_SERVER_TIME = "vertx.http.server.response.time";

  private final MeterRegistry registry;
  // tuneloop_append_seconds: one participant append, from sending the rows to the answer.
  final Timer append;
  // tuneloop_command_round_trips: database round trips one participant command took (1 with a cached state).
  final DistributionSummary roundTrips;
  // tuneloop_version_conflicts_total: another process (or request) appended to the participant first.
  final Counter versionConflicts;
  // tuneloop_participant_cache_total{result="hit"|"miss"}: commands decided on a cached state, or loading it first.
  final Counter cacheHits;
  final Counter cacheMisses;
  // tuneloop_participant_replay_seconds: folding a stream's events into a state (cold loads and tails).
  final Timer replay;
  // tuneloop_participant_snapshot_total{result="hit"|"miss"|"unusable"}: loads from nothing that started from a
  // snapshot, found none of the running code's, or found one that did not decode (and folded the log instead).
  final Counter snapshotHits;
  final Counter snapshotMisses;
  final Counter snapshotsUnusable;
  // tuneloop_participant_snapshot_read_seconds: decoding a snapshot into a state (its bytes come with the events).
  final Timer snapshotRead;
  // tuneloop_participant_snapshot_write_seconds: encoding a state and storing it, after the command has answered.
  final Timer snapshotWrite;

  private Metrics(MeterRegistry registry) {
    this.registry = registry;
    append = Timer.builder("tuneloop.append").description("A participant command's append to the event log")
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(5)).register(registry);
    roundTrips = DistributionSummary.builder("tuneloop.command.round.trips")
        .description("Database round trips of one participant command").serviceLevelObjectives(1, 2, 3, 4, 6, 8)
        .register(registry);
    versionConflicts = Counter.builder("tuneloop.version.conflicts")
        .description("Appends that found the participant's stream moved on, then decided again").register(registry);
    cacheHits = Counter.builder("tuneloop.participant.cache").tag("result", "hit").register(registry);
    cacheMisses = Counter.builder("tuneloop.participant.cache").tag("result", "miss").register(registry);
    replay = Timer.builder("tuneloop.participant.replay").description("Folding a participant's events into a state")
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(10_000))
        .maximumExpectedValue(Duration.ofSeconds(10)).register(registry);
    snapshotHits = Counter.builder("tuneloop.participant.snapshot").tag("result", "hit").register(registry);
    snapshotMisses = Counter.builder("tuneloop.participant.snapshot").tag("result", "miss").register(registry);
    snapshotsUnusable = Counter.builder("tuneloop.participant.snapshot").tag("result", "unusable")
        .register(registry);
    snapshotRead = Timer.builder("tuneloop.participant.snapshot.read")
        .description("Decoding a participant's snapshot into a state").publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(10_000)).maximumExpectedValue(Duration.ofSeconds(1)).register(registry);
    snapshotWrite = Timer.builder("tuneloop.participant.snapshot.write")
        .description("Encoding a participant's state and storing it as a snapshot").publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(10_000)).maximumExpectedValue(Duration.ofSeconds(5)).register(registry);
  }

  /**
   * A registry for a server, its filters configured before any meter is registered (Micrometer applies a filter
   * only to meters registered after it, and Vert.x registers its own as it starts).
   */
  static io.micrometer.prometheusmetrics.PrometheusMeterRegistry registry() {
    var registry = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
        io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
    registry.config().meterFilter(new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
        return id.getName().equals(HTTP_SERVER_TIME)
            ? DistributionStatisticConfig.builder().percentilesHistogram(true)
                .minimumExpectedValue((double) Duration.ofMillis(1).toNanos())
                .maximumExpectedValue((double) Duration.ofSeconds(10).toNanos()).build().merge(config)
            : config;
      }
    });
    // Vert.x tags a request with every route it passed, joined by '>' ("/api/>/api/>/api/participants/:participantId");
    // the last is the one that answered, and the one a reader looks for.
    registry.config().meterFilter(MeterFilter.replaceTagValues("route",
        route -> route.substring(route.lastIndexOf('>') + 1)));
    return registry;
  }

  /** The meters of a server, on a registry from {@link #registry()}: the platform's own, and the JVM's. */
  static Metrics of(MeterRegistry registry) {
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    return new Metrics(registry);
  }

  /** Meters nobody reads (tools and tests that make their own services). */
  static Metrics unread() {
    return new Metrics(new SimpleMeterRegistry());
  }

  /** tuneloop_participants_active: the participants whose state this process holds. */
  void activeParticipants(java.util.function.Supplier<Number> count) {
    io.micrometer.core.instrument.Gauge.builder("tuneloop.participants.active", count)
        .description("Participants whose state this process keeps in memory").register(registry);
  }
}
