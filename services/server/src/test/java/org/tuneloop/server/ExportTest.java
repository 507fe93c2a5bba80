package org.tuneloop.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.StringWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.tuneloop.eventstore.ExpectedVersion;
import org.tuneloop.eventstore.NewEvent;
import org.tuneloop.eventstore.testing.TestDatabases;
import org.tuneloop.eventstore.testing.TestDatabases.TestDatabase;

/**
 * `study export` of a study driven through the API (simulated participants, a test participant, one who withdrew,
 * one whose flow events cover the questionnaire, evaluation, fatigue, break and probe tables), read back with a CSV
 * parser and checked against the codebook and the stored events.
 */
@Timeout(value = 3, unit = java.util.concurrent.TimeUnit.MINUTES)
class ExportTest {
  private static final Path PILOT = ServerProcess.testProtocol("pilot-training-only.yaml");
  private static TestDatabase database;
  private static Vertx vertx;
  private static Platform platform;
  private static InProcessServer server;
  private static String url;
  private static String token;
  private static String studyId;
  private static String withdrawn;
  private static String test;
  private static String flow;

  @TempDir
  Path folder;

  @BeforeAll
  static void study() throws Exception {
    database = TestDatabases.fresh();
    vertx = Vertx.vertx();
    Pool pool = database.appPool(vertx, 8);
    server = InProcessServer.deploy(vertx, pool, database, "http://localhost");
    platform = server.platform;
    url = "http://localhost:" + server.port;
    Researchers.Researcher researcher = await(platform.researchers.create("export@example.org",
        Researchers.Role.RESEARCHER, "not-a-password-hash"));
    token = await(platform.apiTokens.issue(researcher.id(), "export")).token();

    Run sim = run("simulate", "--url", url, "--token", token, "--protocol", PILOT.toString(), "--participants", "4",
        "--seed", "3");
    assertThat(sim.exit()).as(sim.err()).isZero();
    Matcher m = Pattern.compile("of study (\\S+) ").matcher(sim.out());
    assertThat(m.find()).as(sim.out()).isTrue();
    studyId = m.group(1);

    InProcessServer.As researcherCall = InProcessServer.As.bearer(token);
    test = server.post(researcherCall, "/api/studies/" + studyId + "/preview", null).json().getString("participantId");
    JsonObject joined = server.post(InProcessServer.As.nobody(), "/api/studies/" + studyId + "/join", null).json();
    withdrawn = joined.getString("participantId");
    InProcessServer.Reply left = server.post(InProcessServer.As.bearer(joined.getString("token")),
        "/api/participants/" + withdrawn + "/withdraw", null);
    assertThat(left.status()).as(left.body()).isEqualTo(200);
    flow = flowParticipant();
  }

