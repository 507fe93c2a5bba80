package org.tuneloop.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** `study bench --quick` runs through on its own embedded PostgreSQL and reports every figure, printed and as JSON. */
class BenchCommandTest {
  private static final Pattern LINE = Pattern.compile("(?m)^([a-z0-9_]+): (\\S+)$");

  @Test
  @Timeout(value = 300, unit = TimeUnit.SECONDS) // under two minutes on 2 free cores; room for a shared machine
  void quickRunPrintsAndWritesEveryFigure(@TempDir Path folder) throws Exception {
    Path json = folder.resolve("bench.json");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = StudyCommand.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
        .execute("bench", "--quick", "--out", json.toString());
    assertThat(exit).as(err.toString()).isZero();

    Map<String, String> printed = new LinkedHashMap<>();
    Matcher m = LINE.matcher(out.toString());
    while (m.find()) {
      printed.put(m.group(1), m.group(2));
    }
    JsonObject written = new JsonObject(Files.readString(json, StandardCharsets.UTF_8));
    for (String name : BenchCommand.REQUIRED) {
      assertThat(printed).as(out.toString()).containsKey(name);
      double value = Double.parseDouble(printed.get(name));
      assertThat(value).as(name).isFinite().isGreaterThanOrEqualTo(0);
      assertThat(written.getValue(name)).as(name).isInstanceOf(Number.class);
      assertThat(((Number) written.getValue(name)).doubleValue()).as(name).isEqualTo(value);
    }
    // The figures beside the ratios and the settings they were measured under.
    for (String name : new String[] {"rating_roundtrip_per_s", "jvm_cpu_ms_per_rating", "server_cpu_ms_per_rating",
        "participants_cpu_ms_per_rating", "raw_per_s", "raw_read_s", "replay_s", "audit_s",
        "cold_loads_during_gc", "cold_loads_while_compiling", "cold_load_warm_up_rounds", "cold_load_warm_up_p99_ms",
        "ready_s", "second_server_ready_s", "monitor_catch_up_s", "study_learning_first_s", "study_learning_again_s",
        "pg_fsync", "pg_synchronous_commit", "pg_full_page_writes", "pg_shared_buffers"}) {
      assertThat(printed).containsKey(name);
      assertThat(written.containsKey(name)).as(name).isTrue();
    }
    // The work measured was really done: ratings answered, the whole log replayed and audited clean.
    assertThat(Double.parseDouble(printed.get("rating_roundtrip_ratio"))).isGreaterThan(0);
    assertThat(Long.parseLong(printed.get("replay_events"))).isGreaterThanOrEqualTo(50_000);
    assertThat(printed.get("audit_mismatches")).isEqualTo("0");
    assertThat(Long.parseLong(printed.get("ratings_500"))).isPositive();
    assertThat(Long.parseLong(printed.get("ratings_2000"))).isPositive();
    assertThat(Long.parseLong(printed.get("cold_load_events"))).isGreaterThan(200);
    assertThat(Long.parseLong(printed.get("cold_load_warm_up_rounds"))).isGreaterThanOrEqualTo(20);
    assertThat(Double.parseDouble(printed.get("ready_s"))).isPositive();
    // The second server's monitor folded the whole log after it was listening.
    assertThat(Double.parseDouble(printed.get("monitor_catch_up_s")))
        .isGreaterThanOrEqualTo(Double.parseDouble(printed.get("second_server_ready_s")));
  }
}
