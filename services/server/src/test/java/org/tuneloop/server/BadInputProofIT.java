package org.tuneloop.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tuneloop.server.InProcessServer.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.tuneloop.eventstore.testing.TestDatabases;
import org.tuneloop.eventstore.testing.TestDatabases.TestDatabase;
import org.tuneloop.server.InProcessServer.As;

/**
 * The bad-input proof (docs/reliability.md): a corpus generated from the server's own /openapi.yaml, sent to every
 * operation with real participants in every phase and a real researcher (API token and browser session): wrong
 * types, out-of-range and huge numbers, missing, unknown and duplicate fields, oversized and deeply nested bodies,
 * invalid UTF-8, wrong content types and injection strings. Every answer is a 4xx, never a 5xx; a 400 or 422 about a
 * field names it; and not one event is stored.
 */
@ExtendWith(VertxExtension.class)
class BadInputProofIT {
  private static final String PILOT = StudyCommand.resource("/study-protocols/pilot.yaml");
  private static final List<String> INJECTIONS = List.of("' or '1'='1", "'; drop table events; --", "<script>alert(1)</script>",
      "../../../../etc/passwd", "${jndi:ldap://example.invalid/a}", "{{7*7}}", "%00", "\u0000", "\u202e\ud83c\udfb5",
      "x".repeat(5_000));
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static TestDatabase database;
  private static InProcessServer server;
  private static final Map<String, String> participants = new LinkedHashMap<>(); // phase -> id
  private static final Map<String, String> participantTokens = new LinkedHashMap<>(); // id -> token
  private static String studyId;
  private static String researcherToken;
  private static String sessionCookie;
  private static String csrf;
  private static String tokenId;

  @BeforeAll
  static void start(Vertx vertx) {
    database = TestDatabases.fresh();
    Pool pool = database.appPool(vertx, 8);
    server = InProcessServer.deploy(vertx, pool, database, "http://localhost");
    // Every request must meet the checks themselves, not the per-participant rate that answers 429 before them.
    server.http.withCommandRate(null);
    String email = "fuzz-" + UUID.randomUUID().toString().substring(0, 8) + "@example.org";
    String password = "a long enough password";
    Researchers.Researcher owner = await(server.platform.researchers.create(email, Researchers.Role.RESEARCHER,
        Passwords.hash(password)));
    ApiTokens.Issued issued = await(server.platform.apiTokens.issue(owner.id(), "fuzz"));
    researcherToken = issued.token();
    As researcher = As.bearer(researcherToken);
    InProcessServer.Reply login = server.post(As.nobody(), "/api/login",
        new JsonObject().put("email", email).put("password", password));
    assertThat(login.status()).as(login.body()).isEqualTo(200);
    sessionCookie = login.sessionCookie();
    csrf = login.json().getString("csrfToken");
    tokenId = server.get(researcher, "/api/tokens").json().getJsonArray("tokens").getJsonObject(0).getString("id");

    studyId = "fuzz-" + UUID.randomUUID().toString().substring(0, 8);
    expect(server.post(researcher, "/api/studies", new JsonObject().put("id", studyId).put("protocol", PILOT)), 201);
    expect(server.post(researcher, "/api/studies/" + studyId + "/open", null), 200);
    JsonObject consent = new JsonObject().put("consentVersion", "1.0").put("agree", true);
    JsonObject parameters = new JsonObject().put("baseNote", 60).put("scale", "major").put("length", 4).put("tempo", 120);
    for (String phase : List.of("consent", "parameters", "training", "between-episodes", "finished", "withdrawn")) {
      JsonObject joined = expect(server.post(As.nobody(), "/api/studies/" + studyId + "/join", null), 201).json();
      String id = joined.getString("participantId");
      As p = As.bearer(joined.getString("token"));
      String path = "/api/participants/" + id;
      participantTokens.put(id, joined.getString("token"));
      JsonObject session = server.get(p, path).json();
      if (!phase.equals("consent")) session = expect(server.post(p, path + "/consent", consent), 200).json();
      if (phase.equals("withdrawn")) session = expect(server.post(p, path + "/withdraw", null), 200).json();
      if (List.of("training", "between-episodes", "finished").contains(phase)) {
        session = expect(server.post(p, path + "/parameters", parameters), 200).json();
      }
      while (List.of("between-episodes", "finished").contains(phase) && !session.getBoolean("canFinish", false)) {
        if (session.getString("phase").equals("between-episodes")) {
          session = expect(server.post(p, path + "/episodes", null), 200).json();
        }
        JsonObject track = session.getJsonObject("track");
        session = expect(server.post(p, path + "/ratings", new JsonObject().put("episode", track.getInteger("episode"))
            .put("step", track.getInteger("step")).put("rating", 5)), 200).json();
      }
      if (phase.equals("finished")) session = expect(server.post(p, path + "/finish", null), 200).json();
      assertThat(session.getString("phase")).as(phase).isEqualTo(phase);
      participants.put(phase, id);
    }
  }