  /** A participant whose stream holds one of each flow event, appended as the server appends a join. */
  private static String flowParticipant() {
    String id = UUID.randomUUID().toString();
    var assigned = await(platform.studies.assignments(studyId));
    JsonObject enrolment = await(platform.store.readStream(Participants.streamId(assigned.getFirst().participantId()), 0))
        .getFirst().data().copy().put("participantId", id);
    String sha = "ab".repeat(32);
    JsonArray track = new JsonArray().add(new JsonObject().put("pitch", 60).put("beats", 1.0).put("drum", 0));
    List<NewEvent> events = List.of(
        event("ParticipantEnrolled", 3, enrolment),
        event("ConsentGiven", 1, new JsonObject().put("consentVersion", "1.0").put("consentSha256", sha)),
        event("QuestionnaireAnswered", 1, new JsonObject().put("block", "about").put("item", "age").put("value", 34)
            .put("wordingSha256", sha).putNull("afterEpisode")),
        event("QuestionnaireAnswered", 1, new JsonObject().put("block", "about").put("item", "genres")
            .put("value", new JsonArray().add("jazz").add("folk")).put("wordingSha256", sha).putNull("afterEpisode")),
        event("QuestionnaireAnswered", 1, new JsonObject().put("block", "about").put("item", "feedback")
            .put("value", new JsonObject().put("textRef", "t-1").put("length", 42)).put("wordingSha256", sha)
            .put("afterEpisode", 1)),
        event("AttentionCheckAnswered", 1, new JsonObject().put("block", "about").put("item", "check")
            .put("answer", "blue").put("expected", "blue").put("passed", true).put("wordingSha256", sha)),
        event("FatigueReported", 1, new JsonObject().put("block", "train").put("item", "tired").put("scale", "kss")
            .put("level", 6).put("wordingSha256", sha).put("afterEpisode", 2)),
        event("BreakSuggested", 1, new JsonObject().put("reason", "fatigue").put("seconds", 60)
            .put("at", "2026-01-01T10:00:00Z")),
        event("BreakStarted", 1, new JsonObject().put("reason", "fatigue").put("seconds", 60).put("enforced", true)
            .put("endsAt", "2026-01-01T10:01:00Z")),
        event("BreakEnded", 1, new JsonObject().put("endedAt", "2026-01-01T10:01:00Z")),
        event("ProbePresented", 1, new JsonObject().put("episode", 2).put("afterStep", 3).put("repeatEpisode", 1)
            .put("repeatStep", 2).put("track", track).put("presentedAt", "2026-01-01T10:02:00Z")),
        event("ProbeRated", 1, new JsonObject().put("episode", 2).put("afterStep", 3).put("rating", 4)
            .put("earlierRating", 7).put("millisToRate", 2100)),
        event("EvaluationOrderAssigned", 1, new JsonObject().put("block", "eval").put("row", 1).put("order",
            new JsonArray().add(new JsonObject().put("label", "A").put("source", "composition").put("track", track)
                .put("tempo", 120)).add(new JsonObject().put("label", "B").put("source", "first").put("track", track)
                .put("tempo", 120)))),
        event("EvaluationAnswered", 1, new JsonObject().put("block", "eval").put("label", "B").put("source", "first")
            .put("answers", new JsonObject().put("coherence", 5).put("musicality", 6).put("novelty", 2))
            .put("wordingSha256", sha).put("millisToRate", 9000)));
    JsonObject assignment = new JsonObject().put("participantId", id).put("index", assigned.size()).put("arm", "A")
        .put("entry", "researcher").put("test", false);
    await(platform.store.transaction(tx -> tx.lock(Studies.streamId(studyId))
        .compose(v -> tx.append(Studies.streamId(studyId), ExpectedVersion.any(),
            List.of(event("ParticipantAssigned", 1, assignment))))
        .compose(v -> tx.append(Participants.streamId(id), ExpectedVersion.noStream(), events))));
    return id;
  }

  private static NewEvent event(String type, int schemaVersion, JsonObject data) {
    return new NewEvent(UUID.randomUUID(), type, schemaVersion, data, new JsonObject().put("appVersion", "test"));
  }

  @AfterAll
  static void close() {
    if (vertx != null) {
      InProcessServer.await(vertx.close());
    }
    if (database != null) {
      database.close();
    }
  }

  // ---- the tests ---------------------------------------------------------------------------------------------------

