package org.tuneloop.server;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.io.BufferedWriter;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.tuneloop.eventstore.Cursor;
import org.tuneloop.eventstore.EventStore;
import org.tuneloop.eventstore.StoredEvent;
import org.tuneloop.server.ExportCodebook.Table;
import org.tuneloop.study.Answer;
import org.tuneloop.study.StudyEvent;

/**
 * One study's export (docs/export.md): tidy CSV tables or the raw events as JSON lines, with codebook.csv and
 * manifest.json. The log is read page by page with the gap-free cursor and each event becomes its rows at once, so
 * memory holds a page and a little state per participant, never the log. Blocking: run it off the event loop.
 *
 * <p>Two passes: a summary per participant stream (one aggregate query) decides who is included and gives the
 * participants' flags; then the log is read up to the same end, so both passes see the same events.
 */
final class ExportRun {
  /** Events per page of the log. */
  static final int PAGE = 2_000;
  static final CSVFormat CSV = CSVFormat.DEFAULT.builder().setRecordSeparator("\n").get();

  enum Format {
    CSV, JSONL;

    String id() { return name().toLowerCase(Locale.ROOT); }

    static Format parse(String text) {
      for (Format f : values()) {
        if (f.id().equalsIgnoreCase(text == null ? "" : text.strip())) {
          return f;
        }
      }
      throw ApiError.badRequest("format", "format must be csv or jsonl, not '" + text + "'");
    }
  }

  record Options(String studyId, Format format, boolean includeWithdrawn, boolean includeTest) {}

  /** What the access log records of an export's request. */
  static JsonObject detail(Options options) {
    return new JsonObject().put("format", options.format().id()).put("includeWithdrawn", options.includeWithdrawn())
        .put("includeTest", options.includeTest());
  }

  record FileWritten(String file, long rows, long bytes, String sha256) {}

  record Result(String studyId, List<FileWritten> files, JsonObject manifest) {
    long rows(String file) {
      return files.stream().filter(f -> f.file().equals(file)).mapToLong(FileWritten::rows).findFirst().orElse(-1);
    }
  }

  /** Where the files go: one written live while the log is read, others spooled beside it. */
  interface Destination extends AutoCloseable {
    /** The file written now; at most one is open at a time. */
    OutputStream live(String file) throws IOException;

    /** A file written alongside the live one. */
    OutputStream spooled(String file) throws IOException;

    @Override
    void close() throws IOException;
  }

  private static final String END =
      "select tx_id::text as tx_id, position from events where tx_id < pg_snapshot_xmin(pg_current_snapshot())"
          + " order by tx_id desc, position desc limit 1";
  private static final String SUMMARY =
      "select stream_id, type, count(*) as n, min(recorded_at) as first_at, max(recorded_at) as last_at,"
          + " max(position) as last_position from events where stream_id = any($1::text[])"
          + " and (tx_id, position) <= ($2::text::xid8, $3) group by stream_id, type";

  private final Platform platform;

  ExportRun(Platform platform) {
    this.platform = platform;
  }

