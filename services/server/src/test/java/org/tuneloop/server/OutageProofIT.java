package org.tuneloop.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tuneloop.eventstore.DatabaseAddress;
import org.tuneloop.eventstore.testing.TestDatabases;

/**
 * The database outage proof (docs/reliability.md): under load from participants the database goes away (the
 * embedded postmaster killed with SIGKILL; the machine's PostgreSQL cut off for {@value #OUTAGE_SECONDS} s by a TCP
 * proxy between server and database). Every request is answered within {@value #ANSWER_LIMIT_MS} ms (503 while the
 * database is away), the server serves again by itself, and every acknowledged rating is stored.
 */
class OutageProofIT {
  static final int OUTAGE_SECONDS = 10;
  static final long ANSWER_LIMIT_MS = 5_000;
  private static final int PARTICIPANTS = 3;

  @Test
  @Timeout(120)
  void embeddedPostmasterKilled() throws Exception {
    Path work = Files.createTempDirectory("tuneloop-outage-embedded");
    try (ServerProcess server = ServerProcess.start(work, "--command-rate", "0")) {
      Outage outage = underLoad(server, () -> {
        long pid = Long.parseLong(Files.readAllLines(work.resolve("data/postgres/postmaster.pid")).getFirst().strip());
        new ProcessBuilder("kill", "-KILL", Long.toString(pid)).inheritIO().start().waitFor();
      }, () -> { });
      check("embedded postmaster killed", outage, server.databaseUrl());
    } finally {
      ServerProcess.deleteFolder(work);
    }
  }

  @Test
  @Timeout(120)
  void machinesPostgresqlCutOff() throws Exception {
    TestDatabases.Server external = TestDatabases.externalRequired();
    Path work = Files.createTempDirectory("tuneloop-outage-external");
    try (TestDatabases.TestDatabase database = TestDatabases.create(external);
         Proxy proxy = new Proxy(database.owner())) {
      DatabaseAddress viaProxy = new DatabaseAddress("127.0.0.1", proxy.port(), database.owner().database(),
          database.owner().user(), database.owner().password());
      try (ServerProcess server = ServerProcess.start(work, "--command-rate", "0", "--db", CrashProofIT.url(viaProxy),
          "--app-password", TestDatabases.APP_ROLE.password())) {
        Outage outage = underLoad(server, proxy::cut, proxy::restore);
        check("machine's PostgreSQL cut off for " + OUTAGE_SECONDS + " s", outage, CrashProofIT.url(database.owner()));
      }
    } finally {
      ServerProcess.deleteFolder(work);
    }
  }

  interface Step { void run() throws Exception; }

  record Outage(RatingLoad load, long startedNanos, long endedNanos, long recoveredMillis, long maxAnswerMillis,
                long unavailable, long other5xx) {}

  private static Outage underLoad(ServerProcess server, Step stop, Step resume) throws Exception {
    List<String[]> participants = RatingLoad.enrol(server.url(), server.researcherToken(), PARTICIPANTS);
    RatingLoad load = new RatingLoad(server::url, Duration.ofSeconds(30)).start(participants);
    long started;
    long ended;
    long recovered = -1;
    try {
      Thread.sleep(3_000);
      started = System.nanoTime();
      stop.run();
      Thread.sleep(OUTAGE_SECONDS * 1000L);
      resume.run();
      ended = System.nanoTime();
      // Recovered: the first acknowledged request after the last one that failed, counted from the stop.
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (System.nanoTime() < deadline && recovered < 0) {
        Thread.sleep(100);
        long lastFailure = load.answers.stream().filter(a -> a.status() == 503 || a.status() == 0)
            .mapToLong(RatingLoad.Answer::startedNanos).max().orElse(Long.MAX_VALUE);
        recovered = load.answers.stream().filter(a -> a.status() == 200 && a.startedNanos() > lastFailure)
            .mapToLong(a -> (a.startedNanos() - started) / 1_000_000 + a.millis()).min().orElse(-1);
      }
      Thread.sleep(2_000);
    } finally {
      load.close();
    }
    long maxAnswer = load.answers.stream().mapToLong(RatingLoad.Answer::millis).max().orElse(0);
    long unavailable = load.answers.stream().filter(a -> a.status() == 503).count();
    long other5xx = load.answers.stream().filter(a -> a.status() >= 500 && a.status() != 503).count();
    return new Outage(load, started, ended, recovered, maxAnswer, unavailable, other5xx);
  }

