package org.tuneloop.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.tuneloop.eventstore.DatabaseAddress;
import org.tuneloop.eventstore.EmbeddedDatabase;
import org.tuneloop.eventstore.Migrations;
import org.tuneloop.eventstore.testing.TestDatabases;

/**
 * The application role's password (docs/operations.md): never a default. An external database needs it configured,
 * the embedded one generates and keeps its own, and the configured one reaches the role at every start.
 */
@Timeout(180)
class AppRolePasswordIT {
  @TempDir Path folder;

  @Test
  void anExternalDatabaseWithoutTheSecretIsRefusedInOneSentence() throws Exception {
    try (TestDatabases.TestDatabase database = TestDatabases.fresh()) {
      String url = url(database.owner());
      for (List<String> command : List.of(List.of("serve", "--port", "0", "--db", url), List.of("migrate", "--db", url))) {
        Run run = study(command);
        assertThat(run.exitCode()).as(run.output()).isNotZero();
        assertThat(run.output()).as(command.getFirst()).contains(Platform.APP_PASSWORD_MISSING)
            .doesNotContain("Exception").doesNotContain("Tuneloop is ready");
      }
    }
  }

  @Test
  void aChangedPasswordReachesTheRoleAtTheNextStart() throws Exception {
    try (TestDatabases.TestDatabase database = TestDatabases.fresh()) {
      String url = url(database.owner());
      try {
        try (Platform first = Platform.open(url, folder, "first-secret-" + System.nanoTime())) {
          assertThat(Platform.await(first.pool().query("select 1").execute()).size()).isEqualTo(1);
        }
        String second = "second-secret-" + System.nanoTime();
        try (Platform restarted = Platform.open(url, folder, second)) {
          assertThat(Platform.await(restarted.pool().query("select current_user").execute()).iterator().next()
              .getString(0)).isEqualTo(Migrations.AppRole.USER);
        }
        try (Connection c = TestDatabases.connect(database.app().as(Migrations.AppRole.USER, second))) {
          assertThat(c.isValid(5)).isTrue();
        }
        assertThatThrownBy(() -> TestDatabases.connect(database.app()).close()).isInstanceOf(SQLException.class)
            .hasMessageContaining("password authentication failed");
      } finally {
        // The role is cluster-wide: give it back the password the other tests connect with.
        Migrations.applyPassword(database.owner(), TestDatabases.APP_ROLE);
      }
    }
  }

  @Test
  void theEmbeddedDatabaseGeneratesItsSecretsOnceAndKeepsThemForItsOwnerOnly() throws Exception {
    Path app = folder.resolve(Platform.APP_PASSWORD_FILE);
    Path superuser = folder.resolve("postgres").resolve(EmbeddedDatabase.PASSWORD_FILE);
    DatabaseAddress owner;
    try (Platform platform = Platform.open(null, folder, null)) {
      owner = platform.owner();
      assertThat(Platform.await(platform.pool().query("select 1").execute()).size()).isEqualTo(1);
    }
    for (Path file : List.of(app, superuser)) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).as(file.toString())
          .isEqualTo("rw-------");
    }
    String appPassword = Files.readString(app).strip();
    assertThat(appPassword).hasSizeGreaterThanOrEqualTo(40).isNotEqualTo(Migrations.AppRole.USER);
    try (Platform again = Platform.open(null, folder, null)) {
      assertThat(Files.readString(app).strip()).as("reused").isEqualTo(appPassword);
      try (Connection c = TestDatabases.connect(again.owner().as(Migrations.AppRole.USER, appPassword))) {
        assertThat(c.isValid(5)).isTrue();
      }
      assertThatThrownBy(() -> TestDatabases.connect(again.owner().as("postgres", "")).close())
          .isInstanceOf(SQLException.class);
      assertThat(again.owner().password()).isEqualTo(owner.password());
    }
  }

  private static String url(DatabaseAddress owner) {
    return "postgresql://" + enc(owner.user()) + ":" + enc(owner.password()) + "@" + owner.host() + ":" + owner.port()
        + "/" + owner.database();
  }

  private static String enc(String s) { return URLEncoder.encode(s, StandardCharsets.UTF_8); }

  private record Run(int exitCode, String output) {}

  /** `./study ...` with no TUNELOOP_APP_PASSWORD in its environment. */
  private Run study(List<String> args) throws Exception {
    List<String> command = new ArrayList<>(List.of(ServerProcess.repositoryRoot().resolve("study").toString()));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).directory(folder.toFile()).redirectErrorStream(true);
    builder.environment().remove("TUNELOOP_APP_PASSWORD");
    String jar = System.getProperty("tuneloop.jar");
    if (jar != null) {
      builder.environment().put("STUDY_JAR", jar);
    }
    Process p = builder.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("did not finish:\n" + out);
    }
    return new Run(p.exitValue(), out);
  }
}