  @Test
  void aCsvExportThroughTheServerLeavesOutTestAndWithdrawnParticipantsAndMatchesTheLog() throws Exception {
    Path out = folder.resolve("export");
    Run export = run("export", "--study", studyId, "--format", "csv", "--out", out.toString(), "--url", url,
        "--token", token);
    assertThat(export.exit()).as(export.err()).isZero();
    assertThat(export.out()).contains("Exported study " + studyId, "left out: 1 test, 1 withdrawn");

    Map<String, List<CSVRecord>> files = readAndCheck(out, ExportRun.Format.CSV);
    Set<String> ids = ids(files.get("participants.csv"));
    assertThat(ids).hasSize(5).contains(flow).doesNotContain(test, withdrawn);
    checkCounts(out, files, ids);

    CSVRecord someone = files.get("participants.csv").stream()
        .filter(r -> !r.get("participant_id").equals(flow)).findFirst().orElseThrow();
    // The pilot is training alone: the simulated participants finished it.
    assertThat(someone.get("status")).isEqualTo("training-finished");
    assertThat(Integer.parseInt(someone.get("ratings"))).isEqualTo(8);
    for (CSVRecord step : files.get("steps.csv")) {
      double target = Double.parseDouble(step.get("target"));
      assertThat(Double.parseDouble(step.get("td_error")))
          .isCloseTo(target - Double.parseDouble(step.get("q_before")), org.assertj.core.data.Offset.offset(1e-9));
      assertThat(step.get("action")).isEqualTo(step.get("edit") + "@" + step.get("note"));
    }

    // The flow participant's rows, one per observation.
    List<CSVRecord> answers = files.get("questionnaire.csv");
    assertThat(answers).extracting(r -> r.get("kind") + ":" + r.get("value") + ":" + r.get("text_ref") + ":"
        + r.get("text_length")).containsExactly("number:34::", "choices:jazz;folk::", "text::t-1:42",
        "attention-check:blue::");
    assertThat(files.get("evaluations.csv")).extracting(r -> r.get("label") + r.get("presentation_order")
        + r.get("item") + r.get("value")).containsExactly("B2coherence5", "B2musicality6", "B2novelty2");
    assertThat(files.get("fatigue.csv")).extracting(r -> r.get("scale") + r.get("level")).containsExactly("kss6");
    assertThat(files.get("breaks.csv")).extracting(r -> r.get("event")).containsExactly("suggested", "started", "ended");
    assertThat(files.get("probes.csv")).extracting(r -> r.get("earlier_rating") + "/" + r.get("probe_rating") + "/"
        + r.get("difference") + "/" + r.get("repeat_step")).containsExactly("7/4/-3/2");

    // One diagnostics row per participant, from the same ratings and updates as steps.csv.
    List<CSVRecord> diagnostics = files.get("diagnostics.csv");
    assertThat(ids(diagnostics)).isEqualTo(ids);
    Map<String, Long> stepsOf = files.get("steps.csv").stream()
        .collect(Collectors.groupingBy(r -> r.get("participant_id"), Collectors.counting()));
    for (CSVRecord row : diagnostics) {
      long steps = stepsOf.getOrDefault(row.get("participant_id"), 0L);
      assertThat(Long.parseLong(row.get("rated_steps"))).isEqualTo(steps);
      assertThat(row.get("min_steps")).isEqualTo("16");
      // The pilot's 8 ratings are fewer than the 16 a flag needs.
      assertThat(row.get("flags")).isEmpty();
      if (steps == 8) {
        assertThat(row.get("updates")).isEqualTo("8");
        assertThat(row.get("mean_abs_td_error_first")).isNotEmpty();
        assertThat(row.get("rating_slope_per_episode")).isNotEmpty();
      }
    }
    // The download through the server is in the study's access log.
    assertThat(InProcessServer.count(database, "select count(*) from researcher_access where study_id = '"
        + studyId + "' and action = 'export' and detail->>'format' = 'csv'")).isPositive();
  }

  @Test
  void theFlagsBringTestAndWithdrawnParticipantsIn() throws Exception {
    Path out = folder.resolve("all");
    Run export = run("export", "--study", studyId, "--out", out.toString(), "--url", url, "--token", token,
        "--include-withdrawn", "--include-test");
    assertThat(export.exit()).as(export.err()).isZero();
    Map<String, List<CSVRecord>> files = readAndCheck(out, ExportRun.Format.CSV);
    Set<String> ids = ids(files.get("participants.csv"));
    assertThat(ids).hasSize(7).contains(test, withdrawn);
    checkCounts(out, files, ids);
    Map<String, CSVRecord> byId = files.get("participants.csv").stream()
        .collect(Collectors.toMap(r -> r.get("participant_id"), r -> r));
    assertThat(byId.get(test).get("test")).isEqualTo("true");
    assertThat(byId.get(withdrawn).get("withdrawn")).isEqualTo("true");
    assertThat(byId.get(withdrawn).get("status")).isEqualTo("withdrawn");
    assertThat(Instant.parse(byId.get(withdrawn).get("withdrawn_at"))).isNotNull();
  }

