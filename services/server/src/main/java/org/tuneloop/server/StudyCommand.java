package org.tuneloop.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.tuneloop.eventstore.DatabaseAddress;
import org.tuneloop.eventstore.Migrations;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The `study` command line: the product's front door. */
@Command(name = "study", mixinStandardHelpOptions = true, versionProvider = StudyCommand.Version.class,
    description = "Tuneloop: a study platform for teaching music agents by rating their tracks.",
    subcommands = {StudyCommand.Serve.class, StudyCommand.Migrate.class, StudyCommand.AuditCommand.class,
        ProtocolCommand.class, ResearcherCommand.class, StudyAdminCommand.class, SimulateCommand.class})
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

    @Override
    public Integer call() throws Exception {
      ServerConfig config = new ServerConfig(host, port, database.url, database.dataDirectory, demo,
          publicUrl, database.appPassword);
      Platform platform = Platform.open(config.databaseUrl(), config.dataDirectory(), config.appRolePassword());
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

  @Command(name = "audit", mixinStandardHelpOptions = true, description = "Check the event log.",
      subcommands = AuditCommand.Verify.class)
  static final class AuditCommand implements Runnable {
    @Override
    public void run() {
      new CommandLine(this).usage(System.out);
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Replay every stream, check its hash chain and recompute every Q-value update; "
            + "exit 1 on any mismatch.")
    static final class Verify implements Callable<Integer> {
      @CommandLine.Mixin
      DatabaseOptions database;

      @Option(names = "--study", paramLabel = "ID", description = "Only this study's streams.")
      String study;

      @Override
      public Integer call() {
        try (Platform platform = Platform.open(database.url, database.dataDirectory,
            database.appPassword)) {
          AuditRun.Result result = Platform.await(AuditRun.verify(platform.store, study));
          AuditRun.print(result, System.out);
          return result.ok() ? 0 : 1;
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
