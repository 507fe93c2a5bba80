package org.tuneloop.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.Optional;
import org.tuneloop.eventstore.Checkpoints;
import org.tuneloop.eventstore.DatabaseAddress;
import org.tuneloop.eventstore.HashChain;
import org.tuneloop.eventstore.Migrations;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The `study` command line: the product's front door. */
@Command(name = "study", mixinStandardHelpOptions = true, versionProvider = StudyCommand.Version.class,
    description = "Tuneloop: a study platform for teaching music agents by rating their tracks.",
    subcommands = {StudyCommand.Serve.class, StudyCommand.Migrate.class, StudyCommand.AuditCommand.class,
        ProtocolCommand.class, ResearcherCommand.class, StudyAdminCommand.class, SimulateCommand.class,
        ExportCommand.class, BenchCommand.class})
public final class StudyCommand implements Runnable {

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The command line with its failure handling, also for running a command in process (tests). */
  static CommandLine commandLine() {
    return new CommandLine(new StudyCommand())
        .setExecutionExceptionHandler((failure, command, parsed) -> {
          // A person reads this: the message, and the trace only when asked for.
          System.err.println(command.getCommandSpec().qualifiedName() + ": " + failure.getMessage());
          if (System.getenv("STUDY_DEBUG") != null) {
            failure.printStackTrace();
          } else {
            System.err.println("(set STUDY_DEBUG=1 for the stack trace)");
          }
          return 2;
        });
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  static final class Version implements CommandLine.IVersionProvider {
    public String[] getVersion() { return new String[] {"tuneloop " + BuildInfo.APP_VERSION}; }
  }

  /** Options every database-using command shares. */
  static final class DatabaseOptions {
    @Option(names = "--db", paramLabel = "URL",
        description = "PostgreSQL owner URL, e.g. postgresql://owner:secret@host:5432/tuneloop. "
            + "Without it, an embedded PostgreSQL keeps its data under --data-dir.")
    String url;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = ".tuneloop",
        description = "Folder of the embedded database (default: ${DEFAULT-VALUE}).")
    Path dataDirectory;

    @Option(names = "--app-password", paramLabel = "SECRET", defaultValue = "${env:TUNELOOP_APP_PASSWORD}",
        description = "Password of the application role tuneloop_app (env TUNELOOP_APP_PASSWORD); required with --db. "
            + "The embedded database generates one into --data-dir.")
    String appPassword;
  }

  @Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the platform.")
  static final class Serve implements Callable<Integer> {
    @CommandLine.Mixin
    DatabaseOptions database;

