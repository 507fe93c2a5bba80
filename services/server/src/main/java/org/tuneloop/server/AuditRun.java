package org.tuneloop.server;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import org.tuneloop.eventstore.Checkpoints;
import org.tuneloop.eventstore.Cursor;
import org.tuneloop.eventstore.EventStore;
import org.tuneloop.eventstore.HashChain;
import org.tuneloop.eventstore.StoredEvent;
import org.tuneloop.study.ArmSettings;
import org.tuneloop.study.Audit;
import org.tuneloop.study.ParticipantEvent;
import org.tuneloop.study.StudyDecider;
import org.tuneloop.study.StudyEvent;

/**
 * `study audit verify` (docs/audit.md): the checkpoints' own chain; then, in parallel over streams, every hash chain,
 * every stream's head against the heads the checkpoints vouch for, and every participant replayed and recomputed;
 * then every study's enrolments against its participants' streams, both ways; and, if given, an external copy of a
 * checkpoint against the database.
 */
public final class AuditRun {
  private AuditRun() {}

  /** How many streams are read and checked at once. */
  public static final int DEFAULT_PARALLELISM = Math.max(2, Runtime.getRuntime().availableProcessors());
  /**
   * An event whose recorded time is this much before a checkpoint must be in it. The margin covers a transaction
   * still committing when the checkpoint was taken and clocks of several servers a little apart.
   */
  static final Duration CHECKPOINT_MARGIN = Duration.ofSeconds(10);

  /**
   * What differs from what an intact log holds.
   *
   * @param check       the kind of check (see {@link Result#checks})
   * @param stream      the stream, or "checkpoints" or the checkpoint file
   * @param participant the participant, for a participant's stream or enrolment (else null)
   * @param version     the event's version in its stream (or the checkpoint's id), if one is concerned
   * @param position    the event's position in the whole log, if it is stored
   */
  public record Mismatch(String check, String stream, String participant, Integer version, Long position,
                         String expected, String found, String detail) {
    JsonObject toJson() {
      return new JsonObject().put("check", check).put("stream", stream).put("participant", participant)
          .put("version", version).put("position", position).put("expected", expected).put("found", found)
          .put("detail", detail);
    }

    static Mismatch fromJson(JsonObject j) {
      return new Mismatch(j.getString("check"), j.getString("stream"), j.getString("participant"),
          j.getInteger("version"), j.getLong("position"), j.getString("expected"), j.getString("found"),
          j.getString("detail"));
    }
  }

  /**
   * Totals and every mismatch found.
   *
   * @param checks how many checks of each kind were made (an event rehashed, an update recomputed, ...)
   * @param checkpoint the latest checkpoint's id, if there is one
   */
  public record Result(String study, int streams, long events, Map<String, Long> checks, List<Mismatch> mismatches,
                       Long checkpoint, long millis) {
    public boolean ok() { return mismatches.isEmpty(); }

    public long count(String check) { return checks.getOrDefault(check, 0L); }

    public JsonObject toJson() {
      JsonObject checked = new JsonObject();
      checks.forEach(checked::put);
      return new JsonObject().put("study", study).put("ok", ok()).put("streams", streams).put("events", events)
          .put("checks", checked).put("checkpoint", checkpoint).put("millis", millis)
          .put("mismatches", new JsonArray(mismatches.stream().map(Mismatch::toJson).toList()));
    }

    public static Result fromJson(JsonObject json) {
      Map<String, Long> checks = new LinkedHashMap<>();
      json.getJsonObject("checks").forEach(e -> checks.put(e.getKey(), ((Number) e.getValue()).longValue()));
      List<Mismatch> mismatches = new ArrayList<>();
      json.getJsonArray("mismatches").forEach(m -> mismatches.add(Mismatch.fromJson((JsonObject) m)));
      return new Result(json.getString("study"), json.getInteger("streams"), json.getLong("events"), checks,
          mismatches, json.getLong("checkpoint"), json.getLong("millis"));
    }
  }

