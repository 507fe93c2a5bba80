package org.tuneloop.server;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.tuneloop.eventstore.StoredEvent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * `study bench` (docs/performance.md): the platform against the same work done by a plain client on the same
 * PostgreSQL, in one run. Every figure is printed as `name: value` and written as JSON.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Measure rating throughput against raw PostgreSQL, open-loop latency, replay, audit, heap and "
        + "cold load on one PostgreSQL (the embedded one by default), and print one 'name: value' line per figure.")
final class BenchCommand implements Callable<Integer> {
  /** The names every run prints (docs/performance.md says what each means). */
  static final List<String> REQUIRED = List.of("rating_roundtrip_ratio", "rating_p99_ms_500", "rating_p99_ms_2000",
      "replay_ratio", "audit_ratio", "heap_mb_per_1000_active", "cold_load_p99_ms");
  private static final List<String> SETTINGS = List.of("fsync", "synchronous_commit", "full_page_writes",
      "shared_buffers", "max_connections");
  /** The same concurrency for the platform and the raw loop. */
  private static final int WRITERS = 16;
  /** Ratings after which a participant finishes and joins again: the cold load reads such a stream. */
  private static final int STEPS = 200;
  private static final String RAW_INSERT =
      "insert into bench_events (stream_id, version, event_id, type, schema_version, data, metadata, recorded_at,"
          + " prev_hash, hash, hash_version) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning position";

  @Spec
  CommandSpec spec;

  @Option(names = "--quick", description = "Short phases and fewer participants (under two minutes on 2 cores).")
  boolean quick;

  @Option(names = "--db", paramLabel = "URL",
      description = "PostgreSQL owner URL of a scratch database (the bench writes into it); without it, an embedded "
          + "PostgreSQL in a temporary folder, removed afterwards.")
  String url;

  @Option(names = "--app-password", paramLabel = "SECRET", defaultValue = "${env:TUNELOOP_APP_PASSWORD}",
      description = "Password of the application role with --db (env TUNELOOP_APP_PASSWORD).")
  String appPassword;

  @Option(names = "--out", paramLabel = "FILE.json", description = "Also write the figures to this JSON file.")
  Path out;

  @Option(names = "--pool-size", paramLabel = "N", description = "Connections of the platform's pool and of the raw "
      + "loop's alike (default: serve's, ${DEFAULT-VALUE}).")
  int poolSize = Platform.DEFAULT_POOL_SIZE;

  private final Map<String, Object> figures = new LinkedHashMap<>();
  /** Threads of the bench's own HTTP participants that are named like the server's (left out of its CPU). */
  private final java.util.Set<Long> clientThreads = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** How long and how big each phase is. */
  record Plan(int warmUpSeconds, int seconds, int lowCrowd, int highCrowd, int openSeconds, long replayEvents,
              int coldLoads) {
    static Plan of(boolean quick) {
      return quick ? new Plan(4, 8, 100, 200, 15, 50_000, 30) : new Plan(10, 30, 500, 2000, 60, 1_000_000, 200);
    }
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter print = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Plan plan = Plan.of(quick);
    long started = System.nanoTime();
    Path folder = Files.createTempDirectory("tuneloop-bench-");
    err.println("Benchmark (" + (quick ? "quick" : "full") + ") on " + (url == null ? "an embedded PostgreSQL in "
        + folder : "the database at --db") + " ...");
    err.flush();
    try {
      Platform platform = Platform.open(url, folder, appPassword, poolSize);
      figures.put("pool_size", poolSize);
      try {
        run(platform, folder, plan, err, started);
      } finally {
        platform.close();
      }
    } finally {
      delete(folder);
    }
    JsonObject json = new JsonObject();
    figures.forEach((name, value) -> {
      print.println(name + ": " + value);
      json.put(name, value);
    });
    print.flush();
    if (out != null) {
      Files.writeString(out, json.encodePrettily() + "\n", StandardCharsets.UTF_8);
      err.println("Wrote " + out);
    }
    err.flush();
    return 0;
  }

