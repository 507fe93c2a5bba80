package org.tuneloop.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tuneloop.server.InProcessServer.await;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.tuneloop.server.InProcessServer.As;
import org.tuneloop.server.InProcessServer.Reply;
import org.tuneloop.eventstore.DatabaseAddress;
import org.tuneloop.eventstore.testing.TestDatabases;
import org.tuneloop.eventstore.testing.TestDatabases.TestDatabase;

/**
 * Researcher accounts end to end in one process: a real HttpVerticle on port 0 over a real PostgreSQL, called
 * with a real HTTP client. Each test starts its own server (so the in-memory login limits start empty) and makes
 * its own accounts and studies on the class's database, so no test depends on another.
 */
@ExtendWith(VertxExtension.class)
class ResearcherAccountsTest {
  private static final String PASSWORD = "correct horse battery staple";
  private static TestDatabase database;
  private static String passwordHash;
  private static String protocol;

  private Vertx vertx;
  private Pool pool;
  private Studies studies;
  private StudyAccess access;
  private Researchers researchers;
  private final java.util.Map<Integer, InProcessServer> servers = new java.util.HashMap<>();
  private int port;

  @BeforeAll
  static void database() {
    database = TestDatabases.fresh();
    passwordHash = Passwords.hash(PASSWORD);   // hashed once: 600,000 iterations are slow on purpose
    protocol = StudyCommand.resource("/study-protocols/paper-replication.yaml");
  }

