package org.tuneloop.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `./study` finds a JDK 21+ by itself, or says what to install. */
class StudyScriptTest {
  private static final Path JDK17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64");

  private record Run(int exit, String output) {}

  private static Run study(Map<String, String> env, String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of(ServerProcess.repositoryRoot().resolve("study").toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(env);
    Process p = builder.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), out.trim());
  }

  private static int major(Path javaHome) throws Exception {
    Process p = new ProcessBuilder(javaHome.resolve("bin/java").toString(), "-XshowSettings:properties", "-version")
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return Integer.parseInt(out.lines().filter(l -> l.contains("java.specification.version"))
        .findFirst().orElseThrow().replaceAll("\\D+", ""));
  }

  @Test
  void findsAJdk21OrNewerWhenJavaHomePointsAtAnOlderOne() throws Exception {
    String older = Files.isDirectory(JDK17) ? JDK17.toString() : "/nonexistent";
    Run run = study(Map.of("JAVA_HOME", older), "java");
    assertThat(run.exit()).as(run.output()).isZero();
    Path found = Path.of(run.output().lines().reduce((a, b) -> b).orElseThrow());
    assertThat(major(found)).isGreaterThanOrEqualTo(21);
    assertThat(found.toString()).isNotEqualTo(older);
  }

  @Test
  void keepsAJavaHomeThatIsNewEnough() throws Exception {
    Path current = Path.of(System.getProperty("java.home"));
    Run run = study(Map.of("JAVA_HOME", current.toString()), "java");
    assertThat(run.exit()).isZero();
    assertThat(run.output()).isEqualTo(current.toString());
  }

  @Test
  void saysWhatToInstallWhenThereIsNoJdk21(@TempDir Path empty) throws Exception {
    // A PATH with the shell tools the script needs but no java, and no JDKs where it looks.
    Path bin = Files.createDirectories(empty.resolve("bin"));
    for (String tool : List.of("bash", "sed", "head", "readlink", "dirname", "env")) {
      for (String dir : List.of("/usr/bin", "/bin")) {
        if (Files.isExecutable(Path.of(dir, tool)) && !Files.exists(bin.resolve(tool))) {
          Files.createSymbolicLink(bin.resolve(tool), Path.of(dir, tool));
        }
      }
    }
    Run run = study(Map.of("JAVA_HOME", JDK17.toString(), "PATH", bin.toString(),
        "STUDY_JVM_ROOT", Files.createDirectories(empty.resolve("jvm")).toString()), "java");
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.output()).contains("no JDK 21 or newer found").contains("JAVA_HOME").contains("Install");
  }
}