  /** Writes the export of one study; the caller closes the destination. */
  Result write(Options options, Destination destination) throws IOException {
    Studies.Loaded study = await(platform.studies.get(options.studyId()));
    List<StudyEvent.ParticipantAssigned> assigned = await(platform.studies.assignments(study.studyId()));
    Optional<Cursor> end = await(platform.pool().query(END).execute().map(rows -> rows.size() == 0
        ? Optional.<Cursor>empty()
        : Optional.of(new Cursor(Long.parseLong(rows.iterator().next().getString("tx_id")),
            rows.iterator().next().getLong("position")))));

    Map<String, Summary> summaries = end.isEmpty() ? Map.of() : summaries(assigned, end.get());
    Map<String, Person> included = new HashMap<>();
    int leftOutTest = 0;
    int leftOutWithdrawn = 0;
    for (StudyEvent.ParticipantAssigned a : assigned) {
      Summary summary = summaries.get(Participants.streamId(a.participantId()));
      if (summary == null) {
        continue;   // joined after the end of this export
      }
      if (a.test() && !options.includeTest()) {
        leftOutTest++;
      } else if (summary.has("ParticipantWithdrew") && !options.includeWithdrawn()) {
        leftOutWithdrawn++;
      } else {
        included.put(Participants.streamId(a.participantId()), new Person(a, summary));
      }
    }

    Tables tables = new Tables(options.format(), destination, study.protocol().thresholds().diagnostics());
    long events = 0;
    Long first = null;
    Long last = null;
    String studyStream = Studies.streamId(study.studyId());
    if (end.isPresent()) {
      Cursor cursor = Cursor.START;
      Future<EventStore.LogPage> next = platform.store.readAll(cursor, PAGE);
      boolean done = false;
      while (!done) {
        EventStore.LogPage page = await(next);
        done = page.events().isEmpty() || after(page.next(), end.get());
        // The next page is read while this one is written.
        next = done ? null : platform.store.readAll(page.next(), PAGE);
        for (StoredEvent event : page.events()) {
          if (after(event.cursor(), end.get())) {
            done = true;
            break;
          }
          boolean ours;
          if (event.streamId().equals(studyStream)) {
            // An assignment of a participant left out stays out too.
            ours = !event.type().equals("ParticipantAssigned")
                || included.containsKey(Participants.streamId(event.data().getString("participantId")));
          } else {
            Person person = included.get(event.streamId());
            ours = person != null;
            if (ours) {
              tables.participantEvent(study.studyId(), person, event);
            }
          }
          if (ours) {
            tables.raw(event);
            events++;
            first = first == null ? event.position() : Math.min(first, event.position());
            last = last == null ? event.position() : Math.max(last, event.position());
          }
        }
      }
      if (next != null) {
        await(next);
      }
      // In the order of assignment (test participants after the others), so an export's rows do not vary.
      included.values().stream().sorted(java.util.Comparator.comparing((Person p) -> p.assigned.test())
          .thenComparingInt(p -> p.assigned.index()).thenComparing(Person::id)).forEach(tables::flush);
    }
    List<FileWritten> files = new ArrayList<>(tables.close());
    files.add(codebook(options.format(), destination));

    JsonObject manifest = manifest(study, options, files, events, first, last, end, included.size(), leftOutTest,
        leftOutWithdrawn);
    try (OutputStream out = destination.live("manifest.json")) {
      out.write(manifest.encodePrettily().getBytes(StandardCharsets.UTF_8));
      out.write('\n');
    }
    return new Result(study.studyId(), files, manifest);
  }

  /** Whether the cursor lies beyond the end (the log's gap-free order: transaction id, then position). */
  private static boolean after(Cursor cursor, Cursor end) {
    return cursor.txId() > end.txId() || (cursor.txId() == end.txId() && cursor.position() > end.position());
  }

  private Map<String, Summary> summaries(List<StudyEvent.ParticipantAssigned> assigned, Cursor end) {
    String[] streams = assigned.stream().map(a -> Participants.streamId(a.participantId())).toArray(String[]::new);
    return await(platform.pool().preparedQuery(SUMMARY)
        .execute(Tuple.of(streams, Long.toString(end.txId()), end.position())).map(rows -> {
          Map<String, Summary> summaries = new HashMap<>();
          for (Row row : rows) {
            summaries.computeIfAbsent(row.getString("stream_id"), s -> new Summary(new HashMap<>()))
                .types().put(row.getString("type"), new TypeCount(row.getLong("n"),
                    row.getOffsetDateTime("first_at").toInstant(), row.getOffsetDateTime("last_at").toInstant(),
                    row.getLong("last_position")));
          }
          return summaries;
        }));
  }

  private static FileWritten codebook(Format format, Destination destination) throws IOException {
    Sheet sheet = new Sheet(ExportCodebook.CODEBOOK, destination.live(ExportCodebook.CODEBOOK.file()), true);
    for (Table table : ExportCodebook.tables(format)) {
      for (ExportCodebook.Column c : table.columns()) {
        sheet.row(table.file(), c.name(), c.type().id, c.unit(), c.allowed(), c.meaning());
      }
    }
    return sheet.close();
  }