  @AfterAll
  static void dropDatabase() {
    database.close();
  }

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    pool = database.appPool(vertx, 4);
    researchers = new Researchers(pool);
    access = new StudyAccess(pool);
    port = deploy("http://localhost");
  }

  /** A server whose printed links start with publicUrl (https makes the cookie Secure). */
  private int deploy(String publicUrl) {
    InProcessServer server = InProcessServer.deploy(vertx, pool, database, publicUrl);
    servers.put(server.port, server);
    studies = server.platform.studies;
    return server.port;
  }

  // ---- helpers ---------------------------------------------------------------------------------------------

  private Reply call(As as, HttpMethod method, String path, JsonObject body) {
    return call(as, method, path, body, port);
  }

  private Reply call(As as, HttpMethod method, String path, JsonObject body, int onPort) {
    return servers.get(onPort).call(as, method, path, body);
  }

  private Reply get(As as, String path) { return call(as, HttpMethod.GET, path, null); }

  private Reply post(As as, String path, JsonObject body) { return call(as, HttpMethod.POST, path, body); }

  private Reply login(String email, String password) {
    return post(As.nobody(), "/api/login", new JsonObject().put("email", email).put("password", password));
  }

  /** Signs in and returns the session as a caller. */
  private As signedIn(String email) {
    Reply r = login(email, PASSWORD);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return As.session(r.sessionCookie(), r.json().getString("csrfToken"));
  }

  private static String newEmail(String who) {
    return who + "-" + UUID.randomUUID().toString().substring(0, 8) + "@example.org";
  }

  private Researchers.Researcher account(String email, Researchers.Role role) {
    return await(researchers.create(email, role, passwordHash));
  }

  private String apiToken(Researchers.Researcher researcher) {
    return await(new ApiTokens(pool).issue(researcher.id(), "test")).token();
  }

  private Studies.Joined enrol(String studyId) {
    return await(studies.join(studyId, new Studies.Entry("researcher", null, null, false, null, null)));
  }

  private static List<Object> ids(JsonObject studies) {
    return studies.getJsonArray("studies").stream().map(s -> (Object) ((JsonObject) s).getString("id")).toList();
  }

  private String study(Researchers.Researcher owner) {
    String id = "s-" + UUID.randomUUID().toString().substring(0, 8);
    await(studies.createIfAbsent(id, protocol));
    await(access.grantOwner(id, owner.id()));
    return id;
  }

  // ---- login, cookies, sessions ------------------------------------------------------------------------------

  @Test
  void loginStartsASessionInAStrictHttpOnlyCookie() {
    String email = newEmail("ada");
    Researchers.Researcher ada = account(email, Researchers.Role.RESEARCHER);

    Reply r = login(email.toUpperCase(Locale.ROOT), PASSWORD);   // emails match whatever their case

    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().getJsonObject("researcher").getMap())
        .containsEntry("id", ada.id()).containsEntry("email", email).containsEntry("role", "researcher");
    String cookie = r.cookies().stream().filter(c -> c.startsWith("tuneloop_session=")).findFirst().orElseThrow();
    // Attribute names are case-insensitive (Netty writes HTTPOnly).
    assertThat(cookie.toLowerCase(Locale.ROOT)).contains("; httponly", "; samesite=strict", "; path=/")
        .doesNotContain("secure");
    String csrf = r.json().getString("csrfToken");
    assertThat(csrf).isNotBlank();

    JsonObject session = get(As.session(r.sessionCookie(), null), "/api/session").json();
    assertThat(session.getString("role")).isEqualTo("researcher");
    assertThat(session.getJsonObject("researcher").getString("id")).isEqualTo(ada.id());
    assertThat(session.getString("csrfToken")).isEqualTo(csrf);
    // Only a hash of the cookie is stored.
    assertThat(count("select count(*) from researcher_sessions where researcher_id = '" + ada.id() + "'"))
        .isEqualTo(1);
  }

  @Test
  void theCookieIsSecureWhenThePublicUrlIsHttps() {
    String email = newEmail("secure");
    account(email, Researchers.Role.RESEARCHER);
    int httpsPort = deploy("https://study.example");

    Reply r = call(As.nobody(), HttpMethod.POST, "/api/login",
        new JsonObject().put("email", email).put("password", PASSWORD), httpsPort);

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.cookies()).anyMatch(c -> c.startsWith("tuneloop_session=")
        && c.toLowerCase(Locale.ROOT).contains("; secure"));
  }

  @Test
  void aWrongPasswordAndAnUnknownEmailGetTheSameAnswer() {
    String email = newEmail("bob");
    account(email, Researchers.Role.RESEARCHER);

    Reply wrong = login(email, "not the password at all");
    Reply unknown = login(newEmail("nobody"), PASSWORD);

    assertThat(wrong.status()).isEqualTo(401);
    assertThat(wrong.json().getString("detail")).isEqualTo("the email or password is wrong");
    assertThat(unknown.status()).isEqualTo(401);
    assertThat(unknown.json().getString("detail")).isEqualTo("the email or password is wrong");
    assertThat(wrong.cookies()).isEmpty();
    assertThat(get(As.nobody(), "/api/session").status()).isEqualTo(401);
  }

  @Test
  void fiveFailuresBlockTheAccountWith429EvenForTheRightPassword() {
    String email = newEmail("carol");
    account(email, Researchers.Role.RESEARCHER);
    for (int i = 0; i < 5; i++) {
      assertThat(login(email, "wrong password " + i).status()).isEqualTo(401);
    }

    Reply blocked = login(email, PASSWORD);

    assertThat(blocked.status()).isEqualTo(429);
    assertThat(blocked.json().getString("detail")).matches("too many attempts; try again in \\d+ seconds");
    assertThat(Integer.parseInt(blocked.headers().get("Retry-After"))).isBetween(1, 15 * 60);
  }

  @Test
  void fiveFailuresFromOneAddressBlockItForEveryAccount() {
    String email = newEmail("dave");
    account(email, Researchers.Role.RESEARCHER);
    for (int i = 0; i < 5; i++) {
      assertThat(login(newEmail("guess"), PASSWORD).status()).isEqualTo(401);
    }

    assertThat(login(email, PASSWORD).status()).isEqualTo(429);
  }

  @Test
  void aCookieChangeNeedsTheCsrfToken() {
    String email = newEmail("erin");
    account(email, Researchers.Role.RESEARCHER);
    As session = signedIn(email);
    JsonObject body = new JsonObject().put("name", "laptop");

    Reply without = post(session.withoutCsrf(), "/api/tokens", body);
    Reply wrong = post(As.session(session.cookie(), "not-the-token"), "/api/tokens", body);
    Reply with = post(session, "/api/tokens", body);

    assertThat(without.status()).isEqualTo(403);
    assertThat(without.json().getString("detail")).startsWith("missing or wrong CSRF token");
    assertThat(wrong.status()).isEqualTo(403);
    assertThat(with.status()).as(with.body()).isEqualTo(201);
    // Reading needs no CSRF token, and nothing was made by the refused requests.
    assertThat(get(session.withoutCsrf(), "/api/tokens").json().getJsonArray("tokens")).hasSize(1);
  }

  @Test
  void logoutEndsTheSessionAtOnce() {
    String email = newEmail("frank");
    account(email, Researchers.Role.RESEARCHER);
    As session = signedIn(email);
    assertThat(post(session.withoutCsrf(), "/api/logout", null).status()).isEqualTo(403);

    Reply out = post(session, "/api/logout", null);

    assertThat(out.status()).isEqualTo(204);
    assertThat(out.cookies()).anyMatch(c -> c.startsWith("tuneloop_session=;")
        && c.toLowerCase(Locale.ROOT).contains("max-age=0"));
    Reply after = get(session, "/api/session");
    assertThat(after.status()).isEqualTo(401);
    assertThat(after.json().getString("detail")).contains("session has ended");
    // Logging out again, or without a session, still clears the cookie.
    assertThat(post(session, "/api/logout", null).status()).isEqualTo(204);
    assertThat(post(As.nobody(), "/api/logout", null).status()).isEqualTo(204);
  }

  @Test
  void anApiTokenBecomesABrowserSession() {
    String email = newEmail("grace");
    Researchers.Researcher grace = account(email, Researchers.Role.ADMIN);
    String token = apiToken(grace);

    Reply r = post(As.bearer(token), "/api/login/token", null);

    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().getJsonObject("researcher").getString("role")).isEqualTo("admin");
    As session = As.session(r.sessionCookie(), r.json().getString("csrfToken"));
    assertThat(get(session, "/api/session").json().getJsonObject("researcher").getString("email")).isEqualTo(email);
    // The bearer token itself keeps working, and says it has no CSRF token.
    JsonObject viaBearer = get(As.bearer(token), "/api/session").json();
    assertThat(viaBearer.getString("role")).isEqualTo("researcher");
    assertThat(viaBearer.containsKey("csrfToken")).isTrue();
    assertThat(viaBearer.getString("csrfToken")).isNull();
    assertThat(post(session, "/api/login/token", null).status()).isEqualTo(403);
  }

  // ---- API tokens -------------------------------------------------------------------------------------------

  @Test
  void tokensAreCreatedListedAndRevokedAtOnce() {
    Researchers.Researcher hank = account(newEmail("hank"), Researchers.Role.RESEARCHER);
    As cli = As.bearer(apiToken(hank));

    Reply created = post(cli, "/api/tokens", new JsonObject().put("name", "analysis script"));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    String tokenId = created.json().getString("id");
    As script = As.bearer(created.json().getString("token"));
    assertThat(created.json().getString("token")).startsWith(ApiTokens.PREFIX);
    assertThat(get(script, "/api/session").status()).isEqualTo(200);

    JsonObject listed = get(cli, "/api/tokens").json().getJsonArray("tokens").stream()
        .map(JsonObject.class::cast).filter(t -> t.getString("id").equals(tokenId)).findFirst().orElseThrow();
    assertThat(listed.getString("name")).isEqualTo("analysis script");
    assertThat(listed.getString("lastUsedAt")).isNotNull();
    assertThat(listed.getString("revokedAt")).isNull();
    assertThat(listed.containsKey("token")).isFalse();

    // Another researcher cannot revoke it.
    As other = As.bearer(apiToken(account(newEmail("ivy"), Researchers.Role.RESEARCHER)));
    assertThat(call(other, HttpMethod.DELETE, "/api/tokens/" + tokenId, null).status()).isEqualTo(404);
    assertThat(get(script, "/api/session").status()).isEqualTo(200);

    assertThat(call(cli, HttpMethod.DELETE, "/api/tokens/" + tokenId, null).status()).isEqualTo(204);

    Reply revoked = get(script, "/api/session");
    assertThat(revoked.status()).isEqualTo(401);
    assertThat(revoked.json().getString("detail")).isEqualTo("this token is not valid");
    assertThat(get(cli, "/api/tokens").json().getJsonArray("tokens").stream().map(JsonObject.class::cast)
        .filter(t -> t.getString("id").equals(tokenId)).findFirst().orElseThrow().getString("revokedAt"))
        .isNotNull();
  }

  // ---- accounts (admins) ------------------------------------------------------------------------------------

  @Test
  void onlyAdminsManageAccounts() {
    As researcher = As.bearer(apiToken(account(newEmail("jack"), Researchers.Role.RESEARCHER)));
    As admin = As.bearer(apiToken(account(newEmail("kate"), Researchers.Role.ADMIN)));
    String newcomer = newEmail("liam");
    JsonObject body = new JsonObject().put("email", newcomer).put("role", "researcher");

    Reply refused = post(researcher, "/api/researchers", body);
    assertThat(refused.status()).isEqualTo(403);
    assertThat(refused.json().getString("detail")).isEqualTo("only an admin can manage researcher accounts");
    assertThat(get(researcher, "/api/researchers").status()).isEqualTo(403);

    Reply created = post(admin, "/api/researchers", body);
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    String generated = created.json().getString("password");
    assertThat(generated).hasSizeGreaterThanOrEqualTo(Passwords.MIN_LENGTH);
    assertThat(login(newcomer, generated).status()).isEqualTo(200);
    assertThat(get(admin, "/api/researchers").json().getJsonArray("researchers").stream()
        .map(JsonObject.class::cast)).anyMatch(r -> r.getString("email").equals(newcomer)
            && r.getString("role").equals("researcher") && r.getString("createdAt") != null);

    Reply again = post(admin, "/api/researchers", body.copy().put("email", newcomer.toUpperCase(Locale.ROOT)));
    assertThat(again.status()).isEqualTo(409);
    Reply badRole = post(admin, "/api/researchers", new JsonObject().put("email", newEmail("m")).put("role", "boss"));
    assertThat(badRole.status()).isEqualTo(400);
    assertThat(badRole.json().getString("field")).isEqualTo("role");
    Reply shortPassword = post(admin, "/api/researchers", new JsonObject().put("email", newEmail("n"))
        .put("role", "admin").put("password", "short"));
    assertThat(shortPassword.status()).isEqualTo(400);
    assertThat(shortPassword.json().getString("field")).isEqualTo("password");
  }

  // ---- per-study access -------------------------------------------------------------------------------------

  @Test
  void aResearcherGets404OnEveryRouteOfAStudyTheyDoNotBelongTo() {
    Researchers.Researcher owner = account(newEmail("olga"), Researchers.Role.RESEARCHER);
    Researchers.Researcher stranger = account(newEmail("pete"), Researchers.Role.RESEARCHER);
    String theirs = study(owner);
    String own = study(stranger);
    String participant = enrol(theirs).participantId();
    As ownerApi = As.bearer(apiToken(owner));
    As strangerApi = As.bearer(apiToken(stranger));
    As admin = As.bearer(apiToken(account(newEmail("quinn"), Researchers.Role.ADMIN)));

    assertThat(ids(get(strangerApi, "/api/studies").json()))
        .contains(own).doesNotContain(theirs);
    assertThat(ids(get(ownerApi, "/api/studies").json()))
        .contains(theirs).doesNotContain(own);
    assertThat(ids(get(admin, "/api/studies").json())).contains(theirs, own);

    List<Reply> hidden = List.of(
        get(strangerApi, "/api/studies/" + theirs + "/participants"),
        post(strangerApi, "/api/studies/" + theirs + "/participants", new JsonObject()),
        get(strangerApi, "/api/studies/" + theirs + "/members"),
        post(strangerApi, "/api/studies/" + theirs + "/members", new JsonObject().put("email", "x@example.org")),
        get(strangerApi, "/api/participants/" + participant),
        get(strangerApi, "/api/participants/" + participant + "/q-table"),
        get(strangerApi, "/api/participants/" + participant + "/events"));
    for (Reply r : hidden) {
      assertThat(r.status()).as(r.body()).isEqualTo(404);
      assertThat(r.body()).doesNotContain("Forbidden");
    }
    // Exactly as for a study that does not exist.
    assertThat(get(strangerApi, "/api/studies/no-such-study/participants").json().getString("detail"))
        .isEqualTo("no study 'no-such-study'");
    assertThat(hidden.getFirst().json().getString("detail")).isEqualTo("no study '" + theirs + "'");
    assertThat(count("select count(*) from events where type = 'ParticipantEnrolled' and data->>'studyId' = '"
        + theirs + "'")).isEqualTo(1);

    for (As allowed : List.of(ownerApi, admin)) {
      assertThat(get(allowed, "/api/studies/" + theirs + "/participants").json().getJsonArray("participants")
          .getList()).contains(participant);
      assertThat(get(allowed, "/api/participants/" + participant + "/q-table").status()).isEqualTo(200);
      assertThat(get(allowed, "/api/participants/" + participant + "/events").status()).isEqualTo(200);
    }
    assertThat(post(ownerApi, "/api/studies/" + theirs + "/participants", new JsonObject()).status())
        .isEqualTo(201);
  }

  @Test
  void theOwnerAddsMembersWhoThenSeeTheStudyButCannotAddOthers() {
    Researchers.Researcher owner = account(newEmail("rita"), Researchers.Role.RESEARCHER);
    Researchers.Researcher colleague = account(newEmail("sam"), Researchers.Role.RESEARCHER);
    String id = study(owner);
    As ownerApi = As.bearer(apiToken(owner));
    As colleagueApi = As.bearer(apiToken(colleague));

    Reply added = post(ownerApi, "/api/studies/" + id + "/members", new JsonObject().put("email", colleague.email()));

    assertThat(added.status()).as(added.body()).isEqualTo(201);
    assertThat(added.json().getJsonArray("members").stream().map(JsonObject.class::cast)
        .map(m -> m.getString("email") + ":" + m.getString("role")))
        .containsExactly(owner.email() + ":owner", colleague.email() + ":member");
    assertThat(ids(get(colleagueApi, "/api/studies").json())).contains(id);
    assertThat(get(colleagueApi, "/api/studies/" + id + "/participants").status()).isEqualTo(200);
    assertThat(get(colleagueApi, "/api/studies/" + id + "/members").json().getJsonArray("members")).hasSize(2);
    Reply byMember = post(colleagueApi, "/api/studies/" + id + "/members", new JsonObject().put("email", owner.email()));
    assertThat(byMember.status()).isEqualTo(403);
    Reply unknown = post(ownerApi, "/api/studies/" + id + "/members", new JsonObject().put("email", newEmail("zed")));
    assertThat(unknown.status()).isEqualTo(422);
    assertThat(unknown.json().getString("field")).isEqualTo("email");
  }

  @Test
  void participantTokensStillWorkAndReachNoResearcherRoute() {
    Researchers.Researcher owner = account(newEmail("tess"), Researchers.Role.RESEARCHER);
    String id = study(owner);
    Studies.Joined enrolment = enrol(id);
    As participant = As.bearer(enrolment.token());

    assertThat(get(participant, "/api/session").json().getMap()).containsEntry("role", "participant")
        .containsEntry("participantId", enrolment.participantId()).containsEntry("studyId", id);
    assertThat(get(participant, "/api/participants/" + enrolment.participantId()).status()).isEqualTo(200);
    for (Reply r : List.of(get(participant, "/api/studies"), get(participant, "/api/tokens"),
        get(participant, "/api/researchers"), get(participant, "/api/studies/" + id + "/members"),
        get(participant, "/api/participants/" + enrolment.participantId() + "/q-table"),
        post(participant, "/api/login/token", null))) {
      assertThat(r.status()).as(r.body()).isEqualTo(403);
    }
  }

  // ---- the command line -------------------------------------------------------------------------------------

  @Test
  void theCommandLineAddsAnAccountThatCanLogInAndIssuesItATokenOnce() {
    String email = newEmail("uma");

    String added = run(null, "researcher", "add", email, "--role", "admin", "--generate-password");

    String password = added.lines().filter(l -> l.startsWith("Password (shown only now): ")).findFirst()
        .orElseThrow().substring("Password (shown only now): ".length());
    Reply r = login(email, password);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().getJsonObject("researcher").getString("role")).isEqualTo("admin");

    String issued = run(null, "researcher", "token", email, "--name", "laptop");
    String token = issued.lines().filter(l -> l.startsWith(ApiTokens.PREFIX)).findFirst().orElseThrow();
    assertThat(get(As.bearer(token), "/api/session").json().getJsonObject("researcher").getString("email"))
        .isEqualTo(email);
  }

  @Test
  void theCommandLineTakesThePasswordFromStandardInput() {
    String email = newEmail("vic");
    String password = "a long enough password";

    String added = run(password + "\n", "researcher", "add", email, "--role", "researcher", "--password-stdin");

    assertThat(added).contains("Added researcher " + email).doesNotContain(password);
    assertThat(login(email, password).status()).isEqualTo(200);
    String hash = await(researchers.findWithPassword(email)).orElseThrow().passwordHash();
    assertThat(hash).startsWith("pbkdf2-sha256$600000$");
    assertThat(run("short\n", "researcher", "add", newEmail("w"), "--role", "researcher", "--password-stdin"))
        .isEmpty();
  }

  /** Runs `study ...` in this process against the class's database; returns what it printed. */
  private static String run(String stdin, String... args) {
    DatabaseAddress owner = database.owner();
    String url = "jdbc:postgresql://" + owner.host() + ":" + owner.port() + "/" + owner.database() + "?user="
        + URLEncoder.encode(owner.user(), StandardCharsets.UTF_8)
        + (owner.password() == null ? "" : "&password=" + URLEncoder.encode(owner.password(), StandardCharsets.UTF_8));
    String[] withDb = java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.stream.Stream.of("--db", url,
        "--app-password", TestDatabases.APP_ROLE.password()))
        .toArray(String[]::new);
    StringWriter out = new StringWriter();
    InputStream originalIn = System.in;
    try {
      if (stdin != null) {
        System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
      }
      StudyCommand.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(new StringWriter()))
          .execute(withDb);
    } finally {
      System.setIn(originalIn);
    }
    return out.toString();
  }

  private static long count(String sql) {
    return InProcessServer.count(database, sql);
  }
}
