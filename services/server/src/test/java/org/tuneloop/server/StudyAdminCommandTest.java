package org.tuneloop.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.tuneloop.eventstore.testing.TestDatabases;
import org.tuneloop.eventstore.testing.TestDatabases.TestDatabase;

/**
 * `study study ...` in process against a real server: an HttpVerticle on port 0 over a real PostgreSQL, reached by
 * the command's own HTTP client with a real API token. Each test makes its own researcher, so each sees only its
 * own studies.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class StudyAdminCommandTest {
  private static final Path PILOT = ServerProcess.repositoryRoot().resolve("study-protocols/pilot.yaml");
  private static final Path BROKEN = Path.of("src/test/resources/protocols-broken/bad-epsilon.yaml").toAbsolutePath();
  /** How participants reach the server (e.g. through a proxy): the printed links start with it, not with --url. */
  private static final String PUBLIC = "https://study.example.org";
  private static TestDatabase database;
  private static String passwordHash;

  private Pool pool;
  private String url;
  private String token;

  @TempDir
  Path folder;

  @BeforeAll
  static void database() {
    database = TestDatabases.fresh();
    passwordHash = Passwords.hash("correct horse battery staple");
  }

  @AfterAll
  static void dropDatabase() {
    database.close();
  }

  @BeforeEach
  void start(Vertx vertx) {
    pool = database.appPool(vertx, 4);
    url = "http://localhost:" + InProcessServer.deploy(vertx, pool, database, PUBLIC).port;
    token = tokenOfNewResearcher();
  }

  private String tokenOfNewResearcher() {
    String email = "lab-" + UUID.randomUUID().toString().substring(0, 8) + "@example.org";
    Researchers.Researcher researcher = await(new Researchers(pool).create(email, Researchers.Role.RESEARCHER,
        passwordHash));
    return await(new ApiTokens(pool).issue(researcher.id(), "script")).token();
  }

  private record Run(int exit, String out, String err) {}

  /** Runs `study study ARGS --url URL --token TOKEN` in process, capturing what it prints. */
  private Run study(String... args) {
    List<String> all = new ArrayList<>(List.of("study"));
    all.addAll(List.of(args));
    all.addAll(List.of("--url", url, "--token", token));
    return run(all.toArray(String[]::new));
  }

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = StudyCommand.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
        .execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  private static String newId() {
    return "cli-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError(e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void createsAStudyFromAProtocolFileAndPrintsItsLinks() {
    String id = newId();

    Run created = study("create", "--protocol", PILOT.toString(), "--id", id);

    assertThat(created.exit()).as(created.err()).isZero();
    assertThat(created.out()).contains("Study:         " + id, "Status:        paused",
        "General link:  " + PUBLIC + "/?join=" + id,
        "Prolific link: " + PUBLIC + "/?join=" + id + "&PROLIFIC_PID={{%PROLIFIC_PID%}}&STUDY_ID={{%STUDY_ID%}}");
    assertThat(created.err()).contains("pilot.yaml: OK (pilot version 1, 2 arms)", "study study open " + id);
    assertThat(created.out() + created.err()).doesNotContain(token);

    Run again = study("create", "--protocol", PILOT.toString(), "--id", id);
    assertThat(again.exit()).isEqualTo(1);
    assertThat(again.err()).contains("The server refused (409 Not possible now): a study '" + id
        + "' exists already; choose another id.");

    Run badId = study("create", "--protocol", PILOT.toString(), "--id", "Not An Id");
    assertThat(badId.exit()).isEqualTo(1);
    assertThat(badId.err()).contains("The server refused (400 Bad request): a study id is 1 to 63 lower-case letters");
  }

  @Test
  void aBrokenProtocolIsRefusedHereWithItsProblemsAndNothingIsCreated() {
    Run broken = study("create", "--protocol", BROKEN.toString());

    assertThat(broken.exit()).isEqualTo(1);
    assertThat(broken.err()).contains("bad-epsilon.yaml: 1 problem",
        "  arms[1].agent.policy.epsilon: must be from 0 to 1, got 7", "Nothing was created");
    Run list = study("list");
    assertThat(list.exit()).isZero();
    assertThat(list.out()).isEmpty();
    assertThat(list.err()).contains("No studies yet");

    // The check needs no server at all.
    Run offline = run("study", "create", "--protocol", BROKEN.toString(), "--url", "http://localhost:1",
        "--token", token);
    assertThat(offline.exit()).isEqualTo(1);
    assertThat(offline.err()).contains("1 problem").doesNotContain("reach");
  }

  @Test
  void listsShowsOpensPausesAndClosesOnlyWithYes() {
    String id = newId();
    assertThat(study("create", "--protocol", PILOT.toString(), "--id", id).exit()).isZero();

    Run list = study("list");
    assertThat(list.exit()).isZero();
    assertThat(list.out().lines()).hasSize(2);
    assertThat(list.out().lines().toList().get(0)).startsWith("ID").contains("STATUS", "PARTICIPANTS", "TITLE");
    assertThat(list.out().lines().toList().get(1)).startsWith(id).contains("paused", "Pilot - teach a music agent");

    Run show = study("show", id);
    assertThat(show.exit()).as(show.err()).isZero();
    assertThat(show.out()).contains("Status:        paused", "Protocol:      pilot version 1 (sha256 ",
        "Participants:  0 of at most 200", "General link:  " + PUBLIC + "/?join=" + id);
    assertThat(show.out().lines().filter(l -> l.startsWith("  arm "))).hasSize(2);

    assertThat(study("open", id).out()).isEqualTo("Study " + id + " is open.\n");
    assertThat(study("pause", id).out()).isEqualTo("Study " + id + " is paused.\n");

    Run unconfirmed = study("close", id);
    assertThat(unconfirmed.exit()).isEqualTo(1);
    assertThat(unconfirmed.err()).contains("Closing is final", "--yes");
    assertThat(study("show", id).out()).contains("Status:        paused");

    Run closed = study("close", id, "--yes");
    assertThat(closed.exit()).as(closed.err()).isZero();
    assertThat(closed.out()).isEqualTo("Study " + id + " is closed.\n");

    Run reopen = study("open", id);
    assertThat(reopen.exit()).isEqualTo(1);
    assertThat(reopen.err()).startsWith("The server refused (409 ").contains("closed");
    assertThat(reopen.err().lines()).hasSize(1);

    Run missing = study("show", "no-such-study");
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.err()).startsWith("The server refused (404 ");
  }

  @Test
  void personalLinksAreWrittenAsCsvWhoseLinksLetParticipantsIn() throws Exception {
    String id = newId();
    assertThat(study("create", "--protocol", PILOT.toString(), "--id", id).exit()).isZero();
    assertThat(study("open", id).exit()).isZero();
    Path labels = folder.resolve("labels.txt");
    // A comma and a quote in a label: the CSV must quote them.
    Files.writeString(labels, "P01\n\n  P02  \nroom \"B\", desk 3\n\n", StandardCharsets.UTF_8);
    Path csv = folder.resolve("links.csv");

    Run links = study("links", id, "--labels", labels.toString(), "--out", csv.toString());

    assertThat(links.exit()).as(links.err()).isZero();
    assertThat(links.out()).isEmpty();
    assertThat(links.err()).contains("Made 3 personal links in " + csv, "only this once");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(csv))).isEqualTo("rw-------");
    List<CSVRecord> rows = parse(Files.readString(csv));
    assertThat(rows).extracting(r -> r.get("label")).containsExactly("P01", "P02", "room \"B\", desk 3");
    HttpClient http = HttpClient.newHttpClient();
    for (CSVRecord row : rows) {
      String link = row.get("url");
      assertThat(link).startsWith(PUBLIC + "/#participant=");
      String participantToken = URI.create(link).getFragment().substring("participant=".length());
      HttpResponse<String> session = http.send(HttpRequest.newBuilder(URI.create(url + "/api/participants/"
          + row.get("participantId"))).header("Authorization", "Bearer " + participantToken).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(session.statusCode()).as(session.body()).isEqualTo(200);
    }
    assertThat(study("show", id).out()).contains("Participants:  3 of at most 200");

    // An existing file is never overwritten (its links would be lost), and nothing is made.
    Run overwrite = study("links", id, "--labels", labels.toString(), "--out", csv.toString());
    assertThat(overwrite.exit()).isEqualTo(1);
    assertThat(overwrite.err()).contains("exists already");
    assertThat(parse(Files.readString(csv))).hasSize(3);
    assertThat(study("show", id).out()).contains("Participants:  3 of at most 200");

    // Without --out the CSV goes to standard output.
    Files.writeString(labels, "P04\n");
    Run toStdout = study("links", id, "--labels", labels.toString());
    assertThat(toStdout.exit()).as(toStdout.err()).isZero();
    assertThat(parse(toStdout.out())).extracting(r -> r.get("label")).containsExactly("P04");
  }

  @Test
  void aWrongTokenOrNoServerIsOneClearSentence() {
    token = "tl_not-a-real-token";
    Run wrong = study("list");
    assertThat(wrong.exit()).isEqualTo(1);
    assertThat(wrong.err()).startsWith("The API token is missing or not valid").doesNotContain(token);
    assertThat(wrong.err().lines()).hasSize(1);

    Run none = run("study", "list", "--url", url, "--token=");   // as if neither --token nor TUNELOOP_TOKEN
    assertThat(none.exit()).isEqualTo(1);
    assertThat(none.err()).contains("No API token: pass --token or set TUNELOOP_TOKEN");

    Run unreachable = run("study", "list", "--url", "http://localhost:1", "--token", "tl_x");
    assertThat(unreachable.exit()).isEqualTo(1);
    assertThat(unreachable.err()).isEqualTo("Cannot reach the server at http://localhost:1; check --url and that the "
        + "server is running.\n");
  }

  private static List<CSVRecord> parse(String text) throws IOException {
    try (Reader reader = new StringReader(text);
        CSVParser parser = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(reader)) {
      assertThat(parser.getHeaderNames()).containsExactly("label", "participantId", "url");
      return parser.getRecords();
    }
  }
}