  private JsonObject manifest(Studies.Loaded study, Options options, List<FileWritten> files, long events, Long first,
                              Long last, Optional<Cursor> end, int participants, int leftOutTest,
                              int leftOutWithdrawn) {
    StudyEvent.StudyCreated created = study.study().created();
    JsonArray listed = new JsonArray();
    files.forEach(f -> listed.add(new JsonObject().put("file", f.file()).put("rows", f.rows()).put("bytes", f.bytes())
        .put("sha256", f.sha256())));
    return new JsonObject()
        .put("study", new JsonObject().put("id", study.studyId()).put("title", study.protocol().title())
            .put("protocolId", created.protocolId()).put("protocolVersion", created.protocolVersion())
            .put("protocolSha256", created.protocolSha256())
            .put("createdAt", study.createdAt() == null ? null : study.createdAt().toString()))
        .put("format", options.format().id())
        .put("exportedAt", Instant.now().toString())
        .put("appVersion", BuildInfo.APP_VERSION)
        .put("agentVersion", BuildInfo.AGENT_VERSION)
        .put("included", new JsonObject().put("withdrawn", options.includeWithdrawn()).put("test", options.includeTest()))
        .put("participants", new JsonObject().put("exported", participants)
            .put("leftOut", new JsonObject().put("test", leftOutTest).put("withdrawn", leftOutWithdrawn)))
        .put("events", new JsonObject().put("count", events).put("firstPosition", first).put("lastPosition", last)
            .put("logCursor", end.map(Cursor::encode).orElse(null)))
        .put("files", listed)
        .put("checkpoint", latestCheckpoint());
  }

  /**
   * The audit's latest checkpoint, so a copy of the export can later be tied to the log it came from; null when the
   * database keeps none (or this role may not read them).
   */
  private JsonObject latestCheckpoint() {
    try {
      boolean present = await(platform.pool().query("select to_regclass('checkpoints') is not null as present")
          .execute().map(rows -> rows.iterator().next().getBoolean("present")));
      if (!present) {
        return null;
      }
      return await(platform.pool()
          .query("select (to_jsonb(c) - 'heads')::text as checkpoint from checkpoints c order by c.id desc limit 1")
          .execute().map(rows -> rows.size() == 0 ? null : new JsonObject(rows.iterator().next().getString("checkpoint"))));
    } catch (RuntimeException unreadable) {
      return new JsonObject().put("unreadable", String.valueOf(unreadable.getMessage()));
    }
  }

  static <T> T await(Future<T> future) {
    return Platform.await(future);
  }

  // ---- the participants' state while their events pass by ---------------------------------------------------------

  /** How many events of a type a stream holds, and when the first and last were recorded. */
  record TypeCount(long n, Instant firstAt, Instant lastAt, long lastPosition) {}

  record Summary(Map<String, TypeCount> types) {
    boolean has(String type) { return types.containsKey(type); }

    Instant first(String type) { return has(type) ? types.get(type).firstAt() : null; }

    long count(String type) { return has(type) ? types.get(type).n() : 0; }

    long events() { return types.values().stream().mapToLong(TypeCount::n).sum(); }

    Instant lastAt() { return types.values().stream().map(TypeCount::lastAt).max(Instant::compareTo).orElse(null); }

    long lastPosition() { return types.values().stream().mapToLong(TypeCount::lastPosition).max().orElse(0); }

    String status() {
      if (has("ParticipantWithdrew")) return "withdrawn";
      if (has("SessionEndedEarly")) return "ended-early";
      if (has("ParticipantScreenedOut")) return "screened-out";
      if (has("ConsentDeclined")) return "consent-declined";
      if (has("ParticipantCompleted")) return "completed";
      if (has("TrainingFinished")) return "training-finished";
      // Marked idle and not back since: the mark is the stream's latest event.
      if (has("ParticipantDroppedOut") && types.get("ParticipantDroppedOut").lastPosition() == lastPosition()) {
        return "dropped-out";
      }
      return "in-progress";
    }
  }