  private void run(Platform platform, Path folder, Plan plan, PrintWriter err, long started) throws Exception {
    HttpVerticle http = server(platform, folder);
    Platform.await(platform.vertx().deployVerticle(http));
    // As serve: the database up (an embedded one made and started), migrated, and the HTTP server listening.
    put("ready_s", (System.nanoTime() - started) / 1e9);
    Researchers.Researcher researcher = Platform.await(platform.researchers.create(
        "bench@localhost", Researchers.Role.RESEARCHER, Passwords.hash(AccessTokens.newSecret())));
    String token = Platform.await(platform.apiTokens.issue(researcher.id(), "bench")).token();
    SimulationClient api = new SimulationClient("http://localhost:" + http.actualPort(), token);
    String studyId = api.researcherPost("/api/studies", new JsonObject().put("id", "bench")
        .put("protocol", ProtocolFile.withoutFlow(StudyCommand.resource("/study-protocols/paper-replication.yaml"))))
        .getString("id");
    api.researcherPost("/api/studies/" + StudyAdminCommand.Api.segment(studyId) + "/open", new JsonObject());
    settings(platform);
    // The participants' own client, with its own event loop (told apart from the server's in the CPU figures).
    BenchHttp participants = new BenchHttp("localhost", http.actualPort(), 4 * plan.highCrowd());
    clientThreads.addAll(participants.threads());
    Pool owner = PgBuilder.pool().with(new PoolOptions().setMaxSize(poolSize))
        .connectingTo(platform.owner().connectOptions().setCachePreparedStatements(true))
        .using(platform.vertx()).build();
    try {
      ConcurrentLinkedQueue<String> full = new ConcurrentLinkedQueue<>();
      phase(err, "rating round trip, " + WRITERS + " participants without pause");
      roundTrip(participants, studyId, plan, full, platform);
      phase(err, "raw appends, " + WRITERS + " writers");
      raw(owner, plan);
      put("rating_roundtrip_ratio", ratio((double) figures.get("rating_roundtrip_per_s"),
          (double) figures.get("raw_per_s")));
      for (int crowd : List.of(plan.lowCrowd(), plan.highCrowd())) {
        phase(err, "open loop, " + crowd + " participants rating every 3-8 s");
        openLoop(participants, studyId, crowd, plan, crowd == plan.lowCrowd() ? "500" : "2000");
      }
      phase(err, "replay and audit of the log");
      replay(platform, owner);
      phase(err, "the study's learning view, folded and then kept");
      studyLearning(api, studyId);
      phase(err, "a second server on the whole log");
      secondServer(platform, folder);
      phase(err, "cold loads of " + STEPS + "-step participants");
      coldLoad(platform, full, plan);
    } finally {
      participants.close();
      Platform.await(owner.close());
    }
  }

  private static HttpVerticle server(Platform platform, Path folder) {
    return new HttpVerticle(new ServerConfig("localhost", 0, null, folder, false, null, null), platform)
        .withCommandRate(null);
  }

  /**
   * Another server started on the log the bench has filled, as after a restart (in this JVM, so compiled already):
   * how soon it answers, and how long its live monitor takes to fold the whole log in the background.
   */
  private void secondServer(Platform platform, Path folder) {
    long started = System.nanoTime();
    HttpVerticle second = server(platform, folder);
    String deployment = Platform.await(platform.vertx().deployVerticle(second));
    put("second_server_ready_s", (System.nanoTime() - started) / 1e9);
    Platform.await(second.monitor().caughtUp());
    put("monitor_catch_up_s", (System.nanoTime() - started) / 1e9);
    Platform.await(platform.vertx().undeploy(deployment));
  }