  // The kinds of check, in the order the summary prints them.
  static final String CHAIN = "hash chain";
  static final String HEAD = "checkpointed head";
  static final String CHECKPOINT = "checkpoint";
  static final String UPDATE = "Q-value update";
  static final String CHOICE = "action choice";
  static final String REWARD = "reward";
  static final String ENROLMENT = "enrolment";
  static final String SETTINGS = "settings";
  static final String EXTERNAL = "external copy";
  private static final List<String> KINDS = List.of(CHAIN, CHECKPOINT, HEAD, UPDATE, REWARD, CHOICE, ENROLMENT,
      SETTINGS, EXTERNAL);

  /** Audits every stream, or one study's (its own stream and its participants'), on the pool's event store. */
  public static Future<Result> verify(Vertx vertx, EventStore store, Checkpoints checkpoints, String studyId,
                                      Checkpoints.Snapshot against, int parallelism) {
    return verify(vertx, store, checkpoints, studyId, against, parallelism, CHECKPOINT_MARGIN);
  }

  /** The same with another margin for events dated before the latest checkpoint (tests that cannot wait). */
  static Future<Result> verify(Vertx vertx, EventStore store, Checkpoints checkpoints, String studyId,
                               Checkpoints.Snapshot against, int parallelism, Duration margin) {
    long started = System.nanoTime();
    Future<List<Checkpoints.Head>> present = store.heads("");
    Future<List<Checkpoints.Checkpoint>> all = checkpoints.all();
    Future<List<StoredEvent>> firsts = studyId == null ? Future.succeededFuture(List.of())
        : store.firstEvents("participant-");
    return Future.all(present, all, firsts).compose(loaded -> {
      Checkpoints.ChainCheck chain = Checkpoints.check(all.result());
      Map<String, Checkpoints.Head> heads = new HashMap<>();
      present.result().forEach(h -> heads.put(h.streamId(), h));
      Tally tally = new Tally();
      tally.count(CHECKPOINT, all.result().size());
      chain.problems().forEach(p -> tally.add(new Mismatch(CHECKPOINT, "checkpoints", null, (int) p.checkpointId(),
          null, p.expected(), p.found(), p.check() + " of checkpoint " + p.checkpointId())));

      Set<String> scope = new TreeSet<>();
      if (studyId == null) {
        scope.addAll(heads.keySet());
        scope.addAll(chain.heads().keySet());
        if (against != null) scope.addAll(against.heads().keySet());
      } else {
        scope.add(Studies.streamId(studyId));
        for (StoredEvent first : firsts.result()) {
          if (studyId.equals(first.data().getString("studyId"))) scope.add(first.streamId());
        }
      }
      // A study's own stream names its participants: read it first, so an enrolled participant whose stream is
      // gone is in scope too.
      List<String> studies = scope.stream().filter(id -> id.startsWith("study-")).toList();
      return lanes(studies, parallelism, id -> check(vertx, store, id, chain, margin, tally)).compose(studyResults -> {
        for (StreamCheck s : studyResults) {
          if (s.study() != null) s.study().assignments().forEach(a -> scope.add(Participants.streamId(a.participantId())));
        }
        List<String> rest = scope.stream().filter(id -> !id.startsWith("study-")).toList();
        return lanes(rest, parallelism, id -> check(vertx, store, id, chain, margin, tally)).map(restResults -> {
          List<StreamCheck> checked = new ArrayList<>(studyResults);
          checked.addAll(restResults);
          crossCheck(checked, studyId, tally);
          if (against != null) compareWith(against, all.result(), heads, scope, tally);
          long events = checked.stream().mapToLong(StreamCheck::events).sum();
          int streams = (int) checked.stream().filter(s -> s.events() > 0).count();
          return new Result(studyId, streams, events, tally.checks(), tally.mismatches(),
              chain.latest().map(Checkpoints.Checkpoint::id).orElse(null),
              Duration.ofNanos(System.nanoTime() - started).toMillis());
        });
      });
    });
  }