  /** An included participant: their assignment, summary, and what the next events need from earlier ones. */
  static final class Person {
    final StudyEvent.ParticipantAssigned assigned;
    final Summary summary;
    JsonObject action;
    String presentedAt;
    StoredEvent rated;
    StoredEvent probe;
    final Map<String, Integer> order = new LinkedHashMap<>();
    Integer row;
    /** The learning figures, folded as the participant's training events pass by (no per-step rows kept). */
    final org.tuneloop.study.LearningTrace.Fold learning = new org.tuneloop.study.LearningTrace.Fold(false);

    Person(StudyEvent.ParticipantAssigned assigned, Summary summary) {
      this.assigned = assigned;
      this.summary = summary;
    }

    String id() { return assigned.participantId(); }

    String arm() { return assigned.arm(); }
  }

  /** The event types the learning diagnostics fold; the others pass it by undecoded. */
  private static final java.util.Set<String> LEARNING_TYPES = java.util.Set.of("ParticipantEnrolled",
      "StartParametersChosen", "EpisodeStarted", "ActionChosen", "TrackPresented", "TrackRated", "QValueUpdated");

  /** The open files of one export and how each event becomes rows. */
  private static final class Tables {
    private final Format format;
    private final org.tuneloop.study.Protocol.Diagnostics thresholds;
    private final Map<String, Sheet> sheets = new LinkedHashMap<>();

    Tables(Format format, Destination destination, org.tuneloop.study.Protocol.Diagnostics thresholds)
        throws IOException {
      this.format = format;
      this.thresholds = thresholds;
      if (format == Format.CSV) {
        // The raw events stream out while the tidy tables wait beside them.
        sheets.put(ExportCodebook.EVENTS.file(), new Sheet(ExportCodebook.EVENTS,
            destination.live(ExportCodebook.EVENTS.file()), true));
        for (Table table : ExportCodebook.TIDY) {
          sheets.put(table.file(), new Sheet(table, destination.spooled(table.file()), true));
        }
      } else {
        sheets.put(ExportCodebook.EVENTS_JSONL.file(), new Sheet(ExportCodebook.EVENTS_JSONL,
            destination.live(ExportCodebook.EVENTS_JSONL.file()), false));
      }
    }

    private Sheet sheet(Table table) { return sheets.get(table.file()); }

    void raw(StoredEvent e) {
      if (format == Format.CSV) {
        sheet(ExportCodebook.EVENTS).row(e.position(), e.streamId(), e.version(), e.eventId(), e.type(),
            e.schemaVersion(), e.recordedAt(), e.data().encode(), e.metadata().encode());
      } else {
        sheet(ExportCodebook.EVENTS_JSONL).line(new JsonObject().put("position", e.position())
            .put("stream", e.streamId()).put("version", e.version()).put("eventId", e.eventId().toString())
            .put("type", e.type()).put("schemaVersion", e.schemaVersion()).put("recordedAt", e.recordedAt().toString())
            .put("data", e.data()).put("metadata", e.metadata()).encode());
      }
    }

