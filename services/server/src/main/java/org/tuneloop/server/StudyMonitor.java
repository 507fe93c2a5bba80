package org.tuneloop.server;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tuneloop.eventstore.Cursor;
import org.tuneloop.eventstore.EventStore;
import org.tuneloop.eventstore.StoredEvent;
import org.tuneloop.study.DataQuality;
import org.tuneloop.study.ParticipantEvent;
import org.tuneloop.study.Protocol;
import org.tuneloop.study.StudyEvent;
import org.tuneloop.study.Supervision;

/**
 * The researchers' live view of every participant, one compact row each, folded from the whole event log. It follows
 * the log with the gap-free read (so it sees what every server process appended), woken by PostgreSQL's NOTIFY and,
 * in case a notification is missed, by a poll each second; changed rows are pushed to the study's server-sent-event
 * streams. The same rows drive the dropout sweep. Nothing here is the truth: it is rebuilt from the log at start.
 */
final class StudyMonitor {
  private static final Logger LOG = LoggerFactory.getLogger(StudyMonitor.class);
  private static final int PAGE = 2000;
  private static final long POLL_MS = 1000;
  private static final long SWEEP_MS = 30_000;

  private final Vertx vertx;
  private final EventStore store;
  private final Studies studies;
  private final Participants participants;
  private final Map<String, Row> rows = new ConcurrentHashMap<>();
  private final Map<String, Set<Consumer<String>>> listeners = new ConcurrentHashMap<>();
  private Cursor cursor = Cursor.START;
  private boolean reading;
  private boolean again;
  private PgSubscriber subscriber;
  private long pollTimer = -1;
  private long sweepTimer = -1;
  private final Promise<Void> caughtUp = Promise.promise();

  /** One participant as the monitor shows it. Mutable, touched only on the event loop that follows the log. */
  static final class Row {
    final String participantId;
    String studyId;
    String arm;
    String entry = "link";
    boolean test;
    String label;
    String phase = "consent";
    int episode;
    int step;
    Integer lastRating;
    Instant startedAt;
    Instant lastActionAt;
    int version;
    Supervision.State supervision = new Supervision().initialState();
    DataQuality quality = DataQuality.start();
    Protocol.Thresholds thresholds = Protocol.Thresholds.NONE;

    Row(String participantId) { this.participantId = participantId; }

    JsonObject json() {
      JsonArray flags = new JsonArray();
      if (test) flags.add("test");
      if (supervision.droppedOut()) flags.add("dropped-out");
      if (supervision.paused()) flags.add("paused");
      if ("prolific".equals(entry)) flags.add("prolific");
      quality.flags(thresholds).forEach(flags::add);
      return new JsonObject().put("id", participantId).put("label", label).put("arm", arm).put("phase", phase)
          .put("episode", episode).put("step", step).put("lastRating", lastRating)
          .put("lastActionAt", lastActionAt == null ? null : lastActionAt.toString())
          .put("startedAt", startedAt == null ? null : startedAt.toString()).put("flags", flags);
    }
  }

  StudyMonitor(Vertx vertx, EventStore store, Studies studies, Participants participants) {
    this.vertx = vertx;
    this.store = store;
    this.studies = studies;
    this.participants = participants;
  }

  /** Catches up with the log, then follows it; the dropout sweep runs every half minute. */
  Future<Void> start(PgConnectOptions listenAs) {
    subscriber = PgSubscriber.subscriber(vertx, listenAs).reconnectPolicy(retries -> 1000L);
    subscriber.channel("events").handler(payload -> read());
    pollTimer = vertx.setPeriodic(POLL_MS, id -> read());
    sweepTimer = vertx.setPeriodic(SWEEP_MS, id -> sweep(Instant.now()));
    read();
    // A database that does not answer yet must not stop the server: the poll catches up once it does.
    return subscriber.connect().recover(failure -> {
      LOG.warn("live updates wait for the database ({}); polling meanwhile", failure.toString());
      return Future.succeededFuture();
    });
  }

