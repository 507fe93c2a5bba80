package org.tuneloop.server;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.tuneloop.server.StudyAdminCommand.Refused;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * `study simulate`: simulated participants with a taste take part in a study through the real HTTP API, and the
 * figures of each arm are read back from what the server recorded. Without --url the command runs its own server
 * on an embedded PostgreSQL in a temporary folder, removed afterwards.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
    description = "Run simulated participants through a study over the HTTP API and print, per arm, the mean "
        + "rating per episode, the gain, state revisits, action shares and Q-table size.")
final class SimulateCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--protocol", paramLabel = "FILE", description = "The protocol file (YAML or JSON) of the study.")
  Path protocol;

  @Option(names = "--participants", paramLabel = "N", defaultValue = "20",
      description = "How many participants (default: ${DEFAULT-VALUE}).")
  int participants;

  @Option(names = "--concurrency", paramLabel = "C", defaultValue = "4",
      description = "Participants taking part at the same time (default: ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(names = "--url", paramLabel = "URL",
      description = "A running server (e.g. http://localhost:8080); without it, the command starts its own.")
  String url;

  @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:TUNELOOP_TOKEN}",
      description = "A researcher's API token for --url (env TUNELOOP_TOKEN).")
  String token;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "1",
      description = "Seed of the participants' tastes and rating noise (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--taste", paramLabel = "NAME", arity = "0..1", defaultValue = Taste.DEFAULT, fallbackValue = "list",
      description = "The participants' taste (default: ${DEFAULT-VALUE}); 'list' or no value prints the tastes.")
  String taste;

  @Option(names = "--no-fatigue",
      description = "Participants stay as attentive at the end as at the start (by default, ratings drift toward "
          + "the middle after 40 to 80 ratings).")
  boolean noFatigue;

  @Option(names = "--episodes", paramLabel = "E",
      description = "Episodes each participant trains (default: the arm's minimum).")
  Integer episodes;

  @Option(names = "--out", paramLabel = "DIR", description = "Write participants.csv and steps.csv to this folder.")
  Path outDirectory;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      if ("list".equals(taste)) {
        printTastes(out);
        return 0;
      }
      simulate(out, err);
      return 0;
    } catch (Refused refused) {
      err.println(refused.getMessage());
      return 1;
    } finally {
      out.flush();
      err.flush();
    }
  }

  static void printTastes(PrintWriter out) {
    int width = Taste.KINDS.stream().mapToInt(k -> k.name().length()).max().orElse(0);
    for (Taste.Kind kind : Taste.KINDS) {
      out.printf(Locale.ROOT, "%-" + width + "s  %s%n", kind.name(), kind.description());
    }
  }

  private void simulate(PrintWriter out, PrintWriter err) throws IOException {
    checkOptions();
    ProtocolCommand.Check.Checked checked = ProtocolCommand.Check.check(protocol, err);
    if (checked == null) {
      throw new Refused("Nothing was simulated: fix the protocol file first.");
    }
    if (outDirectory != null) {
      Files.createDirectories(outDirectory);
    }
    long started = System.nanoTime();
    try (Server server = url == null ? Server.embedded(err) : Server.remote(url, token)) {
      SimulationClient api = server.client();
      String studyId = checked.protocol().id() + "-sim-" + UUID.randomUUID().toString().substring(0, 6);
      JsonObject created = api.researcherPost("/api/studies", new JsonObject().put("id", studyId)
          .put("protocol", checked.text()));
      studyId = created.getString("id");
      api.researcherPost("/api/studies/" + StudyAdminCommand.Api.segment(studyId) + "/open", new JsonObject());
      err.println("Study " + studyId + " on " + api.base() + ": " + participants + " simulated participant"
          + (participants == 1 ? "" : "s") + ", taste " + taste + (noFatigue ? " without fatigue" : "") + ", seed "
          + seed + ", " + concurrency + " at a time.");
      err.flush();
      List<SimulationReport.Session> sessions = runAll(api, studyId, err);
      JsonObject study = api.researcherGet("/api/studies/" + StudyAdminCommand.Api.segment(studyId));
      double seconds = (System.nanoTime() - started) / 1e9;
      out.printf(Locale.ROOT, "Simulated %d participants of study %s (%s, taste %s%s, seed %d) in %.1f s%n%n",
          sessions.size(), studyId, checked.protocol().title(), taste, noFatigue ? " without fatigue" : "", seed,
          seconds);
      SimulationReport.print(SimulationReport.arms(SimulationReport.armIds(study), sessions), out);
      if (outDirectory != null) {
        SimulationReport.writeParticipants(sessions, outDirectory.resolve("participants.csv"));
        SimulationReport.writeSteps(sessions, outDirectory.resolve("steps.csv"));
        err.println("Wrote " + outDirectory.resolve("participants.csv") + " and " + outDirectory.resolve("steps.csv")
            + ".");
      }
    }
  }

  private void checkOptions() {
    if (protocol == null) {
      throw new Refused("Which study? Pass --protocol FILE (for example study-protocols/pilot.yaml).");
    }
    if (participants < 1) {
      throw new Refused("--participants must be at least 1; got " + participants + ".");
    }
    if (concurrency < 1) {
      throw new Refused("--concurrency must be at least 1; got " + concurrency + ".");
    }
    if (episodes != null && episodes < 1) {
      throw new Refused("--episodes must be at least 1; got " + episodes + ".");
    }
    try {
      Taste.kind(taste);
    } catch (IllegalArgumentException e) {
      throw new Refused("There is " + e.getMessage() + " (see 'study simulate --taste list').");
    }
  }

  /** Every participant's session, then their events and Q-table, C at a time; in the participants' order. */
  private List<SimulationReport.Session> runAll(SimulationClient api, String studyId, PrintWriter err) {
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(concurrency, participants));
    try {
      List<Future<SimulationReport.Session>> running = new ArrayList<>();
      for (int i = 0; i < participants; i++) {
        int index = i;
        running.add(pool.submit(() -> {
          Taste.Rater drawn = Taste.Rater.of(taste, seed, index);
          Taste.Rater rater = noFatigue ? drawn.withoutFatigue() : drawn;
          SimulatedParticipant.Outcome outcome = new SimulatedParticipant(api, index, rater,
              episodes == null ? 0 : episodes).run(studyId);
          // Screened out by the listening check: ended politely, no training to report.
          return "screened-out".equals(outcome.phase()) ? null : recorded(api, outcome);
        }));
      }
      List<SimulationReport.Session> sessions = new ArrayList<>();
      List<String> failures = new ArrayList<>();
      int screenedOut = 0;
      for (Future<SimulationReport.Session> f : running) {
        try {
          SimulationReport.Session session = f.get();
          if (session == null) {
            screenedOut++;
          } else {
            sessions.add(session);
          }
        } catch (ExecutionException e) {
          failures.add(e.getCause() instanceof Refused r ? r.getMessage() : String.valueOf(e.getCause()));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new Refused("Interrupted while the participants were taking part.");
        }
      }
      if (!failures.isEmpty()) {
        failures.stream().distinct().limit(5).forEach(f -> err.println("  " + f));
        throw new Refused(failures.size() + " of " + participants + " simulated participants could not finish; "
            + "the first reasons are above.");
      }
      if (screenedOut > 0) {
        err.println(screenedOut + " of " + participants + " simulated participant" + (participants == 1 ? " was" : "s were")
            + " screened out by the listening check; the report leaves them out.");
      }
      sessions.sort(Comparator.comparingInt(SimulationReport.Session::index));
      return sessions;
    } finally {
      pool.shutdownNow();
    }
  }

  /** The participant's session as the server recorded it, read with the researcher's token. */
  private static SimulationReport.Session recorded(SimulationClient api, SimulatedParticipant.Outcome outcome) {
    String path = "/api/participants/" + outcome.participantId();
    JsonArray events = api.researcherGet(path + "/events").getJsonArray("events");
    // The size of what the agent learnt: Q-table entries, or a linear learner's weights.
    JsonObject table = api.researcherGet(path + "/q-table");
    JsonObject weights = table.getJsonObject("learning", new JsonObject()).getJsonObject("weights");
    int qSize = weights != null ? weights.size() : table.getInteger("entries");
    return SimulationReport.session(outcome.index(), outcome.participantId(), outcome.rater().taste(), events, qSize);
  }

  /** Where the simulation runs: a server it was given, or its own, stopped and removed on close. */
  private interface Server extends AutoCloseable {
    SimulationClient client();

    @Override
    void close();

    static Server remote(String url, String token) {
      SimulationClient client = new SimulationClient(url, token);
      return new Server() {
        public SimulationClient client() { return client; }

        public void close() { }
      };
    }

    /**
     * A platform on an embedded PostgreSQL in a new temporary folder, an HTTP server on a free port, and a
     * researcher with an API token: the same server a lab runs, only private to this command.
     */
    static Server embedded(PrintWriter err) throws IOException {
      Path folder = Files.createTempDirectory("tuneloop-simulate-");
      err.println("Starting a server of its own on an embedded PostgreSQL in " + folder + " ...");
      err.flush();
      Platform platform;
      try {
        platform = Platform.open(null, folder, null);
      } catch (RuntimeException e) {
        delete(folder);
        throw e;
      }
      try {
        // Its own server takes commands as fast as the simulated participants send them: no per-participant rate.
        HttpVerticle http = new HttpVerticle(new ServerConfig("localhost", 0, null, folder, false, null, null), platform)
            .withCommandRate(null);
        String deployment = Platform.await(platform.vertx().deployVerticle(http));
        Researchers.Researcher researcher = Platform.await(platform.researchers.create(
            "simulation@localhost", Researchers.Role.RESEARCHER, Passwords.hash(AccessTokens.newSecret())));
        String token = Platform.await(platform.apiTokens.issue(researcher.id(), "simulate")).token();
        SimulationClient client = new SimulationClient("http://localhost:" + http.actualPort(), token);
        return new Server() {
          public SimulationClient client() { return client; }

          public void close() {
            try {
              Platform.await(platform.vertx().undeploy(deployment));
            } finally {
              platform.close();
              delete(folder);
            }
          }
        };
      } catch (RuntimeException e) {
        platform.close();
        delete(folder);
        throw e;
      }
    }

    private static void delete(Path folder) {
      try (Stream<Path> walk = Files.walk(folder)) {
        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("could not remove " + folder, e);
      }
    }
  }
}