    void participantEvent(String studyId, Person p, StoredEvent e) {
      if (format != Format.CSV) {
        return;
      }
      JsonObject d = e.data();
      if (LEARNING_TYPES.contains(e.type())) {
        p.learning.next(e.position(), Participants.decode(e));
      }
      switch (e.type()) {
        case "ParticipantEnrolled" -> {
          Summary s = p.summary;
          sheet(ExportCodebook.PARTICIPANTS).row(studyId, p.id(), p.arm(), p.assigned.index(), p.assigned.entry(),
              d.getString("protocolId"), d.getInteger("protocolVersion"), d.getString("consentVersion"),
              e.recordedAt(), s.first("ConsentGiven"), s.first("ParticipantCompleted"), s.first("ParticipantWithdrew"),
              s.lastAt(), s.status(), p.assigned.test(), s.has("ParticipantWithdrew"), s.has("ParticipantDroppedOut"),
              s.has("SessionEndedEarly"), s.has("ParticipantScreenedOut"), s.has("ConsentDeclined"),
              s.has("IdentifyingDataErased"), s.count("EpisodeCompleted"), s.count("TrackRated"), s.events());
        }
        case "ActionChosen" -> p.action = d;
        case "TrackPresented" -> p.presentedAt = d.getString("presentedAt");
        case "TrackRated" -> {
          flushStep(p, null);
          p.rated = e;
        }
        case "QValueUpdated" -> {
          if (p.rated != null && d.getInteger("episode").equals(p.rated.data().getInteger("episode"))
              && d.getInteger("step").equals(p.rated.data().getInteger("step"))) {
            flushStep(p, d);
          }
        }
        case "QuestionnaireAnswered" -> questionnaire(p, e);
        case "AttentionCheckAnswered" -> sheet(ExportCodebook.QUESTIONNAIRE).row(p.id(), p.arm(), d.getString("block"),
            d.getString("item"), "attention-check", d.getString("answer"), null, null, d.getString("expected"),
            d.getBoolean("passed"), d.getString("wordingSha256"), null, e.recordedAt(), e.position());
        case "EvaluationOrderAssigned" -> {
          p.order.clear();
          p.row = d.getInteger("row");
          JsonArray order = d.getJsonArray("order");
          for (int i = 0; i < order.size(); i++) {
            p.order.put(order.getJsonObject(i).getString("label"), i + 1);
          }
        }
        case "EvaluationAnswered" -> {
          JsonObject answers = d.getJsonObject("answers");
          for (String item : new java.util.TreeSet<>(answers.fieldNames())) {
            sheet(ExportCodebook.EVALUATIONS).row(p.id(), p.arm(), d.getString("block"), d.getString("label"),
                d.getString("source"), p.order.get(d.getString("label")), p.row, item, answers.getLong(item),
                d.getLong("millisToRate"), d.getString("wordingSha256"), e.recordedAt(), e.position());
          }
        }
        case "FatigueReported" -> sheet(ExportCodebook.FATIGUE).row(p.id(), p.arm(), d.getString("block"),
            d.getString("item"), d.getString("scale"), d.getInteger("level"), d.getInteger("afterEpisode"),
            d.getString("wordingSha256"), e.recordedAt(), e.position());
        case "BreakSuggested" -> sheet(ExportCodebook.BREAKS).row(p.id(), p.arm(), "suggested", d.getString("reason"),
            d.getInteger("seconds"), null, null, d.getString("at"), e.position());
        case "BreakStarted" -> sheet(ExportCodebook.BREAKS).row(p.id(), p.arm(), "started", d.getString("reason"),
            d.getInteger("seconds"), d.getBoolean("enforced"), d.getString("endsAt"), e.recordedAt(), e.position());
        case "BreakEnded" -> sheet(ExportCodebook.BREAKS).row(p.id(), p.arm(), "ended", null, null, null, null,
            d.getString("endedAt"), e.position());
        case "ProbePresented" -> p.probe = e;
        case "ProbeRated" -> {
          JsonObject shown = p.probe == null ? new JsonObject() : p.probe.data();
          Integer rating = d.getInteger("rating");
          Integer earlier = d.getInteger("earlierRating");
          sheet(ExportCodebook.PROBES).row(p.id(), p.arm(), d.getInteger("episode"), d.getInteger("afterStep"),
              shown.getInteger("repeatEpisode"), shown.getInteger("repeatStep"), earlier, rating,
              rating == null || earlier == null ? null : rating - earlier, d.getLong("millisToRate"),
              shown.getString("presentedAt"), e.recordedAt(), e.position());
          p.probe = null;
        }
        default -> { }
      }
    }

