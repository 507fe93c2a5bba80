package org.tuneloop.eventstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tuneloop.eventstore.testing.TestDatabases;

class EmbeddedDatabaseTest {
  @TempDir Path folder;

  @AfterEach
  void noServerLeftBehind() throws Exception {
    EmbeddedDatabase.stopLeftover(folder.resolve("data"));
  }

  @Test
  void isDurableAndKeepsItsDataAcrossARestart() throws Exception {
    Path data = folder.resolve("data");
    try (EmbeddedDatabase db = EmbeddedDatabase.start(data); Connection c = TestDatabases.connect(db.owner())) {
      assertThat(show(c, "fsync")).isEqualTo("on");
      assertThat(show(c, "synchronous_commit")).isEqualTo("on");
      assertThat(show(c, "full_page_writes")).isEqualTo("on");
      assertThat(Integer.parseInt(show(c, "server_version_num"))).isGreaterThanOrEqualTo(150000);
      try (Statement s = c.createStatement()) {
        s.execute("create table kept (note text)");
        s.execute("insert into kept values ('before restart')");
      }
    }
    assertThat(data.resolve("postmaster.pid")).doesNotExist();

    try (EmbeddedDatabase db = EmbeddedDatabase.start(data); Connection c = TestDatabases.connect(db.owner())) {
      assertThat(notes(c)).containsExactly("before restart");
    }
  }

  @Test
  void startsOverAServerLeftRunningByAKilledProcess() throws Exception {
    Path data = folder.resolve("data");
    // The first server belongs to a child JVM, killed with SIGKILL: no shutdown hook stops its PostgreSQL.
    Process child = new ProcessBuilder(javaCommand(), "-cp", System.getProperty("java.class.path"),
        KilledServerChild.class.getName(), data.toString())
        .redirectError(folder.resolve("child.log").toFile())
        .start();
    try {
      String line = CompletableFuture.supplyAsync(() -> readLine(child)).get(90, TimeUnit.SECONDS);
      assertThat(line).as("child output (see child.log)").isEqualTo(KilledServerChild.READY);
    } finally {
      child.destroyForcibly();
      child.waitFor(30, TimeUnit.SECONDS);
    }
    long leftover = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).getFirst().strip());
    assertThat(ProcessHandle.of(leftover).map(ProcessHandle::isAlive)).as("orphaned postmaster").contains(true);

    try (EmbeddedDatabase db = EmbeddedDatabase.start(data); Connection c = TestDatabases.connect(db.owner())) {
      assertThat(notes(c)).containsExactly("written by the killed process");
    }
    assertThat(ProcessHandle.of(leftover).map(ProcessHandle::isAlive).orElse(false)).isFalse();
  }

  @Test
  void ignoresAStalePidFile() throws Exception {
    Path data = folder.resolve("data");
    EmbeddedDatabase.start(data).close();
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    Files.writeString(data.resolve("postmaster.pid"), gone.pid() + "\n" + data + "\n");

    try (EmbeddedDatabase db = EmbeddedDatabase.start(data); Connection c = TestDatabases.connect(db.owner())) {
      assertThat(show(c, "fsync")).isEqualTo("on");
    }
  }

  @Test
  void refusesAFolderInUse() {
    Path data = folder.resolve("data");
    try (EmbeddedDatabase db = EmbeddedDatabase.start(data)) {
      assertThatThrownBy(() -> EmbeddedDatabase.start(data)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("in use");
      try (Connection c = TestDatabases.connect(db.owner())) {
        assertThat(show(c, "fsync")).isEqualTo("on"); // the running server was left alone
      } catch (SQLException e) {
        throw new AssertionError(e);
      }
    }
  }

  @Test
  void refusesTheSuperuserWithoutItsPasswordWhichOnlyItsOwnerMayRead() throws Exception {
    Path data = folder.resolve("data");
    try (EmbeddedDatabase db = EmbeddedDatabase.start(data)) {
      DatabaseAddress owner = db.owner();
      assertThat(owner.password()).isNotEmpty();
      assertThatThrownBy(() -> TestDatabases.connect(owner.as("postgres", "")).close())
          .isInstanceOf(SQLException.class).hasMessageContaining("password");
      assertThatThrownBy(() -> TestDatabases.connect(owner.as("postgres", "guessed")).close())
          .isInstanceOf(SQLException.class).hasMessageContaining("password authentication failed");
      try (Connection c = TestDatabases.connect(owner)) {
        assertThat(show(c, "unix_socket_directories")).isEmpty(); // no socket, so no peer or trust path either
      }
      Path file = data.resolve(EmbeddedDatabase.PASSWORD_FILE);
      assertThat(Files.readString(file).strip()).isEqualTo(owner.password());
      assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
          .isEqualTo("rw-------");
    }
    try (EmbeddedDatabase again = EmbeddedDatabase.start(data)) {
      assertThat(again.owner().password()).as("kept and reused").isEqualTo(Files.readString(
          data.resolve(EmbeddedDatabase.PASSWORD_FILE)).strip());
    }
  }

  @Test
  void aFolderThatStillTrustsEveryoneIsConvertedAtItsNextStart() throws Exception {
    Path data = folder.resolve("data");
    try (EmbeddedDatabase db = EmbeddedDatabase.start(data); Connection c = TestDatabases.connect(db.owner());
         Statement s = c.createStatement()) {
      s.execute("create table kept (note text)");
      s.execute("insert into kept values ('from an older version')");
    }
    // What zonky's initdb (and every earlier version of this class) left: trust, no password file.
    Files.writeString(data.resolve("pg_hba.conf"), "local all all trust\nhost all all 127.0.0.1/32 trust\n"
        + "host all all ::1/128 trust\n");
    Files.delete(data.resolve(EmbeddedDatabase.PASSWORD_FILE));

    try (EmbeddedDatabase db = EmbeddedDatabase.start(data); Connection c = TestDatabases.connect(db.owner())) {
      assertThat(notes(c)).containsExactly("from an older version");
      assertThatThrownBy(() -> TestDatabases.connect(db.owner().as("postgres", "")).close())
          .isInstanceOf(SQLException.class);
      assertThat(Files.readString(data.resolve("pg_hba.conf"))).doesNotContain("trust");
    }
  }

  private static String show(Connection c, String setting) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("show " + setting)) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static List<String> notes(Connection c) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select note from kept")) {
      List<String> notes = new java.util.ArrayList<>();
      while (rs.next()) notes.add(rs.getString(1));
      return notes;
    }
  }

  private static String javaCommand() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static String readLine(Process process) {
    try {
      return new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)).readLine();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