  @Test
  void aJsonLinesExportFromTheDatabaseHoldsEveryEventOfTheIncludedStreams() throws Exception {
    Path out = folder.resolve("jsonl");
    Run export = run("export", "--study", studyId, "--format", "jsonl", "--out", out.toString(), "--db",
        ownerUrl(), "--app-password", TestDatabases.APP_ROLE.password());
    assertThat(export.exit()).as(export.err()).isZero();
    Map<String, List<CSVRecord>> files = readAndCheck(out, ExportRun.Format.JSONL);
    List<String> lines = Files.readAllLines(out.resolve("events.jsonl"));
    Set<String> keys = Set.copyOf(ExportCodebook.EVENTS_JSONL.header());
    Set<Long> positions = new java.util.HashSet<>();
    for (String line : lines) {
      JsonObject event = new JsonObject(line);
      assertThat(event.fieldNames()).isEqualTo(keys);
      // In the log's gap-free order (transaction, then position), each event once.
      assertThat(positions.add(event.getLong("position"))).isTrue();
    }
    List<String> included = new ArrayList<>(List.copyOf(
        await(platform.studies.assignments(studyId)).stream().map(a -> a.participantId())
            .filter(p -> !p.equals(test) && !p.equals(withdrawn)).toList()));
    assertThat(lines).hasSize((int) rawEvents(included));
    assertThat(files).containsOnlyKeys("codebook.csv");
    // Straight from the database, the export is recorded with the operating-system user.
    assertThat(InProcessServer.count(database, "select count(*) from researcher_access where study_id = '" + studyId
        + "' and action = 'export' and researcher_id like 'command-line:%' and detail->>'format' = 'jsonl'"))
        .isEqualTo(1);
  }

