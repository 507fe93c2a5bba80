package org.tuneloop.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** music, agent and study import no Vert.x and nothing that does I/O (docs/architecture.md). */
class FunctionalCoreIsPureTest {
  private static final Pattern FORBIDDEN = Pattern.compile(
      "^import\\s+(static\\s+)?(io\\.vertx|java\\.nio\\.file|java\\.net|java\\.sql|java\\.io\\.File|"
          + "java\\.io\\.(Input|Output)Stream\\b|java\\.io\\.Reader|java\\.io\\.Writer|java\\.util\\.Random\\b|"
          + "java\\.time\\.Clock|org\\.tuneloop\\.(eventstore|server))", Pattern.MULTILINE);

  @Test
  void theCoreModulesDoNoIo() throws IOException {
    List<String> offences = new ArrayList<>();
    int files = 0;
    for (String module : List.of("music", "agent", "study")) {
      Path src = ServerProcess.repositoryRoot().resolve("services").resolve(module).resolve("src/main/java");
      try (Stream<Path> walk = Files.walk(src)) {
        for (Path file : walk.filter(f -> f.toString().endsWith(".java")).toList()) {
          files++;
          String text = Files.readString(file);
          var m = FORBIDDEN.matcher(text);
          while (m.find()) {
            offences.add(src.relativize(file) + ": " + m.group());
          }
          if (text.contains("System.currentTimeMillis") || text.contains("Instant.now(")) {
            offences.add(src.relativize(file) + ": reads the clock");
          }
        }
      }
    }
    assertThat(files).isGreaterThan(20);
    assertThat(offences).isEmpty();
  }
}