    @Option(names = "--port", defaultValue = "8080", description = "HTTP port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--host", defaultValue = "0.0.0.0", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--public-url", description = "How participants reach this server, for printed links.")
    String publicUrl;

    @Option(names = "--demo", description = "Create the demo study and print a participant link and a researcher link.")
    boolean demo;

    @Option(names = "--command-rate", paramLabel = "N", defaultValue = "20",
        description = "Commands one participant may send per 10 seconds before getting 429; 0: no limit "
            + "(default: ${DEFAULT-VALUE}).")
    int commandRate;

    @Option(names = "--db-pool-size", paramLabel = "N", defaultValue = "${env:TUNELOOP_DB_POOL_SIZE:-8}",
        description = "Connections to PostgreSQL this process keeps (env TUNELOOP_DB_POOL_SIZE; default: "
            + "${DEFAULT-VALUE}); see docs/scaling.md.")
    int poolSize;

    @Override
    public Integer call() throws Exception {
      ServerConfig config = new ServerConfig(host, port, database.url, database.dataDirectory, demo,
          publicUrl, database.appPassword);
      Platform platform = Platform.open(config.databaseUrl(), config.dataDirectory(), config.appRolePassword(),
          poolSize);
      CountDownLatch stopped = new CountDownLatch(1);
      try {
        HttpVerticle http = new HttpVerticle(config, platform)
            .withCommandRate(commandRate > 0 ? new CommandRate(commandRate, java.time.Duration.ofSeconds(10)) : null);
        Platform.await(platform.vertx().deployVerticle(http));
        ServerConfig running = config.withPort(http.actualPort());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          try {
            Platform.await(platform.vertx().undeploy(platform.vertx().deploymentIDs().iterator().next()));
          } catch (RuntimeException ignored) {
            // shutting down anyway
          }
          platform.close();
          stopped.countDown();
        }));
        if (config.demo()) {
          printDemo(platform, running);
        }
        System.out.println("Database: " + platform.owner());
        platform.ownerPasswordFile().ifPresent(file -> System.out.println("Database password file: " + file));
        System.out.println("Tuneloop is ready at " + running.publicUrl() + " (API description: "
            + running.publicUrl() + "/openapi.yaml)");
        System.out.flush();
      } catch (RuntimeException e) {
        platform.close();
        throw e;
      }
      stopped.await();
      return 0;
    }

    private static void printDemo(Platform platform, ServerConfig config) {
      Studies.Loaded study = Platform.await(platform.studies.createIfAbsent("demo",
          resource("/study-protocols/paper-replication.yaml")));
      DemoLinks links = DemoLinks.reuseOrCreate(platform, study.studyId(), config.dataDirectory());
      System.out.println("Demo study '" + study.studyId() + "' (" + study.protocol().title() + ")");
      System.out.println("Participant link: " + config.publicUrl() + "/#participant=" + links.participantToken());
      System.out.println("Participant id: " + links.participantId());
      System.out.println("Participant token: " + links.participantToken());
      System.out.println("Researcher link: " + config.publicUrl() + "/#researcher=" + links.researcherToken());
      System.out.println("Researcher token: " + links.researcherToken());
    }
  }

  @Command(name = "migrate", mixinStandardHelpOptions = true,
      description = "Apply the Flyway migrations in db/ to an external database, as its owner.")
  static final class Migrate implements Callable<Integer> {
    @Option(names = "--db", required = true, paramLabel = "URL", description = "PostgreSQL owner URL.")
    String url;

    @Option(names = "--app-password", paramLabel = "SECRET", defaultValue = "${env:TUNELOOP_APP_PASSWORD}",
        description = "Password to give the application role tuneloop_app (env TUNELOOP_APP_PASSWORD); required.")
    String appPassword;

    @Override
    public Integer call() {
      if (appPassword == null || appPassword.isEmpty()) {
        throw new IllegalArgumentException(Platform.APP_PASSWORD_MISSING);
      }
      Migrations.AppRole role = Migrations.AppRole.withPassword(appPassword);
      int applied = Migrations.migrate(DatabaseAddress.parse(url), role);
      System.out.println("Applied " + applied + " migration(s) to " + DatabaseAddress.parse(url) + ".");
      return 0;
    }
  }

  @Command(name = "audit", mixinStandardHelpOptions = true, description = "Check the event log (docs/audit.md).",
      subcommands = {AuditCommand.Verify.class, AuditCommand.Checkpoint.class})
  static final class AuditCommand implements Runnable {
    @Override
    public void run() {
      new CommandLine(this).usage(System.out);
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Check every hash chain, every checkpointed head, every enrolment against its study and every "
            + "recorded result against its recomputation; print each mismatch and exit 1 on any.")
    static final class Verify implements Callable<Integer> {
      @CommandLine.Mixin
      DatabaseOptions database;

      @Option(names = "--study", paramLabel = "ID", description = "Only this study's streams.")
      String study;

      @Option(names = "--url", paramLabel = "URL",
          description = "Ask a running server to audit the study (needs --study and a researcher's API token).")
      String url;

      @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:TUNELOOP_TOKEN}",
          description = "With --url: a researcher's API token (env TUNELOOP_TOKEN).")
      String token;

      @Option(names = "--against", paramLabel = "FILE",
          description = "A checkpoint copied out earlier with 'audit checkpoint --out': the database must still hold "
              + "it and every head it saw.")
      Path against;

      @Option(names = "--parallel", paramLabel = "N", description = "Streams checked at once (default: the number "
          + "of processors, at least 2).")
      Integer parallel;

      @Override
      public Integer call() throws IOException {
        if (url != null) {
          return overHttp();
        }
        Checkpoints.Snapshot copy = against == null ? null : Checkpoints.Snapshot.fromJson(
            new io.vertx.core.json.JsonObject(java.nio.file.Files.readString(against)));
        try (Platform platform = Platform.open(database.url, database.dataDirectory,
            database.appPassword)) {
          AuditRun.Result result = Platform.await(AuditRun.verify(platform.vertx(), platform.store,
              platform.checkpoints, study, copy, parallel == null ? AuditRun.DEFAULT_PARALLELISM : parallel));
          AuditRun.print(result, System.out);
          return result.ok() ? 0 : 1;
        }
      }

      private int overHttp() {
        if (study == null) {
          System.err.println("--url audits one study on the server: add --study ID.");
          return 2;
        }
        if (against != null) {
          System.err.println("--against compares the copy with the database itself, so it needs --db: an owner who "
              + "rewrote the log could also answer for the server.");
          return 2;
        }
        StudyAdminCommand.ServerOptions options = new StudyAdminCommand.ServerOptions();
        options.url = url;
        options.token = token;
        try {
          StudyAdminCommand.Api api = new StudyAdminCommand.Api(options);
          AuditRun.Result result = AuditRun.Result.fromJson(
              api.get("/api/studies/" + StudyAdminCommand.Api.segment(study) + "/audit"));
          AuditRun.print(result, System.out);
          return result.ok() ? 0 : 1;
        } catch (StudyAdminCommand.Refused refused) {
          System.err.println(refused.getMessage());
          return 2;
        }
      }
    }

    @Command(name = "checkpoint", mixinStandardHelpOptions = true,
        description = "Write a checkpoint of every stream's head (if the log moved since the last one); with --out, "
            + "copy the latest checkpoint to a file to keep somewhere the database's owner cannot change.")
    static final class Checkpoint implements Callable<Integer> {
      @CommandLine.Mixin
      DatabaseOptions database;

      @Option(names = "--out", paramLabel = "FILE", description = "Write the latest checkpoint here (JSON).")
      Path out;

      @Override
      public Integer call() throws IOException {
        try (Platform platform = Platform.open(database.url, database.dataDirectory,
            database.appPassword)) {
          Optional<Checkpoints.Checkpoint> written = Platform.await(platform.checkpoints.write("study audit checkpoint"));
          Optional<Checkpoints.Snapshot> latest = Platform.await(platform.checkpoints.latest());
          if (latest.isEmpty()) {
            System.out.println("The log is empty: there is nothing to checkpoint yet.");
            return 0;
          }
          Checkpoints.Checkpoint c = latest.get().checkpoint();
          System.out.printf("%s checkpoint %d: %d streams, %d events.%n", written.isPresent() ? "Wrote" : "Latest "
              + "(the log has not moved since)", c.id(), c.streams(), c.events());
          System.out.println("Root: " + HashChain.hex(c.root()));
          System.out.println("Hash: " + HashChain.hex(c.hash()));
          if (out != null) {
            java.nio.file.Files.writeString(out, latest.get().toJson().encodePrettily() + "\n");
            System.out.println("Copied to " + out + "; keep it where the database's owner cannot change it, and check "
                + "with 'study audit verify --against " + out + "'.");
          }
          return 0;
        }
      }
    }
  }

  static String resource(String path) {
    try (InputStream in = StudyCommand.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException(path + " is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

}
