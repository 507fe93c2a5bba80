package org.tuneloop.server;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * `study study create|list|show|open|pause|close|links`: a running server's studies, reached over its HTTP API with
 * a researcher's API token, so a lab can script its study. Every refusal is one sentence on stderr and exit 1.
 */
@Command(name = "study", mixinStandardHelpOptions = true,
    description = "Run studies on a running server with an API token (from the dashboard or "
        + "'study researcher token').",
    subcommands = {StudyAdminCommand.Create.class, StudyAdminCommand.ListStudies.class, StudyAdminCommand.Show.class,
        StudyAdminCommand.Open.class, StudyAdminCommand.Pause.class, StudyAdminCommand.Close.class,
        StudyAdminCommand.Links.class})
final class StudyAdminCommand implements Runnable {
  /** Long enough for a thousand personal links, each one an enrolment on the server. */
  private static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(3);

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Where the server is and who is calling; the token is never printed. */
  static final class ServerOptions {
    @Option(names = "--url", required = true, paramLabel = "URL",
        description = "The server, e.g. http://localhost:8080.")
    String url;

    @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:TUNELOOP_TOKEN}",
        description = "A researcher's API token (env TUNELOOP_TOKEN).")
    String token;
  }

  /** Why a command stops: one sentence for a person, printed on stderr, exit 1. */
  static final class Refused extends RuntimeException {
    private final List<String> problems;

    Refused(String sentence) {
      this(sentence, List.of());
    }

    Refused(String sentence, List<String> problems) {
      super(sentence);
      this.problems = problems;
    }
  }

  /** A subcommand that talks to the server: parses its options, calls, prints; refusals end here. */
  abstract static class ServerCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @CommandLine.Mixin
    ServerOptions server;

    abstract void call(Api api, PrintWriter out, PrintWriter err) throws IOException;

    @Override
    public final Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      try {
        call(new Api(server), out, err);
        return 0;
      } catch (Refused refused) {
        err.println(refused.getMessage());
        refused.problems.forEach(p -> err.println("  " + p));
        return 1;
      } finally {
        out.flush();
        err.flush();
      }
    }
  }

  /** The server's HTTP API as seen from here: JSON in, JSON out, anything else a {@link Refused}. */
  static final class Api {
    private final URI base;
    private final String token;

    Api(ServerOptions options) {
      String url = options.url.strip().replaceAll("/+$", "");
      URI parsed;
      try {
        parsed = URI.create(url);
      } catch (IllegalArgumentException e) {
        parsed = null;
      }
      if (parsed == null || parsed.getHost() == null
          || !("http".equals(parsed.getScheme()) || "https".equals(parsed.getScheme()))) {
        throw new Refused("--url must be the server's address, like http://localhost:8080; got '" + options.url
            + "'.");
      }
      if (options.token == null || options.token.isBlank()) {
        throw new Refused("No API token: pass --token or set TUNELOOP_TOKEN (make one on the dashboard or with "
            + "'study researcher token EMAIL --name NAME').");
      }
      this.base = parsed;
      this.token = options.token.strip();
    }

    JsonObject get(String path) {
      return send(HttpRequest.newBuilder(uri(path)).GET(), path);
    }

    JsonObject post(String path, JsonObject body) {
      return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body.encode(), StandardCharsets.UTF_8)), path);
    }

    static String segment(String value) {
      return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private URI uri(String path) {
      return URI.create(base + path);
    }

    private JsonObject send(HttpRequest.Builder request, String path) {
      HttpResponse<String> response;
      try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
        response = client.send(request.timeout(REQUEST_TIMEOUT).header("Accept", "application/json")
            .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
      } catch (ConnectException | HttpConnectTimeoutException e) {
        throw new Refused("Cannot reach the server at " + base + "; check --url and that the server is running.");
      } catch (HttpTimeoutException e) {
        throw new Refused("The server at " + base + " did not answer within " + REQUEST_TIMEOUT.toMinutes()
            + " minutes; it may still have done the work, so check with 'study study show' before trying again.");
      } catch (IOException e) {
        throw new Refused("Cannot reach the server at " + base + " (" + e.getClass().getSimpleName()
            + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "); check --url and that the server is running.");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new Refused("Interrupted while waiting for the server.");
      }
      JsonObject json = json(response.body());
      int status = response.statusCode();
      if (status >= 200 && status < 300 && json != null) {
        return json;
      }
      if (status >= 200 && status < 300) {
        throw new Refused("The server at " + base + " answered " + path + " with something other than JSON; "
            + "is --url a Tuneloop server?");
      }
      if (json == null || json.getString("detail") == null) {
        throw new Refused("The server at " + base + " answered " + path + " with HTTP " + status
            + " and no explanation; is --url a Tuneloop server?");
      }
      if (status == 401) {
        throw new Refused("The API token is missing or not valid (the server says: " + json.getString("detail")
            + "); make a new one on the dashboard or with 'study researcher token EMAIL --name NAME'.");
      }
      List<String> problems = new ArrayList<>();
      JsonArray listed = json.getJsonArray("problems");
      if (listed != null) {
        for (Object p : listed) {
          if (p instanceof JsonObject problem) {
            problems.add(problem.getString("path") + ": " + problem.getString("reason"));
          }
        }
      }
      String error = json.getString("error", "HTTP " + status);
      // With the problems listed below it, the sentence need not repeat them all.
      String detail = problems.isEmpty() ? json.getString("detail")
          : "the protocol has " + problems.size() + " problem" + (problems.size() == 1 ? "" : "s");
      throw new Refused("The server refused (" + status + " " + error + "): " + sentence(detail), problems);
    }

    private static String sentence(String detail) {
      return detail.matches("(?s).*[.!?]$") ? detail : detail + ".";
    }

    private static JsonObject json(String body) {
      try {
        return body == null || body.isBlank() ? null : new JsonObject(body);
      } catch (DecodeException | ClassCastException e) {
        return null;
      }
    }
  }

  // ---- the commands ------------------------------------------------------------------------------------------

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = "Check a protocol file here, then create a study from it on the server (it starts paused).")
  static final class Create extends ServerCommand {
    @Option(names = "--protocol", required = true, paramLabel = "FILE", description = "The protocol file (YAML or JSON).")
    Path protocol;

    @Option(names = "--id", paramLabel = "ID",
        description = "The study's id (lower-case letters, digits and '-'); made from the protocol's id when left out.")
    String id;

    @Override
    void call(Api api, PrintWriter out, PrintWriter err) {
      // The same check as 'study protocol check', before anything reaches the server.
      ProtocolCommand.Check.Checked checked = ProtocolCommand.Check.check(protocol, err);
      if (checked == null) {
        throw new Refused("Nothing was created: fix the protocol file first.");
      }
      JsonObject body = new JsonObject().put("protocol", checked.text());
      if (id != null) {
        body.put("id", id);
      }
      JsonObject study = api.post("/api/studies", body);
      out.println("Study:         " + study.getString("id"));
      out.println("Title:         " + study.getString("title"));
      out.println("Status:        " + study.getString("status"));
      printLinks(study, out);
      err.println("Open it to participants with 'study study open " + study.getString("id") + "' when ready.");
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "The studies your token may see.")
  static final class ListStudies extends ServerCommand {
    @Override
    void call(Api api, PrintWriter out, PrintWriter err) {
      List<JsonObject> studies = api.get("/api/studies").getJsonArray("studies", new JsonArray()).stream()
          .map(JsonObject.class::cast).toList();
      if (studies.isEmpty()) {
        err.println("No studies yet; make one with 'study study create --protocol FILE'.");
        return;
      }
      int idWidth = Math.max(2, studies.stream().mapToInt(s -> s.getString("id").length()).max().orElse(0));
      String row = "%-" + idWidth + "s  %-6s  %12s  %s%n";
      out.printf(row, "ID", "STATUS", "PARTICIPANTS", "TITLE");
      for (JsonObject s : studies) {
        out.printf(row, s.getString("id"), s.getString("status"), s.getInteger("participants"), s.getString("title"));
      }
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "One study: protocol, arms, counts, links.")
  static final class Show extends ServerCommand {
    @Parameters(paramLabel = "ID", description = "The study's id.")
    String studyId;

    @Override
    void call(Api api, PrintWriter out, PrintWriter err) {
      JsonObject s = api.get("/api/studies/" + Api.segment(studyId));
      out.println("Study:         " + s.getString("id"));
      out.println("Title:         " + s.getString("title"));
      out.println("Status:        " + s.getString("status"));
      out.println("Protocol:      " + s.getString("protocolId") + " version " + s.getValue("protocolVersion")
          + " (sha256 " + s.getString("protocolSha256") + ")");
      out.println("Created:       " + s.getString("createdAt") + " (app " + s.getString("appVersion") + ", agent "
          + s.getString("agentVersion") + ")");
      Object max = s.getValue("maxParticipants");
      out.println("Participants:  " + s.getValue("participants") + (max == null ? "" : " of at most " + max)
          + (s.getInteger("tests", 0) > 0 ? " (and " + s.getInteger("tests") + " test sessions)" : ""));
      for (Object a : s.getJsonArray("arms", new JsonArray())) {
        JsonObject arm = (JsonObject) a;
        Object armMax = arm.getValue("maxParticipants");
        out.println("  arm " + arm.getString("id") + ": " + arm.getValue("participants") + " participant(s), weight "
            + arm.getValue("weight") + (armMax == null ? "" : ", at most " + armMax));
      }
      out.println("While paused:  enrolled participants " + ("continue".equals(s.getString("whilePaused"))
          ? "continue" : "wait"));
      printLinks(s, out);
    }
  }

  @Command(name = "open", mixinStandardHelpOptions = true, description = "Open the study to new participants.")
  static final class Open extends Lifecycle {
    Open() { super("open"); }
  }

  @Command(name = "pause", mixinStandardHelpOptions = true,
      description = "Pause the study: new entries see a friendly page; the protocol says whether enrolled "
          + "participants continue.")
  static final class Pause extends Lifecycle {
    Pause() { super("pause"); }
  }

  @Command(name = "close", mixinStandardHelpOptions = true,
      description = "Close the study for good: nothing more is accepted. Needs --yes.")
  static final class Close extends Lifecycle {
    @Option(names = "--yes", description = "Yes, close it: this cannot be undone.")
    boolean yes;

    Close() { super("close"); }

    @Override
    void call(Api api, PrintWriter out, PrintWriter err) {
      if (!yes) {
        throw new Refused("Closing is final (no one can join or continue afterwards); to close " + studyId
            + ", run the command again with --yes.");
      }
      super.call(api, out, err);
    }
  }

  abstract static class Lifecycle extends ServerCommand {
    private final String action;

    @Parameters(paramLabel = "ID", description = "The study's id.")
    String studyId;

    Lifecycle(String action) {
      this.action = action;
    }

    @Override
    void call(Api api, PrintWriter out, PrintWriter err) {
      JsonObject s = api.post("/api/studies/" + Api.segment(studyId) + "/" + action, new JsonObject());
      out.println("Study " + s.getString("id") + " is " + s.getString("status") + ".");
    }
  }

  @Command(name = "links", mixinStandardHelpOptions = true,
      description = "Personal links, one per label: each enrols a participant. Written as CSV "
          + "(label,participantId,url); the server shows them only this once.")
  static final class Links extends ServerCommand {
    @Parameters(paramLabel = "ID", description = "The study's id.")
    String studyId;

    @Option(names = "--labels", required = true, paramLabel = "FILE",
        description = "One label per line, e.g. a participant code (blank lines are left out).")
    Path labelsFile;

    @Option(names = "--out", paramLabel = "FILE.csv",
        description = "Write the CSV to this new file (readable by you only) instead of standard output.")
    Path outFile;

    @Override
    void call(Api api, PrintWriter out, PrintWriter err) throws IOException {
      List<String> labels;
      try {
        labels = Files.readAllLines(labelsFile, StandardCharsets.UTF_8).stream().map(String::strip)
            .filter(l -> !l.isEmpty()).toList();
      } catch (IOException e) {
        throw new Refused("Cannot read the labels file " + labelsFile + " (" + e.getMessage() + ").");
      }
      if (labels.isEmpty()) {
        throw new Refused("The labels file " + labelsFile + " has no labels; write one per line.");
      }
      // The file is made before asking the server, so links that are shown once always have somewhere to go.
      if (outFile != null) {
        reserve(outFile);
      }
      JsonArray links;
      try {
        links = api.post("/api/studies/" + Api.segment(studyId) + "/links", new JsonObject()
            .put("labels", new JsonArray(labels))).getJsonArray("links", new JsonArray());
      } catch (Refused refused) {
        if (outFile != null) {
          Files.deleteIfExists(outFile);
        }
        throw refused;
      }
      if (outFile == null) {
        writeCsv(links, out);
      } else {
        try (Writer file = Files.newBufferedWriter(outFile, StandardCharsets.UTF_8)) {
          writeCsv(links, file);
        }
      }
      err.println("Made " + links.size() + " personal link" + (links.size() == 1 ? "" : "s")
          + (outFile == null ? "" : " in " + outFile) + "; the server shows them only this once, so keep them "
          + "safe: each one lets a participant in.");
    }

    private static void reserve(Path file) {
      try {
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
          Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } else {
          Files.createFile(file);
        }
      } catch (FileAlreadyExistsException e) {
        throw new Refused(file + " exists already; links are shown only once, so choose a new file rather than "
            + "overwrite one.");
      } catch (IOException e) {
        throw new Refused("Cannot create " + file + " (" + e.getMessage() + "); no links were made.");
      }
    }

    static void writeCsv(JsonArray links, Appendable to) {
      CSVFormat format = CSVFormat.DEFAULT.builder().setHeader("label", "participantId", "url")
          .setRecordSeparator('\n').get();
      try {
        CSVPrinter csv = new CSVPrinter(to, format);
        for (Object l : links) {
          JsonObject link = (JsonObject) l;
          csv.printRecord(link.getString("label"), link.getString("participantId"), link.getString("url"));
        }
        csv.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private static void printLinks(JsonObject study, PrintWriter out) {
    JsonObject links = study.getJsonObject("links", new JsonObject());
    out.println("General link:  " + links.getString("general"));
    out.println("Prolific link: " + links.getString("prolific"));
  }
}