  /** Runs {@code work} over the ids with at most {@code parallelism} at once. */
  static <T> Future<List<T>> lanes(List<String> ids, int parallelism, Function<String, Future<T>> work) {
    ConcurrentLinkedQueue<String> queue = new ConcurrentLinkedQueue<>(ids);
    List<T> results = Collections.synchronizedList(new ArrayList<>());
    List<Future<Void>> running = new ArrayList<>();
    for (int i = 0; i < Math.min(Math.max(1, parallelism), ids.size()); i++) {
      running.add(Repeat.whileTrue(() -> {
        String id = queue.poll();
        return id == null ? Future.succeededFuture(false) : work.apply(id).map(result -> {
          results.add(result);
          return true;
        });
      }));
    }
    return Future.all(running).map(done -> List.copyOf(results));
  }

  /** What one stream holds that the cross-checks need. */
  private record StreamCheck(String streamId, long events, ParticipantEvent.ParticipantEnrolled enrolment,
                             StudyState study) {}

  private record StudyState(StudyDecider.Study study, List<StudyEvent.ParticipantAssigned> assignments) {}

  /** Reads one stream, then checks it on a worker thread (hashing and replaying are CPU work). */
  private static Future<StreamCheck> check(Vertx vertx, EventStore store, String streamId,
                                           Checkpoints.ChainCheck chain, Duration margin, Tally tally) {
    return store.readStream(streamId, 0).compose(events -> vertx.executeBlocking(
        () -> checkStream(streamId, events, chain, margin, tally), false));
  }

  private static StreamCheck checkStream(String streamId, List<StoredEvent> events, Checkpoints.ChainCheck chain,
                                         Duration margin, Tally tally) {
    String participant = streamId.startsWith("participant-") ? streamId.substring("participant-".length()) : null;
    Map<Integer, StoredEvent> byVersion = new HashMap<>();
    events.forEach(e -> byVersion.put(e.version(), e));
    tally.count(CHAIN, events.size());
    for (HashChain.Break b : HashChain.check(events)) {
      tally.add(new Mismatch(CHAIN, streamId, participant, b.version(), b.position(), b.expected(), b.found(),
          b.sentence()));
    }
    checkAgainstCheckpoints(streamId, participant, events, byVersion, chain, margin, tally);
    if (events.isEmpty()) return new StreamCheck(streamId, 0, null, null);
    if (participant != null) return replayParticipant(streamId, participant, events, tally);
    if (streamId.startsWith("study-")) return replayStudy(streamId, events, tally);
    return new StreamCheck(streamId, events.size(), null, null);
  }

  /** The stream against the head the checkpoints vouch for, and against the time and place of the latest one. */
  private static void checkAgainstCheckpoints(String streamId, String participant, List<StoredEvent> events,
                                              Map<Integer, StoredEvent> byVersion, Checkpoints.ChainCheck chain,
                                              Duration margin, Tally tally) {
    Checkpoints.Head vouched = chain.heads().get(streamId);
    int last = events.isEmpty() ? 0 : events.getLast().version();
    if (vouched != null) {
      tally.count(HEAD, 1);
      StoredEvent at = byVersion.get(vouched.version());
      if (events.isEmpty()) {
        tally.add(new Mismatch(HEAD, streamId, participant, vouched.version(), null,
            "a stream up to version " + vouched.version(), "no stream", "the stream is gone: the checkpoints saw it at "
            + "version " + vouched.version()));
      } else if (last < vouched.version()) {
        tally.add(new Mismatch(HEAD, streamId, participant, vouched.version(), null,
            "version " + vouched.version() + " or later", "last version " + last, "the stream is cut short: "
            + (vouched.version() - last) + " event(s) the checkpoints saw are missing"));
      } else if (at == null || !Arrays.equals(at.hash(), vouched.hash())) {
        tally.add(new Mismatch(HEAD, streamId, participant, vouched.version(), at == null ? null : at.position(),
            HashChain.hex(vouched.hash()), at == null ? "no event" : HashChain.hex(at.hash()),
            "the event the checkpoints saw at this version was replaced"));
      }
    }
    Optional<Checkpoints.Checkpoint> latest = chain.latest();
    if (latest.isEmpty()) return;
    int vouchedVersion = vouched == null ? 0 : vouched.version();
    Instant before = latest.get().createdAt().minus(margin);
    Cursor covered = latest.get().cursor();
    for (StoredEvent e : events) {
      if (e.version() <= vouchedVersion) continue;
      boolean coveredByCursor = e.txId() < covered.txId()
          || (e.txId() == covered.txId() && e.position() <= covered.position());
      if (coveredByCursor || e.recordedAt().isBefore(before)) {
        tally.add(new Mismatch(HEAD, streamId, participant, e.version(), e.position(),
            "not in the log (checkpoint " + latest.get().id() + " vouches for versions up to " + vouchedVersion + ")",
            e.type() + " recorded at " + e.recordedAt(), "an event " + (coveredByCursor ? "placed" : "dated")
            + " before checkpoint " + latest.get().id() + " that the checkpoint does not hold: inserted later"));
        return;
      }
    }
  }

