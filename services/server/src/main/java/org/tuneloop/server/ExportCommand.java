package org.tuneloop.server;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.tuneloop.server.StudyAdminCommand.Refused;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * `study export`: a study's data for analysis (docs/export.md), from a running server (--url, the same download as
 * the study page's) or straight from the database (--db, or the embedded one under --data-dir).
 */
@Command(name = "export", mixinStandardHelpOptions = true,
    description = "Export a study (or every study) as tidy CSV tables or raw JSON-lines events, with a codebook "
        + "and a manifest. Test and withdrawn participants are left out unless asked for.")
final class ExportCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  static final class Which {
    @Option(names = "--study", paramLabel = "ID", description = "The study to export.")
    String study;

    @Option(names = "--all", description = "Every study (each into a folder of its id under --out).")
    boolean all;
  }

  @ArgGroup(exclusive = true, multiplicity = "0..1")
  Which which;

  @Option(names = "--format", paramLabel = "csv|jsonl", defaultValue = "csv",
      description = "csv: tidy tables and the raw events; jsonl: the raw events (default: ${DEFAULT-VALUE}).")
  String format;

  @Option(names = "--out", paramLabel = "DIR", description = "The folder to write to; absent or empty.")
  Path out;

  @Option(names = "--include-withdrawn", description = "Include participants who withdrew.")
  boolean includeWithdrawn;

  @Option(names = "--include-test", description = "Include test participants (previews).")
  boolean includeTest;

  @Option(names = "--url", paramLabel = "URL", description = "A running server, e.g. http://localhost:8080.")
  String url;

  @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:TUNELOOP_TOKEN}",
      description = "A researcher's API token for --url (env TUNELOOP_TOKEN).")
  String token;

  @CommandLine.Mixin
  StudyCommand.DatabaseOptions database;

  @Option(names = "--codebook", description = "Print the codebook as Markdown (docs/codebook.md) and stop.")
  boolean codebook;

  @Override
  public Integer call() throws IOException {
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter stderr = spec.commandLine().getErr();
    try {
      if (codebook) {
        stdout.print(ExportCodebook.markdown());
        return 0;
      }
      if (which == null || (which.study == null && !which.all)) {
        throw new Refused("Name the study with --study ID, or export every study with --all.");
      }
      if (out == null) {
        throw new Refused("Give the folder to write to with --out DIR.");
      }
      ExportRun.Format parsed;
      try {
        parsed = ExportRun.Format.parse(format);
      } catch (ApiError e) {
        throw new Refused("--format must be csv or jsonl, not '" + format + "'.");
      }
      emptyOrAbsent(out);
      if (url != null) {
        fromServer(parsed, stdout);
      } else {
        fromDatabase(parsed, stdout);
      }
      return 0;
    } catch (Refused refused) {
      stderr.println(refused.getMessage());
      return 1;
    } finally {
      stdout.flush();
      stderr.flush();
    }
  }

  private void fromDatabase(ExportRun.Format parsed, PrintWriter stdout) throws IOException {
    try (Platform platform = Platform.open(database.url, database.dataDirectory, database.appPassword)) {
      List<String> studies = which.all ? Platform.await(platform.studies.ids()) : List.of(which.study);
      if (!which.all && Platform.await(platform.studies.find(which.study)).isEmpty()) {
        throw new Refused("There is no study '" + which.study + "' in this database.");
      }
      ExportRun run = new ExportRun(platform);
      AccessLog log = new AccessLog(platform.pool());
      for (String id : studies) {
        Path folder = which.all ? out.resolve(id) : out;
        long started = System.nanoTime();
        ExportRun.Result result;
        ExportRun.Options options = new ExportRun.Options(id, parsed, includeWithdrawn, includeTest);
        // Straight from the database there is no account: the record names the operating-system user.
        Platform.await(log.record(commandLine(), AccessLog.Action.EXPORT, id, null,
            ExportRun.detail(options).put("via", "command line").put("out", folder.toString())));
        try (ExportRun.Destination destination = ExportRun.folder(folder)) {
          result = run.write(options, destination);
        }
        report(stdout, id, folder, result.manifest(), started);
      }
    }
  }

  /** Who exports from the command line with database access: the operating-system user. */
  static AccessTokens.Caller commandLine() {
    return AccessTokens.Caller.researcher("command-line:" + System.getProperty("user.name", "unknown"), null, false,
        new AccessTokens.Via.Bearer(null));
  }

  private void fromServer(ExportRun.Format parsed, PrintWriter stdout) throws IOException {
    StudyAdminCommand.ServerOptions options = new StudyAdminCommand.ServerOptions();
    options.url = url;
    options.token = token;
    StudyAdminCommand.Api api = new StudyAdminCommand.Api(options);
    List<String> studies = new ArrayList<>();
    if (which.all) {
      api.get("/api/studies").getJsonArray("studies").forEach(s -> studies.add(((JsonObject) s).getString("id")));
    } else {
      studies.add(which.study);
    }
    String base = url.strip().replaceAll("/+$", "");
    try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
      for (String id : studies) {
        Path folder = which.all ? out.resolve(id) : out;
        long started = System.nanoTime();
        String path = "/api/studies/" + StudyAdminCommand.Api.segment(id) + "/export?format=" + parsed.id()
            + "&includeWithdrawn=" + includeWithdrawn + "&includeTest=" + includeTest;
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + path)).GET()
            .header("Authorization", "Bearer " + token.strip()).header("Accept", "application/zip").build();
        HttpResponse<InputStream> response;
        try {
          response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (ConnectException | HttpConnectTimeoutException e) {
          throw new Refused("Cannot reach the server at " + base + "; check --url and that the server is running.");
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new Refused("Interrupted while waiting for the server.");
        }
        try (InputStream body = response.body()) {
          if (response.statusCode() != 200) {
            String text = new String(body.readAllBytes(), StandardCharsets.UTF_8);
            String detail;
            try {
              detail = new JsonObject(text).getString("detail", text);
            } catch (RuntimeException notJson) {
              detail = "HTTP " + response.statusCode();
            }
            throw new Refused("The server refused the export of study '" + id + "': " + detail);
          }
          unzip(body, folder);
        }
        JsonObject manifest = new JsonObject(Files.readString(folder.resolve("manifest.json")));
        report(stdout, id, folder, manifest, started);
      }
    }
  }

  private static void unzip(InputStream body, Path folder) throws IOException {
    Files.createDirectories(folder);
    try (ZipInputStream zip = new ZipInputStream(body)) {
      for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
        Path target = folder.resolve(entry.getName()).normalize();
        // Only plain file names are expected; anything reaching outside the folder is refused.
        if (entry.isDirectory() || !target.getParent().equals(folder.normalize())) {
          throw new Refused("The server's zip holds an unexpected entry '" + entry.getName() + "'.");
        }
        Files.copy(zip, target);
      }
    }
  }

  private static void emptyOrAbsent(Path folder) throws IOException {
    if (Files.exists(folder)) {
      if (!Files.isDirectory(folder)) {
        throw new Refused("--out " + folder + " is a file; give a folder.");
      }
      try (var entries = Files.list(folder)) {
        if (entries.findAny().isPresent()) {
          throw new Refused("--out " + folder + " is not empty; give a new or empty folder, so that no earlier "
              + "export is mixed with this one.");
        }
      }
    }
  }

  private static void report(PrintWriter stdout, String id, Path folder, JsonObject manifest, long started) {
    JsonObject participants = manifest.getJsonObject("participants");
    JsonObject left = participants.getJsonObject("leftOut");
    stdout.printf("Exported study %s to %s: %d participants (left out: %d test, %d withdrawn), %d events, in %.1f s%n",
        id, folder, participants.getInteger("exported"), left.getInteger("test"), left.getInteger("withdrawn"),
        manifest.getJsonObject("events").getLong("count"), (System.nanoTime() - started) / 1e9);
    manifest.getJsonArray("files").forEach(f -> {
      JsonObject file = (JsonObject) f;
      stdout.printf("  %-18s %9d rows%n", file.getString("file"), file.getLong("rows"));
    });
  }
}