  @Test
  void theDownloadIsRefusedPolitely() throws Exception {
    String path = "/api/studies/" + studyId + "/export";
    assertThat(server.get(InProcessServer.As.nobody(), path).status()).isEqualTo(401);
    InProcessServer.Reply wrong = server.get(InProcessServer.As.bearer(token), path + "?format=xlsx");
    assertThat(wrong.status()).isEqualTo(400);
    assertThat(wrong.json().getString("detail")).contains("csv or jsonl");
    assertThat(server.get(InProcessServer.As.bearer(token), "/api/studies/no-such-study/export").status())
        .isEqualTo(404);

    Path used = Files.createDirectories(folder.resolve("used"));
    Files.writeString(used.resolve("old.csv"), "x\n");
    Run refused = run("export", "--study", studyId, "--out", used.toString(), "--url", url, "--token", token);
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err()).contains("is not empty");
  }

  // ---- reading an export back --------------------------------------------------------------------------------------

  /** Every file parsed; every CSV's header is its codebook entry and every cell has its type; checksums hold. */
  private static Map<String, List<CSVRecord>> readAndCheck(Path out, ExportRun.Format format) throws Exception {
    JsonObject manifest = new JsonObject(Files.readString(out.resolve("manifest.json")));
    assertThat(manifest.getJsonObject("study").getString("id")).isEqualTo(studyId);
    assertThat(manifest.getJsonObject("study").getString("protocolSha256")).matches("[0-9a-f]{64}");
    assertThat(manifest.getString("appVersion")).isEqualTo(BuildInfo.APP_VERSION);
    assertThat(manifest.containsKey("checkpoint")).isTrue();

    Map<String, JsonObject> listed = manifest.getJsonArray("files").stream().map(JsonObject.class::cast)
        .collect(Collectors.toMap(f -> f.getString("file"), f -> f));
    List<String> present;
    try (var entries = Files.list(out)) {
      present = entries.map(p -> p.getFileName().toString()).filter(n -> !n.equals("manifest.json")).sorted().toList();
    }
    assertThat(listed.keySet()).containsExactlyInAnyOrderElementsOf(present);
    assertThat(present).containsExactlyInAnyOrderElementsOf(
        ExportCodebook.tables(format).stream().map(ExportCodebook.Table::file).toList());

    // The codebook in the export lists exactly the columns of the files.
    List<CSVRecord> codebook = parse(out.resolve("codebook.csv"));
    Map<String, List<String>> documented = codebook.stream().collect(Collectors.groupingBy(r -> r.get("file"),
        java.util.LinkedHashMap::new, Collectors.mapping(r -> r.get("column"), Collectors.toList())));
    Map<String, List<CSVRecord>> files = new java.util.TreeMap<>();
    for (String name : present) {
      byte[] bytes = Files.readAllBytes(out.resolve(name));
      assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)))
          .as("checksum of " + name).isEqualTo(listed.get(name).getString("sha256"));
      if (!name.endsWith(".csv")) {
        continue;
      }
      List<CSVRecord> records = parse(out.resolve(name));
      ExportCodebook.Table table = ExportCodebook.table(name).orElseThrow();
      List<String> header;
      try (Reader r = Files.newBufferedReader(out.resolve(name));
           CSVParser p = CSVFormat.DEFAULT.builder().setHeader().get().parse(r)) {
        header = p.getHeaderNames();
      }
      assertThat(header).as("columns of " + name).isEqualTo(documented.get(name)).isEqualTo(table.header());
      assertThat((long) records.size()).as("rows of " + name).isEqualTo(listed.get(name).getLong("rows"));
      for (CSVRecord record : records) {
        for (ExportCodebook.Column c : table.columns()) {
          checkType(name, c, record.get(c.name()));
        }
      }
      files.put(name, records);
    }
    return files;
  }

  private static void checkType(String file, ExportCodebook.Column c, String value) {
    if (value.isEmpty()) {
      return;
    }
    String where = file + "." + c.name() + " = '" + value + "'";
    try {
      switch (c.type()) {
        case INTEGER -> Long.parseLong(value);
        case NUMBER -> Double.parseDouble(value);
        case BOOLEAN -> assertThat(value).as(where).isIn("true", "false");
        case TIMESTAMP -> Instant.parse(value);
        case UUID -> UUID.fromString(value);
        case HEX -> assertThat(value).as(where).matches("[0-9a-f]+");
        case JSON -> Json.decodeValue(value);
        case TEXT -> { }
      }
    } catch (RuntimeException e) {
      throw new AssertionError(where + " is not of type " + c.type().id, e);
    }
    // A list of plain words is the set of values allowed.
    if (c.type() == ExportCodebook.Type.TEXT && c.allowed().matches("[a-z0-9-]+(, [a-z0-9-]+)+")) {
      assertThat(value).as(where).isIn((Object[]) c.allowed().split(", "));
    }
  }

  /** Steps equal the stored ratings of the included participants, raw events the events of the included streams. */
  private static void checkCounts(Path out, Map<String, List<CSVRecord>> files, Set<String> ids) throws Exception {
    List<String> streams = ids.stream().map(Participants::streamId).toList();
    assertThat((long) files.get("steps.csv").size()).isEqualTo(count(
        "select count(*) from events where type = 'TrackRated' and stream_id = any(?)", streams));
    assertThat((long) files.get("events.csv").size()).isEqualTo(rawEvents(List.copyOf(ids)));
    for (CSVRecord p : files.get("participants.csv")) {
      assertThat(Long.parseLong(p.get("events"))).isEqualTo(count(
          "select count(*) from events where stream_id = any(?)", List.of(Participants.streamId(p.get("participant_id")))));
    }
    JsonObject manifest = new JsonObject(Files.readString(out.resolve("manifest.json")));
    assertThat(manifest.getJsonObject("events").getLong("count")).isEqualTo(files.get("events.csv").size());
  }

  private static long rawEvents(List<String> participantIds) throws Exception {
    List<String> streams = new ArrayList<>(participantIds.stream().map(Participants::streamId).toList());
    long participants = count("select count(*) from events where stream_id = any(?)", streams);
    long study = count("select count(*) from events where stream_id = ? and (type <> 'ParticipantAssigned'"
        + " or data->>'participantId' = any(?))", Studies.streamId(studyId), participantIds);
    return participants + study;
  }

  private static long count(String sql, Object... parameters) throws Exception {
    try (var c = database.ownerConnection(); var s = c.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        if (parameters[i] instanceof List<?> list) {
          s.setArray(i + 1, c.createArrayOf("text", list.toArray()));
        } else {
          s.setObject(i + 1, parameters[i]);
        }
      }
      try (var r = s.executeQuery()) {
        r.next();
        return r.getLong(1);
      }
    }
  }

  private static Set<String> ids(List<CSVRecord> participants) {
    return participants.stream().map(r -> r.get("participant_id")).collect(Collectors.toSet());
  }

  static List<CSVRecord> parse(Path file) throws IOException {
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
         CSVParser parser = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(reader)) {
      return parser.getRecords();
    }
  }

  static String ownerUrl() {
    var o = database.owner();
    return "postgresql://" + o.user() + ":" + URLEncoder.encode(o.password(), StandardCharsets.UTF_8) + "@" + o.host()
        + ":" + o.port() + "/" + o.database();
  }

  record Run(int exit, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = StudyCommand.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
        .execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  private static <T> T await(io.vertx.core.Future<T> future) {
    return InProcessServer.await(future);
  }
}
