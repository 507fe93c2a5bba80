package org.tuneloop.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * `./study serve --demo --port 0` started the way the README says, as a separate process with a temporary
 * working folder, and what it printed (links, tokens, the database address).
 */
public final class ServerProcess implements AutoCloseable {
  private final Path workDir;
  private final Process process;
  private final List<String> output = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, String> printed = new ConcurrentHashMap<>();
  private Duration startup;

  private ServerProcess(Path workDir, Process process) {
    this.workDir = workDir;
    this.process = process;
  }

  public static Path repositoryRoot() {
    return Path.of(System.getProperty("tuneloop.root", "../..")).toAbsolutePath().normalize();
  }

  /**
   * A protocol kept for tests in src/test/resources/protocols, as a file: pilot-training-only.yaml is the pilot's
   * two arms with training alone, for tests about training that rate straight after consent.
   */
  public static Path testProtocol(String name) {
    return repositoryRoot().resolve("services/server/src/test/resources/protocols").resolve(name);
  }

  /** Starts `study serve --demo --port 0` in {@code workDir}, waiting until it prints that it is ready. */
  public static ServerProcess start(Path workDir, String... extraArgs) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(repositoryRoot().resolve("study").toString(), "serve", "--demo",
        "--port", "0", "--data-dir", workDir.resolve("data").toString()));
    command.addAll(List.of(extraArgs));
    return run(workDir, command);
  }

  /**
   * Starts `study serve --port 0` without the demo, e.g. with --db on a database that other processes share,
   * waiting until it prints that it is ready.
   */
  public static ServerProcess serve(Path workDir, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(repositoryRoot().resolve("study").toString(), "serve",
        "--port", "0", "--data-dir", workDir.resolve("data").toString()));
    command.addAll(List.of(args));
    return run(workDir, command);
  }

  private static ServerProcess run(Path workDir, List<String> command) throws IOException, InterruptedException {
    Files.createDirectories(workDir);
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
    String jar = System.getProperty("tuneloop.jar");
    if (jar != null) {
      builder.environment().put("STUDY_JAR", jar);
    }
    long started = System.nanoTime();
    Process process = builder.start();
    ServerProcess server = new ServerProcess(workDir, process);
    CountDownLatch ready = new CountDownLatch(1);
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          server.output.add(line);
          int colon = line.indexOf(": ");
          if (colon > 0 && colon < 40) {
            server.printed.put(line.substring(0, colon), line.substring(colon + 2).trim());
          }
          if (line.startsWith("Tuneloop is ready at ")) {
            server.printed.put("url", line.substring("Tuneloop is ready at ".length()).split(" ")[0]);
            ready.countDown();
          }
        }
      } catch (IOException ignored) {
        // the process ended
      }
      ready.countDown();
    }, "server-output");
    reader.setDaemon(true);
    reader.start();
    if (!ready.await(180, TimeUnit.SECONDS) || !server.printed.containsKey("url")) {
      process.destroyForcibly();
      throw new IllegalStateException("the server did not become ready:\n" + String.join("\n", server.output));
    }
    server.startup = Duration.ofNanos(System.nanoTime() - started);
    return server;
  }

  public String url() { return printed.get("url"); }

  public String participantToken() { return printed.get("Participant token"); }

  public String participantId() { return printed.get("Participant id"); }

  public String researcherToken() { return printed.get("Researcher token"); }

  /**
   * The owner's address of the database the server uses, with the password (the embedded database's comes from
   * the file the server named).
   */
  public String databaseUrl() {
    String printedUrl = printed.get("Database");
    String file = printed.get("Database password file");
    if (file == null) {
      return printedUrl;
    }
    try {
      String password = Files.readString(Path.of(file)).strip();
      return printedUrl.replaceFirst("://([^@:/]+)@", "://$1:" + java.net.URLEncoder.encode(password,
          StandardCharsets.UTF_8) + "@");
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The application role's password the embedded database generated in the data folder. */
  public String appPassword() {
    try {
      return Files.readString(workDir.resolve("data").resolve(Platform.APP_PASSWORD_FILE)).strip();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  public Duration startup() { return startup; }

  public Path workDir() { return workDir; }

  public List<String> output() { return List.copyOf(output); }

  /** SIGKILL: no shutdown hook runs, the embedded PostgreSQL is left running. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGTERM: a clean stop. */
  public void stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }

  /** SIGTERM, then whether the process ended by itself within the time given (else it is killed). */
  public boolean stopWithin(Duration limit) throws InterruptedException {
    process.destroy();
    if (process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
      return true;
    }
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
    return false;
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      stop();
    }
  }

  /** Removes a test's working folder (the embedded database in it included), once its servers have stopped. */
  public static void deleteFolder(Path folder) throws IOException {
    if (!Files.exists(folder)) {
      return;
    }
    try (var walk = Files.walk(folder)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** Runs another `./study` command to completion; returns its exit code and output. */
  public static Result study(Path workDir, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(repositoryRoot().resolve("study").toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
    String jar = System.getProperty("tuneloop.jar");
    if (jar != null) {
      builder.environment().put("STUDY_JAR", jar);
    }
    Process p = builder.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("study " + String.join(" ", args) + " did not finish:\n" + out);
    }
    return new Result(p.exitValue(), out);
  }

  public record Result(int exitCode, String output) {}
}