  /**
   * A researcher's view of the study's learning over the whole log, twice: the first call folds every participant's
   * stream, the second only those that moved meanwhile (none: the participants have stopped).
   */
  private void studyLearning(SimulationClient api, String studyId) {
    String path = "/api/studies/" + StudyAdminCommand.Api.segment(studyId) + "/learning";
    for (String name : List.of("study_learning_first_s", "study_learning_again_s")) {
      long started = System.nanoTime();
      api.researcherGet(path);
      put(name, (System.nanoTime() - started) / 1e9);
    }
  }

  private static void phase(PrintWriter err, String what) {
    err.println("  " + what + " ...");
    err.flush();
  }

  private void settings(Platform platform) {
    for (Row row : Platform.await(platform.pool().preparedQuery(
        "select name, current_setting(name) as value from pg_settings where name = any($1) order by name")
        .execute(Tuple.of(SETTINGS.toArray(new String[0]))))) {
      figures.put("pg_" + row.getString("name"), row.getString("value"));
    }
  }

  /**
   * WRITERS participants rate without pause; the rate counts the plan's seconds. They go on until the log holds the
   * replay's events (not counted).
   */
  private void roundTrip(BenchHttp participants, String studyId, Plan plan, ConcurrentLinkedQueue<String> full,
                         Platform platform) throws Exception {
    AtomicLong ratings = new AtomicLong();
    java.util.concurrent.atomic.AtomicBoolean enough = new java.util.concurrent.atomic.AtomicBoolean();
    List<Future<Void>> running = new ArrayList<>();
    List<BenchParticipant> joined = new ArrayList<>();
    for (int i = 0; i < WRITERS; i++) {
      Taste.Rater rater = Taste.Rater.of(Taste.DEFAULT, 1, i);
      joined.add(Platform.await(participants.onLoop(
          () -> new BenchParticipant(participants, studyId, rater, STEPS, full::add).join())));
    }
    long started = System.nanoTime();
    for (BenchParticipant p : joined) {
      running.add(participants.onLoop(() -> rateUntil(p, enough, ratings)));
    }
    // Counted after a warm-up: a fresh JVM compiles the hot paths in its first seconds.
    put("rating_roundtrip_warm_up_s", warmUp(plan));
    // Where a rating's cost goes, over the same window: PostgreSQL transactions (each statement outside a
    // transaction is one), this process's CPU (the server and the bench's own HTTP participants) and how busy the
    // whole machine was (other work on it slows the round trip, not the raw loop).
    long transactionsFrom = transactions(platform);
    long ratingsAtFirstRead = ratings.get();
    com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
        java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    long cpuFrom = os.getProcessCpuTime();
    Map<Part, Map<Long, Long>> threadsFrom = threadsCpu();
    long compilingFrom = compiling();
    double machineLoad = 0;
    int loadSamples = 0;
    long countedFrom = ratings.get();
    long windowStarted = System.nanoTime();
    long windowEnds = windowStarted + plan.seconds() * 1_000_000_000L;
    while (System.nanoTime() < windowEnds) {
      Thread.sleep(Math.min(500, Math.max(1, (windowEnds - System.nanoTime()) / 1_000_000)));
      double load = os.getCpuLoad();
      if (load >= 0) {
        machineLoad += load;
        loadSamples++;
      }
    }
    long counted = ratings.get() - countedFrom;
    double seconds = (System.nanoTime() - windowStarted) / 1e9;
    long cpu = os.getProcessCpuTime() - cpuFrom;
    Map<Part, Map<Long, Long>> threadsTo = threadsCpu();
    // Both reads lag the statistics alike, so the ratings between them match the transactions between them.
    long transactions = transactions(platform) - transactionsFrom;
    long ratingsBetweenReads = ratings.get() - ratingsAtFirstRead;
    put("rating_roundtrip_per_s", counted / seconds);
    put("rating_roundtrip_seconds", seconds);
    put("db_transactions_per_rating", ratingsBetweenReads == 0 ? 0.0 : (double) transactions / ratingsBetweenReads);
    put("jvm_cpu_ms_per_rating", counted == 0 ? 0.0 : cpu / 1e6 / counted);
    put("jit_compiling_ms_per_rating", counted == 0 ? 0.0 : (compiling() - compilingFrom) / (double) counted);
    for (Part part : List.of(Part.SERVER, Part.PARTICIPANTS)) {
      put(part.name().toLowerCase(Locale.ROOT) + "_cpu_ms_per_rating", counted == 0 ? 0.0
          : cpuSince(threadsTo.get(part), threadsFrom.get(part)) / 1e6 / counted);
    }
    put("machine_cpu_busy_roundtrip", loadSamples == 0 ? -1.0 : machineLoad / loadSamples);
    // A participant that failed (a refused or wrong answer) stops the run with the server's sentence.
    while (!enough.get() && running.stream().noneMatch(Future::failed)) {
      long events = Platform.await(platform.pool().query("select count(*) from events").execute())
          .iterator().next().getLong(0);
      enough.set(events >= plan.replayEvents());
      if (!enough.get()) {
        Thread.sleep(500);
      }
    }
    Platform.await(Future.all(running));
    put("fill_seconds", (System.nanoTime() - started) / 1e9);
  }

