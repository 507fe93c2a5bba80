package org.tuneloop.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.tuneloop.eventstore.testing.TestDatabases;
import org.tuneloop.eventstore.testing.TestDatabases.TestDatabase;

/**
 * docs/analysis/rating_trajectory.py on the export of a simulated study draws its PNG. Without python3 and pandas
 * the test is skipped, except under CI=true, where .ci/run installs them and their absence is a failure.
 */
class ExportAnalysisIT {
  @TempDir
  Path folder;

  private static String python;

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void theAnalysisExampleDrawsTheRatingTrajectoryOfAnExport() throws Exception {
    // python3 on the PATH, else Debian's (where python3-pandas installs, when another python3 comes first).
    python = "python3";
    boolean ready = python("-c", "import pandas, matplotlib").exit() == 0;
    if (!ready && Files.isExecutable(Path.of("/usr/bin/python3"))) {
      python = "/usr/bin/python3";
      ready = python("-c", "import pandas, matplotlib").exit() == 0;
    }
    if ("true".equals(System.getenv("CI"))) {
      assertThat(ready).as("python3 with pandas and matplotlib (.ci/run installs them)").isTrue();
    }
    assumeTrue(ready, "python3 with pandas and matplotlib is not installed");

    Path export = folder.resolve("export");
    try (TestDatabase database = TestDatabases.fresh()) {
      Vertx vertx = Vertx.vertx();
      try {
        InProcessServer server = InProcessServer.deploy(vertx, database.appPool(vertx, 4), database,
            "http://localhost");
        Researchers.Researcher researcher = InProcessServer.await(server.platform.researchers.create(
            "analysis@example.org", Researchers.Role.RESEARCHER, "not-a-password-hash"));
        String token = InProcessServer.await(server.platform.apiTokens.issue(researcher.id(), "analysis")).token();
        String url = "http://localhost:" + server.port;
        ExportTest.Run sim = ExportTest.run("simulate", "--url", url, "--token", token, "--protocol",
            ServerProcess.testProtocol("pilot-training-only.yaml").toString(), "--participants", "8",
            "--episodes", "3");
        assertThat(sim.exit()).as(sim.err()).isZero();
        Matcher m = Pattern.compile("of study (\\S+) ").matcher(sim.out());
        assertThat(m.find()).isTrue();
        ExportTest.Run exported = ExportTest.run("export", "--study", m.group(1), "--out", export.toString(), "--url",
            url, "--token", token);
        assertThat(exported.exit()).as(exported.err()).isZero();
      } finally {
        InProcessServer.await(vertx.close());
      }
    }

    Path png = folder.resolve("trajectory.png");
    Result drawn = python(ServerProcess.repositoryRoot().resolve("docs/analysis/rating_trajectory.py").toString(),
        export.toString(), png.toString());
    assertThat(drawn.exit()).as(drawn.output()).isZero();
    assertThat(drawn.output()).contains("wrote " + png);
    byte[] bytes = Files.readAllBytes(png);
    assertThat(bytes.length).isGreaterThan(1000);
    assertThat(new String(bytes, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
    // Both arms, three episodes each.
    assertThat(drawn.output().lines().filter(l -> l.matches("\\s*[AB]\\s+[123]\\s.*"))).hasSize(6);
  }

  private record Result(int exit, String output) {}

  private static Result python(String... args) throws Exception {
    java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(python));
    command.addAll(java.util.List.of(args));
    Process p;
    try {
      p = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (java.io.IOException absent) {
      return new Result(-1, String.valueOf(absent.getMessage()));
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
    return new Result(p.exitValue(), out);
  }
}