  @AfterAll
  static void drop() {
    if (database != null) database.close();
  }

  private static InProcessServer.Reply expect(InProcessServer.Reply r, int status) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    return r;
  }

  /** One generated request and what it is about: the field it spoils, if any. */
  record Case(String method, String path, Map<String, String> headers, byte[] body, String field, String what) {}

  @Test
  @Timeout(240)
  void everyBadRequestGetsA4xxNamingItsFieldAndStoresNothing() throws Exception {
    long eventsBefore = InProcessServer.count(database, "select count(*) from events");
    JsonNode api = new ObjectMapper(new YAMLFactory()).readTree(HTTP.send(HttpRequest.newBuilder(
        URI.create("http://localhost:" + server.port + "/openapi.yaml")).build(), HttpResponse.BodyHandlers.ofString()).body());
    List<Case> cases = new ArrayList<>();
    int operations = 0;
    for (Iterator<Map.Entry<String, JsonNode>> paths = api.get("paths").fields(); paths.hasNext(); ) {
      Map.Entry<String, JsonNode> path = paths.next();
      if (!path.getKey().startsWith("/api/")) continue; // /health, /metrics and /openapi.yaml take no input
      for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields(); ops.hasNext(); ) {
        Map.Entry<String, JsonNode> op = ops.next();
        if (!List.of("get", "post", "put", "patch", "delete").contains(op.getKey())) continue;
        operations++;
        generate(api, path.getKey(), op.getKey().toUpperCase(java.util.Locale.ROOT), op.getValue(), cases);
      }
    }

    Map<Integer, Integer> statuses = new TreeMap<>();
    List<String> failures = new ArrayList<>();
    long slowest = 0;
    for (Case c : cases) {
      long started = System.nanoTime();
      HttpResponse<String> r = send(c);
      slowest = Math.max(slowest, (System.nanoTime() - started) / 1_000_000);
      statuses.merge(r.statusCode(), 1, Integer::sum);
      if (r.statusCode() < 400 || r.statusCode() >= 500) {
        failures.add(r.statusCode() + " " + c.method() + " " + c.path() + " (" + c.what() + "): " + abbreviate(r.body()));
      } else if (c.field() != null && (r.statusCode() == 400 || r.statusCode() == 422)) {
        String named = field(r.body());
        if (r.body().contains("\"problems\"")) continue; // a protocol file's problems, each named by its path
        if (named == null || !(named.equals(c.field()) || named.startsWith(c.field() + ".")
            || named.startsWith(c.field() + "["))) {
          failures.add("field " + named + " instead of " + c.field() + ": " + c.method() + " " + c.path() + " ("
              + c.what() + "): " + abbreviate(r.body()));
        }
      }
    }
    long eventsAfter = InProcessServer.count(database, "select count(*) from events");
    long fivexx = statuses.entrySet().stream().filter(e -> e.getKey() >= 500).mapToLong(Map.Entry::getValue).sum();
    System.out.printf("bad-input proof: %d requests over %d operations of /openapi.yaml, %d participants (one per"
            + " phase), statuses %s, %d 5xx, slowest %d ms, events %d before and %d after, %d problems%n",
        cases.size(), operations, participants.size(), statuses, fivexx, slowest, eventsBefore, eventsAfter,
        failures.size());
    failures.stream().limit(30).forEach(f -> System.out.println("  " + f));
    assertThat(cases.size()).isGreaterThan(2_000);
    assertThat(failures).isEmpty();
    assertThat(eventsAfter).isEqualTo(eventsBefore);
  }

  private static String field(String body) {
    try {
      return new JsonObject(body).getString("field");
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static String abbreviate(String s) { return s.length() > 200 ? s.substring(0, 200) + "..." : s; }

  private HttpResponse<String> send(Case c) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + server.port + c.path()))
        .timeout(Duration.ofSeconds(10))
        .method(c.method(), c.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(c.body()));
    c.headers().forEach(b::header);
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  // ---- generation ------------------------------------------------------------------------------------------------

  /** The callers that may reach an operation: each real participant with its own token, the researcher both ways. */
  private static List<Map<String, String>> callers(String path) {
    List<Map<String, String>> callers = new ArrayList<>();
    if (path.contains("{participantId}") && !path.contains("/pause") && !path.contains("/resume")
        && !path.contains("/notes") && !path.contains("/end") && !path.contains("/kiosk")
        && !path.endsWith("/q-table") && !path.endsWith("/events") && !path.endsWith("/learning")
        && !path.endsWith("/provenance")) {
      participants.values().forEach(id -> callers.add(Map.of("Authorization", "Bearer " + participantTokens.get(id),
          "X-Participant", id)));
    }
    callers.add(Map.of("Authorization", "Bearer " + researcherToken));
    callers.add(Map.of("Cookie", "tuneloop_session=" + sessionCookie, "X-CSRF-Token", csrf));
    return callers;
  }

  private static void generate(JsonNode api, String template, String method, JsonNode op, List<Case> cases) {
    JsonNode schema = op.path("requestBody").path("content").path("application/json").path("schema");
    schema = resolve(api, schema);
    for (Map<String, String> caller : callers(template)) {
      Map<String, String> headers = new LinkedHashMap<>(caller);
      String participant = headers.remove("X-Participant");
      String realPath = realPath(template, participant);
      // Spoiled path parameters, with a body that would do if there is one.
      for (String bad : List.of("nope", "00000000-0000-0000-0000-000000000000", "' or 1=1 --", "..%2F..%2Fetc",
          "x".repeat(2_000), "%C3%A9%F0%9D%84%9E")) {
        if (!template.contains("{")) break;
        String spoiled = template.replaceAll("\\{[A-Za-z]+\\}", bad.contains("%") ? bad : enc(bad));
        cases.add(new Case(method, spoiled, json(headers), schema.isMissingNode() ? null : bytes(base(api, schema)),
            null, "path parameter " + abbreviate(bad)));
      }
      // A spoiled Idempotency-Key, and no credentials, on every command.
      if (!method.equals("GET") && !schema.isMissingNode()) {
        Map<String, String> key = json(headers);
        key.put("Idempotency-Key", "k".repeat(300));
        cases.add(new Case(method, realPath, key, "[]".getBytes(), null, "a key too long and an array body"));
      }
      if (!method.equals("GET") || template.contains("{")) {
        cases.add(new Case(method, realPath, Map.of(), "{".getBytes(), null, "no credentials, broken body"));
      }
      if (schema.isMissingNode()) continue;
      body(api, method, realPath, schema, json(headers), cases);
      if (op.path("requestBody").path("required").asBoolean(false)) {
        cases.add(new Case(method, realPath, json(headers), new byte[0], null, "empty body"));
      }
    }
  }

  /** Body cases for one caller: every field spoiled in turn, and the body as a whole. */
  private static void body(JsonNode api, String method, String path, JsonNode schema, Map<String, String> headers,
                           List<Case> cases) {
    JsonObject base = base(api, schema);
    JsonNode properties = schema.path("properties");
    for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> p = it.next();
      String name = p.getKey();
      JsonNode field = resolve(api, p.getValue());
      List<Object> wrongs = new ArrayList<>(wrongValues(field));
      if (required(schema, name) && !field.path("type").asText("").isEmpty()) wrongs.add(null);
      for (Object wrong : wrongs) {
        cases.add(new Case(method, path, headers, bytes(base.copy().put(name, wrong)), name,
            name + " = " + abbreviate(String.valueOf(wrong))));
      }
      if (required(schema, name)) {
        JsonObject missing = base.copy();
        missing.remove(name);
        cases.add(new Case(method, path, headers, bytes(missing), name, name + " missing"));
      }
      String text = base.encode();
      String duplicated = "{" + JsonObject.of(name, base.getValue(name)).encode().substring(1, JsonObject.of(name,
          base.getValue(name)).encode().length() - 1) + "," + text.substring(1);
      cases.add(new Case(method, path, headers, duplicated.getBytes(StandardCharsets.UTF_8), name, name + " twice"));
      cases.add(new Case(method, path, headers, bytes(base.copy().put(name, "x".repeat(70_000))), null,
          name + " oversized"));
      if (!(field.has("enum") || field.has("pattern") || field.has("format"))) continue;
      byte[] utf8 = ("{\"" + name + "\":\"").getBytes(StandardCharsets.UTF_8);
      byte[] invalid = new byte[utf8.length + 4];
      System.arraycopy(utf8, 0, invalid, 0, utf8.length);
      invalid[utf8.length] = (byte) 0xff;
      invalid[utf8.length + 1] = (byte) 0xfe;
      invalid[utf8.length + 2] = '"';
      invalid[utf8.length + 3] = '}';
      cases.add(new Case(method, path, headers, invalid, null, name + " invalid UTF-8"));
    }
    cases.add(new Case(method, path, headers, bytes(base.copy().put("zzUnknown", 1)), "zzUnknown", "unknown field"));
    cases.add(new Case(method, path, headers, ("[".repeat(20_000) + "]".repeat(20_000)).getBytes(), null, "nested arrays"));
    cases.add(new Case(method, path, headers, ("{\"a\":".repeat(5_000) + "1" + "}".repeat(5_000)).getBytes(), null,
        "nested objects"));
    for (String body : List.of("null", "12", "\"text\"", "[]", "{", "{\"a\":}", "\u0000")) {
      cases.add(new Case(method, path, headers, body.getBytes(StandardCharsets.UTF_8), null, "body " + body));
    }
    for (String type : List.of("text/plain", "application/x-www-form-urlencoded", "application/xml", "multipart/form-data")) {
      Map<String, String> h = new LinkedHashMap<>(headers);
      h.put("Content-Type", type);
      cases.add(new Case(method, path, h, bytes(base), null, "content type " + type));
    }
    Map<String, String> none = new LinkedHashMap<>(headers);
    none.remove("Content-Type");
    cases.add(new Case(method, path, none, bytes(base), null, "no content type"));
  }

  /** Values of the wrong type for the field, out of its range, huge, or (where it has a pattern or a set) injections. */
  private static List<Object> wrongValues(JsonNode field) {
    List<Object> wrong = new ArrayList<>();
    String type = field.path("type").asText("");
    switch (type) {
      case "integer", "number" -> {
        wrong.addAll(List.of("5", true, new JsonArray().add(1), new JsonObject().put("n", 1), 1e308, -1e308,
            new java.math.BigInteger("99999999999999999999999999"), Long.MIN_VALUE));
        if (type.equals("integer")) wrong.add(5.5);
        if (field.has("minimum")) wrong.add(field.get("minimum").asLong() - 1);
        if (field.has("maximum")) wrong.add(field.get("maximum").asLong() + 1);
      }
      case "string" -> {
        wrong.addAll(List.of(12, true, new JsonArray().add("a"), new JsonObject().put("s", "a")));
        if (field.has("enum") || field.has("pattern") || field.has("format")) wrong.addAll(INJECTIONS);
        if (field.has("maxLength")) wrong.add("y".repeat(field.get("maxLength").asInt() + 1));
      }
      case "boolean" -> wrong.addAll(List.of("true", 1, new JsonArray(), new JsonObject()));
      case "array" -> wrong.addAll(List.of("a", 1, true, new JsonObject()));
      case "object" -> wrong.addAll(List.of("a", 1, true, new JsonArray()));
      default -> { }
    }
    return wrong;
  }

  /** A body with a plausible value for every field, each of which the cases spoil one at a time. */
  private static JsonObject base(JsonNode api, JsonNode schema) {
    JsonObject body = new JsonObject();
    for (Iterator<Map.Entry<String, JsonNode>> it = schema.path("properties").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> p = it.next();
      JsonNode f = resolve(api, p.getValue());
      Object value = switch (f.path("type").asText("")) {
        case "integer", "number" -> f.has("minimum") ? f.get("minimum").asLong() : 1;
        case "boolean" -> true;
        case "array" -> new JsonArray();
        case "object" -> new JsonObject();
        default -> f.has("enum") ? f.get("enum").get(0).asText() : "a";
      };
      body.put(p.getKey(), value);
    }
    return body;
  }

  private static boolean required(JsonNode schema, String name) {
    for (JsonNode r : schema.path("required")) if (r.asText().equals(name)) return true;
    return false;
  }

  private static JsonNode resolve(JsonNode api, JsonNode node) {
    JsonNode n = node;
    while (n.has("$ref")) {
      String[] parts = n.get("$ref").asText().substring(2).split("/");
      JsonNode target = api;
      for (String part : parts) target = target.path(part);
      n = target;
    }
    return n;
  }

  private static String realPath(String template, String participant) {
    return template.replace("{participantId}", participant != null ? participant : participants.get("training"))
        .replace("{studyId}", studyId).replace("{tokenId}", tokenId);
  }

  private static Map<String, String> json(Map<String, String> headers) {
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put("Content-Type", "application/json");
    return h;
  }

  private static byte[] bytes(JsonObject o) { return o.encode().getBytes(StandardCharsets.UTF_8); }

  private static String enc(String s) { return URLEncoder.encode(s, StandardCharsets.UTF_8); }
}