  private static StreamCheck replayParticipant(String streamId, String participant, List<StoredEvent> events,
                                               Tally tally) {
    List<ParticipantEvent> decoded;
    try {
      decoded = events.stream().map(Participants::decode).toList();
    } catch (RuntimeException e) {
      tally.add(new Mismatch(UPDATE, streamId, participant, null, null, "events that decode", "an event that does "
          + "not", "cannot be replayed: " + e.getMessage()));
      return new StreamCheck(streamId, events.size(), null, null);
    }
    ParticipantEvent.ParticipantEnrolled enrolment = decoded.getFirst() instanceof ParticipantEvent.ParticipantEnrolled
        e ? e : null;
    if (enrolment == null) {
      tally.add(new Mismatch(ENROLMENT, streamId, participant, events.getFirst().version(),
          events.getFirst().position(), "ParticipantEnrolled", events.getFirst().type(),
          "the stream does not start with the participant's enrolment"));
      return new StreamCheck(streamId, events.size(), null, null);
    }
    try {
      Audit.Report report = Audit.replay(decoded);
      tally.count(UPDATE, report.updates());
      tally.count(REWARD, report.updates());
      tally.count(SETTINGS, report.updates());
      tally.count(CHOICE, report.choices());
      for (Audit.Mismatch m : report.findings()) {
        StoredEvent at = events.get(m.index());
        String check = switch (m.check()) {
          case "action" -> CHOICE;
          case "reward" -> REWARD;
          case "settings" -> SETTINGS;
          default -> UPDATE;
        };
        tally.add(new Mismatch(check, streamId, participant, at.version(), at.position(), m.expected(), m.found(),
            m.sentence()));
      }
    } catch (RuntimeException e) {
      tally.add(new Mismatch(UPDATE, streamId, participant, null, null, "a replay", "a failure",
          "cannot be replayed: " + e.getMessage()));
    }
    return new StreamCheck(streamId, events.size(), enrolment, null);
  }

  private static StreamCheck replayStudy(String streamId, List<StoredEvent> events, Tally tally) {
    StudyDecider.Study study = Studies.DECIDER.initialState();
    List<StudyEvent.ParticipantAssigned> assignments = new ArrayList<>();
    try {
      for (StoredEvent e : events) {
        StudyEvent event = Studies.decode(e);
        study = Studies.DECIDER.evolve(study, event);
        if (event instanceof StudyEvent.ParticipantAssigned a) assignments.add(a);
      }
    } catch (RuntimeException e) {
      tally.add(new Mismatch(ENROLMENT, streamId, null, null, null, "a study stream that replays", "a failure",
          "cannot be replayed: " + e.getMessage()));
      return new StreamCheck(streamId, events.size(), null, null);
    }
    return new StreamCheck(streamId, events.size(), null, study.exists() ? new StudyState(study, assignments) : null);
  }