    private void questionnaire(Person p, StoredEvent e) {
      JsonObject d = e.data();
      Answer answer = EventCodec.answer(d.getValue("value"));
      String kind;
      String value = null;
      String reference = null;
      Integer length = null;
      switch (answer) {
        case Answer.NumberAnswer(double v) -> {
          kind = "number";
          value = v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
        }
        case Answer.Choice(String option) -> {
          kind = "choice";
          value = option;
        }
        case Answer.Choices(List<String> options) -> {
          kind = "choices";
          value = String.join(";", options);
        }
        case Answer.TextReference(String ref, int n) -> {
          kind = "text";
          reference = ref;
          length = n;
        }
        // Never stored in the log; listed for the switch to be complete.
        case Answer.Text t -> kind = "text";
      }
      sheet(ExportCodebook.QUESTIONNAIRE).row(p.id(), p.arm(), d.getString("block"), d.getString("item"), kind, value,
          reference, length, null, null, d.getString("wordingSha256"), d.getInteger("afterEpisode"), e.recordedAt(),
          e.position());
    }

    /** Writes the pending rating's row, with its Q-value update if there is one. */
    private void flushStep(Person p, JsonObject q) {
      StoredEvent rated = p.rated;
      if (rated == null) {
        return;
      }
      JsonObject r = rated.data();
      JsonObject a = p.action != null && r.getInteger("episode").equals(p.action.getInteger("episode"))
          && r.getInteger("step").equals(p.action.getInteger("step")) ? p.action : new JsonObject();
      Double before = q == null ? null : q.getDouble("before");
      Double target = null;
      if (q != null) {
        target = Boolean.TRUE.equals(q.getBoolean("terminal")) ? q.getDouble("reward")
            : q.getDouble("reward") + q.getDouble("gamma") * q.getDouble("maxNext");
      }
      sheet(ExportCodebook.STEPS).row(p.id(), p.arm(), r.getInteger("episode"), r.getInteger("step"),
          q == null ? null : q.getString("state"), q == null ? null : q.getString("action"), a.getString("edit"),
          a.getInteger("note"), a.getBoolean("explored"), a.getDouble("epsilon"), r.getInteger("rating"),
          r.getLong("millisToRate"), r.getLong("clientMillisToRate"), r.getDouble("heardShare"), r.getInteger("replays"),
          r.getLong("hiddenMillis"), p.presentedAt, rated.recordedAt(), before, q == null ? null : q.getDouble("reward"),
          q == null ? null : q.getDouble("maxNext"), q == null ? null : q.getDouble("alpha"),
          q == null ? null : q.getDouble("gamma"), q == null ? null : q.getBoolean("terminal"),
          q == null ? null : q.getDouble("after"), target, target == null ? null : target - before, rated.position());
      p.rated = null;
    }

    /** A rating whose update never came (a stream cut short) still gets its row; then the diagnostics' row. */
    void flush(Person p) {
      if (format == Format.CSV) {
        flushStep(p, null);
        diagnostics(p);
      }
    }

    private void diagnostics(Person p) {
      org.tuneloop.study.LearningTrace trace = p.learning.result();
      org.tuneloop.study.LearningTrace.Diagnostics d = trace.diagnostics(thresholds);
      org.tuneloop.study.LearningTrace.Figures f = d.figures();
      org.tuneloop.study.Audit.Learned l = trace.learned();
      org.tuneloop.music.Edit top = trace.topGreedyEdit();
      sheet(ExportCodebook.DIAGNOSTICS).row(p.id(), p.arm(), d.steps(), l.updates(), trace.updates().stream()
              .map(u -> u.state() + "\u0000" + u.action()).distinct().count(), l.revisitRate(), l.greedySteps(),
          l.informedGreedyShare(), f.meanAbsTdErrorFirst(), f.meanAbsTdErrorLast(), f.topActionGreedyShare(),
          top == null ? null : top.id(), f.neverSeenStateShare(), f.ratingSlopePerEpisode(),
          String.join(";", d.kinds()), thresholds.minSteps(), thresholds.policyCollapseShare(),
          thresholds.neverSeenStateShare(), thresholds.ratingDriftPerEpisode());
    }

    List<FileWritten> close() throws IOException {
      List<FileWritten> written = new ArrayList<>();
      for (Sheet sheet : sheets.values()) {
        written.add(sheet.close());
      }
      return written;
    }
  }