  /** Completes once the follower has first read to the end of the log: from then on every row is whole. */
  Future<Void> caughtUp() {
    return caughtUp.future();
  }

  Future<Void> stop() {
    vertx.cancelTimer(pollTimer);
    vertx.cancelTimer(sweepTimer);
    return subscriber == null ? Future.succeededFuture() : subscriber.close();
  }

  /** Reads every finished event after the cursor, page by page; one read at a time, another if woken meanwhile. */
  private void read() {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    again = false;
    store.readAll(cursor, PAGE).onComplete(result -> {
      reading = false;
      if (result.failed()) {
        return; // the poll tries again
      }
      EventStore.LogPage page = result.result();
      page.events().forEach(this::apply);
      cursor = page.next();
      if (page.events().size() < PAGE) {
        caughtUp.tryComplete();
      }
      if (page.events().size() == PAGE || again) {
        read();
      }
    });
  }

  private void apply(StoredEvent e) {
    if (e.streamId().startsWith("study-")) {
      studies.follow(e);
      if (Studies.decode(e) instanceof StudyEvent.ParticipantAssigned a) {
        Row row = rows.computeIfAbsent(a.participantId(), Row::new);
        row.studyId = e.streamId().substring("study-".length());
        row.arm = a.arm();
        row.entry = a.entry();
        row.test = a.test();
        if ("personal".equals(a.entry())) {
          studies.labels(row.studyId).onSuccess(labels -> {
            row.label = labels.get(row.participantId);
            publish(row);
          });
        }
        publish(row);
      }
      return;
    }
    if (!e.streamId().startsWith("participant-")) {
      return;
    }
    ParticipantEvent event;
    try {
      event = Participants.decode(e);
    } catch (RuntimeException unreadable) {
      return; // audit verify reports it; the monitor shows what it can
    }
    Row row = rows.computeIfAbsent(e.streamId().substring("participant-".length()), Row::new);
    row.version = e.version();
    row.phase = Supervision.phaseAfter(row.phase, event);
    row.supervision = SUPERVISION.evolve(row.supervision, event);
    if (event instanceof ParticipantEvent.ParticipantEnrolled en) {
      row.thresholds = studies.cached(en.studyId()).map(s -> s.protocol().thresholds())
          .orElse(Protocol.Thresholds.NONE);
    }
    row.quality = row.quality.next(event, e.recordedAt(), row.thresholds);
    switch (event) {
      case ParticipantEvent.ParticipantEnrolled en -> {
        row.studyId = en.studyId();
        row.arm = en.settings().arm();
        row.test = en.test();
        row.startedAt = e.recordedAt();
      }
      case ParticipantEvent.TrackPresented p -> {
        row.episode = p.episode();
        row.step = p.step();
      }
      case ParticipantEvent.EpisodeStarted s -> row.episode = s.episode();
      case ParticipantEvent.TrackRated r -> row.lastRating = r.rating();
      default -> { }
    }
    if (!(event instanceof ParticipantEvent.ObservationNoted || event instanceof ParticipantEvent.ParticipantDroppedOut
        || event instanceof ParticipantEvent.SessionPaused || event instanceof ParticipantEvent.SessionResumed)) {
      row.lastActionAt = e.recordedAt();
    }
    publish(row);
  }

  private static final Supervision SUPERVISION = new Supervision();

  private void publish(Row row) {
    Set<Consumer<String>> streams = row.studyId == null ? null : listeners.get(row.studyId);
    if (streams == null || streams.isEmpty()) {
      return;
    }
    String message = "event: row\ndata: " + row.json().encode() + "\n\n"
        + "event: counts\ndata: " + counts(row.studyId).encode() + "\n\n";
    streams.forEach(s -> s.accept(message));
  }