  /**
   * Every enrolment listed in a study's stream has a participant stream that enrols them the same way, and every
   * participant stream is listed in its study's stream; each enrolment's settings are its arm's in the protocol.
   */
  private static void crossCheck(List<StreamCheck> checked, String studyId, Tally tally) {
    Map<String, StreamCheck> byStream = new HashMap<>();
    checked.forEach(s -> byStream.put(s.streamId(), s));
    Map<String, StudyState> studies = new HashMap<>();
    for (StreamCheck s : checked) {
      if (s.study() != null) studies.put(s.study().study().studyId(), s.study());
    }
    for (StudyState study : studies.values()) {
      String studyStream = Studies.streamId(study.study().studyId());
      for (StudyEvent.ParticipantAssigned a : study.assignments()) {
        tally.count(ENROLMENT, 1);
        String stream = Participants.streamId(a.participantId());
        StreamCheck participant = byStream.get(stream);
        if (participant == null || participant.events() == 0) {
          tally.add(new Mismatch(ENROLMENT, stream, a.participantId(), 1, null,
              "a stream enrolling them in arm " + a.arm(), "no stream", "the participant is listed in " + studyStream
              + " but their stream is gone"));
          continue;
        }
        ParticipantEvent.ParticipantEnrolled e = participant.enrolment();
        if (e == null) continue;  // reported by the replay
        String expected = study.study().studyId() + ", arm " + a.arm() + (a.test() ? ", test" : "");
        String found = e.studyId() + ", arm " + e.settings().arm() + (e.test() ? ", test" : "");
        if (!expected.equals(found) || !a.participantId().equals(e.participantId())) {
          tally.add(new Mismatch(ENROLMENT, stream, a.participantId(), 1, null, expected, found,
              "the enrolment differs from the assignment in " + studyStream));
        }
      }
    }
    for (StreamCheck s : checked) {
      ParticipantEvent.ParticipantEnrolled e = s.enrolment();
      if (e == null || (studyId != null && !studyId.equals(e.studyId()))) continue;
      String participant = s.streamId().substring("participant-".length());
      StudyState study = studies.get(e.studyId());
      tally.count(ENROLMENT, 1);
      boolean listed = study != null && study.assignments().stream().anyMatch(a -> a.participantId().equals(participant));
      if (!listed) {
        tally.add(new Mismatch(ENROLMENT, s.streamId(), participant, 1, null,
            "a ParticipantAssigned in " + Studies.streamId(e.studyId()), study == null ? "no such study" : "none",
            "the participant's stream is not listed in their study's stream"));
      }
      if (study == null) continue;
      tally.count(SETTINGS, 1);
      ArmSettings arm;
      try {
        arm = study.study().protocol().arm(e.settings().arm());
      } catch (RuntimeException unknown) {
        arm = null;
      }
      if (arm == null || !arm.equals(e.settings())
          || !study.study().protocol().id().equals(e.protocolId())
          || study.study().protocol().version() != e.protocolVersion()) {
        tally.add(new Mismatch(SETTINGS, s.streamId(), participant, 1, null,
            "arm " + e.settings().arm() + " of protocol " + study.study().protocol().id() + " version "
                + study.study().protocol().version() + (arm == null ? "" : ": " + arm),
            "protocol " + e.protocolId() + " version " + e.protocolVersion() + ": " + e.settings(),
            "the enrolment's settings are not its arm's in the study's protocol"));
      }
    }
  }