  /**
   * The plan's warm-up, then on until the JIT compiler has settled (less than a tenth of a second compiling in each
   * of the last three seconds), at most four times the warm-up. A fresh JVM compiles the server's hot paths for 10
   * to 20 s, on the same cores: counted in the window, that compiling is a cost of starting, not of rating. The
   * seconds waited.
   */
  private static double warmUp(Plan plan) throws InterruptedException {
    long started = System.nanoTime();
    Thread.sleep(plan.warmUpSeconds() * 1000L);
    long until = started + 4L * plan.warmUpSeconds() * 1_000_000_000L;
    long compiled = compiling();
    // Three quiet seconds in a row: on a busy machine the compiler's thread may simply not have run for one.
    int quiet = 0;
    while (System.nanoTime() < until && quiet < 3) {
      Thread.sleep(1000);
      long now = compiling();
      quiet = now - compiled < 100 ? quiet + 1 : 0;
      compiled = now;
    }
    return (System.nanoTime() - started) / 1e9;
  }

  /** Garbage collections so far, of every collector. */
  private static long collections() {
    long total = 0;
    for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      total += Math.max(0, gc.getCollectionCount());
    }
    return total;
  }

  /** Milliseconds the JIT compiler has spent so far (0 where the JVM does not say). */
  private static long compiling() {
    java.lang.management.CompilationMXBean compiler = ManagementFactory.getCompilationMXBean();
    return compiler != null && compiler.isCompilationTimeMonitoringSupported() ? compiler.getTotalCompilationTime() : 0;
  }

  /** One participant rating without pause until there is enough, counting its ratings. */
  private static Future<Void> rateUntil(BenchParticipant p, java.util.concurrent.atomic.AtomicBoolean enough,
                                        AtomicLong ratings) {
    return Repeat.whileTrue(() -> enough.get() ? Future.succeededFuture(false)
        : p.rate().map(nanos -> {
          ratings.incrementAndGet();
          return true;
        }));
  }

  /** Where a thread's CPU is counted in the round trip's figures. */
  private enum Part { SERVER, PARTICIPANTS, OTHER }

  /**
   * CPU nanoseconds so far of each thread, by part: the platform's Vert.x threads (its event loops, which run the
   * HTTP server, the routes and the pg client, and its workers) are the server; the bench's participants run on the
   * client's own event loop; everything else (the JVM's threads that Java sees; the JIT compiler's and the GC's are
   * hidden from it, and counted in the process's CPU only).
   */
  private Map<Part, Map<Long, Long>> threadsCpu() {
    java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Map<Part, Map<Long, Long>> cpu = new java.util.EnumMap<>(Part.class);
    for (Part part : Part.values()) {
      cpu.put(part, new java.util.HashMap<>());
    }
    for (java.lang.management.ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info == null) {
        continue;
      }
      long nanos = threads.getThreadCpuTime(info.getThreadId());
      if (nanos < 0) {
        continue;
      }
      String name = info.getThreadName();
      Part part = clientThreads.contains(info.getThreadId()) ? Part.PARTICIPANTS
          : name.startsWith("vert.x-") ? Part.SERVER : Part.OTHER;
      cpu.get(part).put(info.getThreadId(), nanos);
    }
    return cpu;
  }

  /** The CPU used between two readings (a thread started meanwhile counts from zero). */
  private static long cpuSince(Map<Long, Long> now, Map<Long, Long> before) {
    long total = 0;
    for (var e : now.entrySet()) {
      total += e.getValue() - before.getOrDefault(e.getKey(), 0L);
    }
    return total;
  }

  /** Transactions committed or rolled back in this database so far (statistics lag by up to half a second). */
  private static long transactions(Platform platform) throws InterruptedException {
    // The statistics are flushed by each backend at most every half second (PostgreSQL 15+ and earlier alike).
    Thread.sleep(600);
    return Platform.await(platform.pool().query("select pg_stat_clear_snapshot()").execute()
        .compose(x -> platform.pool().query("select xact_commit + xact_rollback from pg_stat_database"
            + " where datname = current_database()").execute()))
        .iterator().next().getLong(0);
  }

  /**
   * The same rows per transaction as the platform stored for its ratings (4, or 6 at an episode's end), inserted
   * by WRITERS plain loops into a copy of the events table (no trigger), on a pool of the same size.
   */
  private void raw(Pool owner, Plan plan) throws Exception {
    Platform.await(owner.query("drop table if exists bench_events").execute()
        .compose(x -> owner.query("create table bench_events (like events including all)").execute()));
    List<List<Tuple>> groups = new ArrayList<>();
    Map<String, List<Row>> byTransaction = new LinkedHashMap<>();
    for (Row row : Platform.await(owner.query("select tx_id::text as tx, stream_id, version, type, schema_version,"
        + " data, metadata, recorded_at, prev_hash, hash, hash_version from events"
        + " where starts_with(stream_id, 'participant-') order by position desc limit 20000").execute())) {
      byTransaction.computeIfAbsent(row.getString("tx"), t -> new ArrayList<>()).add(row);
    }
    for (List<Row> rows : byTransaction.values()) {
      if (rows.size() != 4 && rows.size() != 6) continue;
      List<Tuple> tuples = new ArrayList<>();
      for (Row r : rows.reversed()) {
        tuples.add(Tuple.tuple().addString(r.getString("stream_id")).addInteger(r.getInteger("version"))
            .addUUID(null).addString(r.getString("type")).addInteger(r.getInteger("schema_version"))
            .addValue(r.getValue("data")).addValue(r.getValue("metadata"))
            .addOffsetDateTime(r.getOffsetDateTime("recorded_at")).addBuffer(r.getBuffer("prev_hash"))
            .addBuffer(r.getBuffer("hash")).addInteger(r.getInteger("hash_version")));
      }
      groups.add(tuples);
    }
    if (groups.isEmpty()) {
      throw new IllegalStateException("the rating phase stored no rating transactions to copy");
    }
    AtomicLong transactions = new AtomicLong();
    AtomicLong next = new AtomicLong();
    long started = System.nanoTime();
    long until = started + (plan.warmUpSeconds() + plan.seconds()) * 1_000_000_000L;
    List<Future<Void>> loops = new ArrayList<>();
    for (int i = 0; i < WRITERS; i++) {
      loops.add(Repeat.whileTrue(() -> System.nanoTime() >= until ? Future.succeededFuture(false)
          : rawTransaction(owner, groups, next.getAndIncrement()).map(x -> {
            transactions.incrementAndGet();
            return true;
          })));
    }
    // The same warm-up and window as the rating round trip.
    Thread.sleep(plan.warmUpSeconds() * 1000L);
    long countedFrom = transactions.get();
    long windowStarted = System.nanoTime();
    Thread.sleep(plan.seconds() * 1000L);
    long counted = transactions.get() - countedFrom;
    double seconds = (System.nanoTime() - windowStarted) / 1e9;
    Platform.await(Future.all(loops));
    put("raw_per_s", counted / seconds);
    put("raw_rows_per_transaction", groups.stream().mapToInt(List::size).average().orElse(0));
    Platform.await(owner.query("drop table bench_events").execute());
  }

  /** One raw transaction: the n-th group's rows, under a stream id of its own and new event ids. */
  private static Future<Void> rawTransaction(Pool owner, List<List<Tuple>> groups, long n) {
    List<Tuple> group = groups.get((int) (n % groups.size()));
    String stream = "raw-" + n;
    List<Tuple> rows = new ArrayList<>(group.size());
    for (Tuple t : group) {
      Tuple copy = Tuple.tuple();
      for (int c = 0; c < t.size(); c++) {
        copy.addValue(c == 0 ? stream : c == 2 ? UUID.randomUUID() : t.getValue(c));
      }
      rows.add(copy);
    }
    return owner.withTransaction(conn -> conn.preparedQuery(RAW_INSERT).executeBatch(rows)).mapEmpty();
  }

  /**
   * {@code crowd} participants, each rating every 3 to 8 seconds at random on a schedule of its own. The latency
   * is counted from when the rating was due, so a slow answer that delays the next one is not hidden.
   */
  private void openLoop(BenchHttp api, String studyId, int crowd, Plan plan, String label) throws Exception {
    List<BenchParticipant> crowdJoined = new ArrayList<>();
    System.gc();
    long heapBefore = heapUsed();
    try (ExecutorService joining = Executors.newFixedThreadPool(WRITERS)) {
      List<java.util.concurrent.Future<BenchParticipant>> joins = new ArrayList<>();
      for (int i = 0; i < crowd; i++) {
        int index = 10_000 + i;
        Taste.Rater rater = Taste.Rater.of(Taste.DEFAULT, 2, index);
        joins.add(joining.submit(() -> Platform.await(api.onLoop(
            () -> new BenchParticipant(api, studyId, rater, Integer.MAX_VALUE, id -> { }).join()))));
      }
      for (var j : joins) {
        crowdJoined.add(j.get());
      }
    }
    Histogram latency = new ConcurrentHistogram(60_000_000L, 3);
    AtomicLong errors = new AtomicLong();
    long started = System.nanoTime();
    long until = started + plan.openSeconds() * 1_000_000_000L;
    try (ExecutorService participants = Executors.newVirtualThreadPerTaskExecutor()) {
      for (BenchParticipant p : crowdJoined) {
        participants.submit(() -> {
          ThreadLocalRandom random = ThreadLocalRandom.current();
          long due = started + random.nextLong(3_000_000_000L);
          while (due < until) {
            long wait = due - System.nanoTime();
            if (wait > 0) {
              Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            try {
              // From when it was due to the rating's answer; the phases answered after it are not counted.
              long late = Math.max(0, System.nanoTime() - due);
              latency.recordValue((late + Platform.await(api.onLoop(p::rate))) / 1_000);
            } catch (RuntimeException e) {
              errors.incrementAndGet();
            }
            due += random.nextLong(3_000_000_000L, 8_000_000_001L);
          }
          return null;
        });
      }
    }
    put("rating_p50_ms_" + label, latency.getValueAtPercentile(50) / 1000.0);
    put("rating_p99_ms_" + label, latency.getValueAtPercentile(99) / 1000.0);
    put("rating_max_ms_" + label, latency.getMaxValue() / 1000.0);
    put("ratings_" + label, latency.getTotalCount());
    put("rating_errors_" + label, errors.get());
    put("participants_" + label, crowd);
    if (label.equals("2000")) {
      // Every joined participant's state is still cached by the server (and their client objects are alive).
      System.gc();
      put("heap_mb_per_1000_active", Math.max(0, heapUsed() - heapBefore) / 1e6 / crowd * 1000);
      put("heap_used_mb", heapUsed() / 1e6);
    }
  }

  /**
   * Every participant's state rebuilt from its stream (as a server without cache does, on the pool, in parallel
   * lanes like the audit) against one plain read of the same rows that decodes nothing; then the full audit.
   */
  private void replay(Platform platform, Pool owner) {
    long rawStarted = System.nanoTime();
    long rows = Platform.await(owner.withTransaction(conn -> conn.prepare(
            "select " + StoredEvent.COLUMNS + " from events where starts_with(stream_id, 'participant-')")
        .compose(statement -> readAll(statement.cursor(), 0))));
    double rawSeconds = (System.nanoTime() - rawStarted) / 1e9;
    List<String> ids = Platform.await(platform.store.streamIds("participant-")).stream()
        .map(s -> s.substring("participant-".length())).toList();
    // A replay folds every event: snapshots would skip most of them and measure something else.
    Participants fresh = Participants.withoutSnapshots(platform.store, "bench", ids.size() + 1);
    long replayStarted = System.nanoTime();
    Platform.await(AuditRun.lanes(ids, AuditRun.DEFAULT_PARALLELISM, fresh::load));
    double replaySeconds = (System.nanoTime() - replayStarted) / 1e9;
    put("replay_events", rows);
    put("replay_streams", ids.size());
    put("raw_read_s", rawSeconds);
    put("replay_s", replaySeconds);
    put("replay_events_per_s", rows / replaySeconds);
    put("replay_ratio", ratio(rawSeconds, replaySeconds));
    long auditStarted = System.nanoTime();
    AuditRun.Result audit = Platform.await(AuditRun.verify(platform.vertx(), platform.store, platform.checkpoints,
        null, null, AuditRun.DEFAULT_PARALLELISM));
    double auditSeconds = (System.nanoTime() - auditStarted) / 1e9;
    put("audit_s", auditSeconds);
    put("audit_events", audit.events());
    put("audit_mismatches", audit.mismatches().size());
    put("audit_ratio", ratio(rawSeconds, auditSeconds));
  }

  private static Future<Long> readAll(io.vertx.sqlclient.Cursor cursor, long counted) {
    return cursor.read(10_000).compose(page -> {
      long total = counted + page.size();
      return cursor.hasMore() ? readAll(cursor, total) : cursor.close().map(total);
    });
  }

  /**
   * Rounds of cold loads before the counted ones, at least: a cold load is of a participant the server has not cached,
   * in a server that has run for a while, so the rounds that compile the snapshot decoder and the fold are not
   * counted. The warm-up goes on until the JIT compiler has settled (compiling for less than a twentieth of the last
   * COLD_LOAD_WARM_UP rounds' time), at most 25 times as many rounds.
   */
  private static final int COLD_LOAD_WARM_UP = 20;

  /** A participant with STEPS ratings, loaded by a server that has never seen it, again and again. */
  private void coldLoad(Platform platform, ConcurrentLinkedQueue<String> full, Plan plan) {
    List<String> ids = new ArrayList<>(full);
    if (ids.isEmpty()) {
      throw new IllegalStateException("no participant reached " + STEPS + " ratings; the rating phase was too short");
    }
    ColdLoads warmUp = new ColdLoads();
    // Milliseconds compiling and of wall time at the end of each warm-up round, the start first.
    List<long[]> marks = new ArrayList<>(List.of(new long[] {compiling(), System.nanoTime() / 1_000_000}));
    int rounds = 0;
    while (rounds < COLD_LOAD_WARM_UP || (rounds < 25 * COLD_LOAD_WARM_UP && compilingShare(marks) >= 0.05)) {
      warmUp.round(platform, ids.get(rounds % ids.size()));
      marks.add(new long[] {compiling(), System.nanoTime() / 1_000_000});
      rounds++;
    }
    put("cold_load_warm_up_rounds", rounds);
    // What a server that has just started pays: the warm-up's loads, the first ones compiling.
    put("cold_load_warm_up_p99_ms", warmUp.loads.getValueAtPercentile(99) / 1000.0);
    ColdLoads counted = new ColdLoads();
    for (int i = 0; i < plan.coldLoads(); i++) {
      counted.round(platform, ids.get((rounds + i) % ids.size()));
    }
    put("cold_load_p50_ms", counted.loads.getValueAtPercentile(50) / 1000.0);
    put("cold_load_p99_ms", counted.loads.getValueAtPercentile(99) / 1000.0);
    put("cold_loads_during_gc", counted.withCollection);
    put("cold_loads_while_compiling", counted.whileCompiling);
    put("cold_load_max_ms_without_gc", counted.withoutCollection.getMaxValue() / 1000.0);
    put("cold_load_read_p50_ms", counted.reads.getValueAtPercentile(50) / 1000.0);
    put("cold_load_all_columns_read_p50_ms", counted.fullReads.getValueAtPercentile(50) / 1000.0);
    put("cold_load_without_snapshots_p50_ms", counted.unsnapped.getValueAtPercentile(50) / 1000.0);
    put("cold_load_without_snapshots_p99_ms", counted.unsnapped.getValueAtPercentile(99) / 1000.0);
    put("cold_load_events", counted.events);
    put("cold_loads", plan.coldLoads());
  }

  /** The share of the last COLD_LOAD_WARM_UP rounds' wall time the JIT compiler spent compiling. */
  private static double compilingShare(List<long[]> marks) {
    long[] last = marks.getLast();
    long[] first = marks.get(marks.size() - 1 - COLD_LOAD_WARM_UP);
    return (double) (last[0] - first[0]) / Math.max(1, last[1] - first[1]);
  }

  /** Cold loads with, in turn, where their time goes (microseconds). */
  private static final class ColdLoads {
    final Histogram loads = new Histogram(60_000_000L, 3);
    // Reading the rows a load reads (what folding needs), and reading every column of them (as the audit does),
    // without folding.
    final Histogram reads = new Histogram(60_000_000L, 3);
    final Histogram fullReads = new Histogram(60_000_000L, 3);
    // The same loads folding the whole stream, as before snapshots (docs/performance.md).
    final Histogram unsnapped = new Histogram(60_000_000L, 3);
    // Loads during which the JVM collected garbage or compiled, and the slowest load without a collection: what the
    // slow loads are.
    final Histogram withoutCollection = new Histogram(60_000_000L, 3);
    int withCollection;
    int whileCompiling;
    int events;

    void round(Platform platform, String id) {
      long collectionsBefore = collections();
      long compiledBefore = compiling();
      long started = System.nanoTime();
      Participants.Loaded loaded = Platform.await(new Participants(platform.store, "bench").load(id));
      long loadMicros = (System.nanoTime() - started) / 1_000;
      loads.recordValue(loadMicros);
      if (collections() != collectionsBefore) {
        withCollection++;
      } else {
        withoutCollection.recordValue(loadMicros);
      }
      if (compiling() != compiledBefore) {
        whileCompiling++;
      }
      events = loaded.version();
      started = System.nanoTime();
      Platform.await(platform.store.readStreamData(Participants.streamId(id), 0));
      reads.recordValue((System.nanoTime() - started) / 1_000);
      started = System.nanoTime();
      Platform.await(platform.store.readStream(Participants.streamId(id), 0));
      fullReads.recordValue((System.nanoTime() - started) / 1_000);
      started = System.nanoTime();
      Platform.await(Participants.withoutSnapshots(platform.store, "bench").load(id));
      unsnapped.recordValue((System.nanoTime() - started) / 1_000);
    }
  }

  private void put(String name, Object value) {
    figures.put(name, value instanceof Double d ? Math.round(d * 1000) / 1000.0 : value);
  }

  private static double ratio(double platform, double raw) {
    return raw == 0 ? 0 : platform / raw;
  }

  private static long heapUsed() {
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static void delete(Path folder) {
    try (Stream<Path> walk = Files.walk(folder)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not remove " + folder, e);
    }
  }
}