  private static void check(String what, Outage outage, String dbUrl) throws Exception {
    Set<String> stored = new HashSet<>();
    try (Connection c = Db.owner(dbUrl); Statement s = c.createStatement();
         ResultSet r = s.executeQuery("select stream_id, data->>'episode', data->>'step' from events where type = 'TrackRated'")) {
      while (r.next()) stored.add(r.getString(1) + "/" + r.getString(2) + "/" + r.getString(3));
    }
    long lost = outage.load().acknowledged.stream()
        .filter(r -> !stored.contains("participant-" + r.participantId() + "/" + r.episode() + "/" + r.step())).count();
    long doubled = Db.count(dbUrl, "select count(*) from (select 1 from events where type = 'TrackRated'"
        + " group by stream_id, data->>'episode', data->>'step' having count(*) > 1) d");
    System.out.printf("outage proof (%s): %d requests, %d answered 503, %d other 5xx, slowest answer %d ms;"
            + " serving again %d ms after the database went away (it was away for %d ms); %d ratings acknowledged,"
        + " %d lost, %d stored twice%n",
        what, outage.load().answers.size(), outage.unavailable(), outage.other5xx(), outage.maxAnswerMillis(),
        outage.recoveredMillis(), (outage.endedNanos() - outage.startedNanos()) / 1_000_000, outage.load().acknowledged.size(), lost, doubled);
    assertThat(outage.load().unexpected).isEmpty();
    assertThat(outage.unavailable()).as("503 while the database is away").isPositive();
    assertThat(outage.other5xx()).as("other 5xx").isZero();
    assertThat(outage.maxAnswerMillis()).as("slowest answer (ms)").isLessThan(ANSWER_LIMIT_MS);
    long awayMillis = (outage.endedNanos() - outage.startedNanos()) / 1_000_000;
    assertThat(outage.recoveredMillis()).as("recovery (ms) after the stop; -1 is never").isBetween(0L, awayMillis + 30_000L);
    assertThat(lost).as("acknowledged ratings lost").isZero();
    assertThat(doubled).as("steps stored twice").isZero();
  }

  /** A TCP proxy to the database that can be cut (every connection closed, new ones refused) and restored. */
  static final class Proxy implements AutoCloseable {
    private final DatabaseAddress target;
    private final int port;
    private volatile ServerSocket listener;
    private final List<Socket> open = new CopyOnWriteArrayList<>();

    Proxy(DatabaseAddress target) throws IOException {
      this.target = target;
      ServerSocket first = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      this.port = first.getLocalPort();
      listen(first);
    }

    int port() { return port; }

    synchronized void cut() throws IOException {
      listener.close();
      for (Socket s : open) s.close();
      open.clear();
    }

    synchronized void restore() throws IOException {
      ServerSocket again = new ServerSocket();
      again.setReuseAddress(true);
      again.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
      listen(again);
    }

    private void listen(ServerSocket socket) {
      listener = socket;
      Thread acceptor = new Thread(() -> {
        while (!socket.isClosed()) {
          try {
            Socket client = socket.accept();
            Socket upstream = new Socket(target.host(), target.port());
            open.add(client);
            open.add(upstream);
            pipe(client, upstream);
            pipe(upstream, client);
          } catch (IOException e) {
            // closed by cut() or close()
          }
        }
      }, "db-proxy");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    private static void pipe(Socket from, Socket to) {
      Thread t = new Thread(() -> {
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
          in.transferTo(out);
        } catch (IOException e) {
          // one side closed
        } finally {
          try {
            from.close();
            to.close();
          } catch (IOException ignored) {
            // already closed
          }
        }
      }, "db-proxy-pipe");
      t.setDaemon(true);
      t.start();
    }

    @Override public void close() throws IOException { cut(); }
  }
}