  /** One file being written: its rows counted, its bytes counted and hashed. */
  private static final class Sheet {
    private final Table table;
    private final Hashed hashed;
    private final Writer writer;
    private final CSVPrinter printer;
    private long rows;

    Sheet(Table table, OutputStream out, boolean csv) throws IOException {
      this.table = table;
      this.hashed = new Hashed(out);
      this.writer = new BufferedWriter(new OutputStreamWriter(hashed, StandardCharsets.UTF_8), 1 << 16);
      this.printer = csv ? new CSVPrinter(writer, CSV.builder().setHeader(table.header().toArray(String[]::new)).get())
          : null;
    }

    void row(Object... values) {
      if (values.length != table.columns().size()) {
        throw new IllegalStateException(table.file() + " has " + table.columns().size() + " columns, not "
            + values.length);
      }
      try {
        printer.printRecord(values);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      rows++;
    }

    void line(String json) {
      try {
        writer.write(json);
        writer.write('\n');
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      rows++;
    }

    FileWritten close() throws IOException {
      if (printer != null) {
        printer.close(true);
      }
      writer.close();
      return new FileWritten(table.file(), rows, hashed.bytes, HexFormat.of().formatHex(hashed.digest.digest()));
    }
  }

  /** Counts and hashes what passes through. */
  private static final class Hashed extends FilterOutputStream {
    final MessageDigest digest;
    long bytes;

    Hashed(OutputStream out) {
      super(out);
      try {
        digest = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      digest.update((byte) b);
      bytes++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      digest.update(b, off, len);
      bytes += len;
    }
  }

  // ---- destinations ------------------------------------------------------------------------------------------------

  /** The files in a folder (created if absent). */
  static Destination folder(Path folder) throws IOException {
    Files.createDirectories(folder);
    return new Destination() {
      @Override public OutputStream live(String file) throws IOException {
        return Files.newOutputStream(folder.resolve(file));
      }

      @Override public OutputStream spooled(String file) throws IOException {
        return Files.newOutputStream(folder.resolve(file));
      }

      @Override public void close() { }
    };
  }

  /**
   * The files as one zip streamed to {@code out}: the live file goes straight into it, spooled files wait in a
   * temporary folder until it is done. Closing finishes the zip (not {@code out}) and removes the folder.
   */
  static Destination zip(OutputStream out) throws IOException {
    Path spool = Files.createTempDirectory("tuneloop-export");
    ZipOutputStream zip = new ZipOutputStream(out);
    List<String> waiting = new ArrayList<>();
    boolean[] liveOpen = {false};
    return new Destination() {
      @Override public OutputStream live(String file) throws IOException {
        if (liveOpen[0]) {
          throw new IllegalStateException("one live file at a time");
        }
        copyWaiting();
        zip.putNextEntry(new ZipEntry(file));
        liveOpen[0] = true;
        return new FilterOutputStream(zip) {
          @Override public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
          }

          @Override public void close() throws IOException {
            flush();
            zip.closeEntry();
            liveOpen[0] = false;
          }
        };
      }

      @Override public OutputStream spooled(String file) throws IOException {
        return new FilterOutputStream(Files.newOutputStream(spool.resolve(file))) {
          @Override public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
          }

          @Override public void close() throws IOException {
            super.close();
            waiting.add(file);
            if (!liveOpen[0]) {
              copyWaiting();
            }
          }
        };
      }

      private void copyWaiting() throws IOException {
        for (String file : waiting) {
          zip.putNextEntry(new ZipEntry(file));
          Files.copy(spool.resolve(file), zip);
          zip.closeEntry();
          Files.delete(spool.resolve(file));
        }
        waiting.clear();
      }

      @Override public void close() throws IOException {
        try {
          copyWaiting();
          zip.finish();
          zip.flush();
        } finally {
          try (var left = Files.list(spool)) {
            for (Path p : left.toList()) {
              Files.deleteIfExists(p);
            }
          }
          Files.deleteIfExists(spool);
        }
      }
    };
  }
}