  /** An external copy of a checkpoint: whole in itself, still in the database's chain, and every head still there. */
  private static void compareWith(Checkpoints.Snapshot against, List<Checkpoints.Checkpoint> all,
                                  Map<String, Checkpoints.Head> present, Set<String> scope, Tally tally) {
    String file = "checkpoint file";
    long id = against.checkpoint().id();
    tally.count(EXTERNAL, 1);
    Checkpoints.check(against).forEach(p -> tally.add(new Mismatch(EXTERNAL, file, null, (int) id, null,
        p.expected(), p.found(), p.check() + ": the file is not a whole checkpoint")));
    Optional<Checkpoints.Checkpoint> stored = all.stream().filter(c -> c.id() == id).findFirst();
    if (stored.isEmpty() || !Arrays.equals(stored.get().hash(), against.checkpoint().hash())) {
      tally.add(new Mismatch(EXTERNAL, "checkpoints", null, (int) id, null, HashChain.hex(against.checkpoint().hash()),
          stored.map(c -> HashChain.hex(c.hash())).orElse("no checkpoint " + id),
          "checkpoint " + id + " in the database is not the one copied out: the checkpoints were rewritten"));
    }
    for (Checkpoints.Head head : against.heads().values()) {
      if (!scope.contains(head.streamId())) continue;
      tally.count(EXTERNAL, 1);
      Checkpoints.Head now = present.get(head.streamId());
      String participant = head.streamId().startsWith("participant-")
          ? head.streamId().substring("participant-".length()) : null;
      if (now == null || now.version() < head.version()) {
        tally.add(new Mismatch(EXTERNAL, head.streamId(), participant, head.version(), null,
            "version " + head.version() + " or later", now == null ? "no stream" : "last version " + now.version(),
            "the copied checkpoint saw this stream further than the database holds it"));
      }
    }
  }

  /** The counts and mismatches, added to from several worker threads. */
  private static final class Tally {
    private final Map<String, Long> checks = new HashMap<>();
    private final List<Mismatch> mismatches = new ArrayList<>();

    synchronized void count(String check, long n) { checks.merge(check, n, Long::sum); }

    synchronized void add(Mismatch m) { mismatches.add(m); }

    synchronized Map<String, Long> checks() {
      Map<String, Long> ordered = new LinkedHashMap<>();
      KINDS.forEach(k -> ordered.put(k, checks.getOrDefault(k, 0L)));
      return ordered;
    }

    synchronized List<Mismatch> mismatches() {
      List<Mismatch> sorted = new ArrayList<>(mismatches);
      sorted.sort(Comparator.comparing(Mismatch::stream).thenComparing(m -> m.version() == null ? 0 : m.version())
          .thenComparing(Mismatch::check));
      return List.copyOf(sorted);
    }
  }

  public static void print(Result r, PrintStream out) {
    out.printf("Audited %s: %d streams, %d events in %.1f s%s.%n", r.study() == null ? "every study" : "study "
        + r.study(), r.streams(), r.events(), r.millis() / 1000.0,
        r.checkpoint() == null ? ", no checkpoint yet" : ", against checkpoint " + r.checkpoint());
    out.printf("  %d Q-value updates recomputed, %d action choices re-derived.%n", r.count(UPDATE), r.count(CHOICE));
    Map<String, Long> failed = new TreeMap<>();
    r.mismatches().forEach(m -> failed.merge(m.check(), 1L, Long::sum));
    r.checks().forEach((kind, n) -> out.printf("  %-18s %8d checked, %d mismatch(es)%n", kind, n,
        failed.getOrDefault(kind, 0L)));
    if (r.ok()) {
      out.println("OK: every hash chain is intact, every checkpointed head is there, every enrolment matches its "
          + "study, and every recorded result matches its recomputation.");
      return;
    }
    out.printf("FAILED: %d mismatch(es):%n", r.mismatches().size());
    for (Mismatch m : r.mismatches()) {
      StringBuilder line = new StringBuilder("  [").append(m.check()).append("] ");
      line.append(m.participant() != null ? "participant " + m.participant() : m.stream());
      if (m.version() != null) line.append(m.stream().equals("checkpoints") ? " checkpoint " : " version ").append(m.version());
      if (m.position() != null) line.append(" (position ").append(m.position()).append(')');
      line.append(": expected ").append(m.expected()).append("; found ").append(m.found());
      out.println(line);
      out.println("      " + m.detail());
    }
  }
}
