package org.tuneloop.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** docs/codebook.md is what the code generates, and every file's columns are named once. */
class ExportCodebookTest {
  @Test
  void theCodebookPageIsGeneratedFromTheDefinitions() throws Exception {
    String doc = Files.readString(ServerProcess.repositoryRoot().resolve("docs/codebook.md"));
    assertThat(doc).as("docs/codebook.md differs from the code: regenerate it with ./study export --codebook")
        .isEqualTo(ExportCodebook.markdown());
  }

  @Test
  void everyColumnIsNamedOnceWithAMeaning() {
    for (ExportRun.Format format : ExportRun.Format.values()) {
      for (ExportCodebook.Table table : ExportCodebook.tables(format)) {
        Set<String> names = new HashSet<>();
        for (ExportCodebook.Column c : table.columns()) {
          assertThat(names.add(c.name())).as(table.file() + " names " + c.name() + " once").isTrue();
          assertThat(c.meaning()).as(table.file() + "." + c.name()).isNotBlank();
        }
      }
    }
  }
}