  /** Every row of the study, with labels from the entry records, and the counts per arm and phase. */
  Future<JsonObject> snapshot(Studies.Loaded study) {
    return studies.labels(study.studyId()).map(labels -> {
      JsonArray list = new JsonArray();
      for (Row row : rowsOf(study.studyId())) {
        if (labels.containsKey(row.participantId)) {
          row.label = labels.get(row.participantId);
        }
        list.add(row.json());
      }
      return new JsonObject().put("counts", counts(study.studyId())).put("participants", list);
    });
  }

  /** One participant's row, after a researcher's action (the follower may not have read it yet). */
  Future<JsonObject> row(String participantId) {
    return participants.load(participantId).map(loaded -> {
      Row row = rows.computeIfAbsent(participantId, Row::new);
      row.supervision = loaded.supervision();
      row.phase = loaded.supervision().phase();
      return row.json();
    });
  }

  private List<Row> rowsOf(String studyId) {
    List<Row> list = new ArrayList<>();
    for (Row row : rows.values()) {
      if (studyId.equals(row.studyId)) {
        list.add(row);
      }
    }
    list.sort((a, b) -> a.startedAt == null || b.startedAt == null ? 0 : a.startedAt.compareTo(b.startedAt));
    return list;
  }

  /** Counts of non-test participants per arm and per phase. */
  private JsonObject counts(String studyId) {
    Map<String, Integer> arms = new TreeMap<>();
    Map<String, Integer> phases = new TreeMap<>();
    for (Row row : rowsOf(studyId)) {
      if (row.test) {
        continue;
      }
      arms.merge(row.arm == null ? "?" : row.arm, 1, Integer::sum);
      phases.merge(row.phase, 1, Integer::sum);
    }
    return new JsonObject().put("arms", new JsonObject(new java.util.LinkedHashMap<>(arms)))
        .put("phases", new JsonObject(new java.util.LinkedHashMap<>(phases)));
  }

  /** A server-sent-event stream of the study's changed rows; a comment every 15 s keeps proxies from closing it. */
  void stream(RoutingContext ctx, String studyId) {
    HttpServerResponse response = ctx.response();
    response.setChunked(true).putHeader("Content-Type", "text/event-stream").putHeader("Cache-Control", "no-cache")
        .putHeader("X-Accel-Buffering", "no");
    response.write("retry: 2000\n\n");
    Consumer<String> sink = message -> {
      if (!response.closed()) {
        response.write(message);
      }
    };
    listeners.computeIfAbsent(studyId, id -> new CopyOnWriteArraySet<>()).add(sink);
    long keepAlive = vertx.setPeriodic(15_000, id -> sink.accept(": keep-alive\n\n"));
    response.closeHandler(closed -> {
      vertx.cancelTimer(keepAlive);
      Set<Consumer<String>> set = listeners.get(studyId);
      if (set != null) {
        set.remove(sink);
      }
    });
  }

  /**
   * Marks participants idle longer than their study allows as dropped out. The event id comes from the stream
   * version the row was seen at, so several server processes sweeping at once write it once. Completes when every
   * mark is written or refused (a refusal is only logged: the next sweep looks again).
   */
  Future<Void> sweep(Instant now) {
    Set<String> seen = new LinkedHashSet<>();
    List<Future<?>> marks = new ArrayList<>();
    for (Row row : rows.values()) {
      if (row.studyId == null || row.lastActionAt == null || row.supervision.over() || row.supervision.droppedOut()
          || !seen.add(row.participantId)) {
        continue;
      }
      studies.cached(row.studyId).ifPresent(study -> {
        int idle = study.protocol().recruitment().idleMinutes();
        if (Duration.between(row.lastActionAt, now).toMinutes() >= idle) {
          marks.add(participants.supervise(row.participantId, new Supervision.Command.MarkDroppedOut(idle),
                  "dropout|" + row.version, new io.vertx.core.json.JsonObject().put("by", "dropout-sweep"))
              .onFailure(failure -> LOG.debug("dropout of {} not marked: {}", row.participantId, failure.toString()))
              .otherwiseEmpty());
        }
      });
    }
    return Future.join(marks).mapEmpty();
  }
}
