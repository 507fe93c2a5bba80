package org.tuneloop.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SharedMapTest {

  @Test
  void everyVersionIsTheMapItsPutsMadeInOrderAndStaysSoAfterLaterPuts() {
    Random random = new Random(7);
    SharedMap<String, Integer> shared = SharedMap.empty();
    LinkedHashMap<String, Integer> plain = new LinkedHashMap<>();
    List<SharedMap<String, Integer>> versions = new ArrayList<>();
    List<Map<String, Integer>> expected = new ArrayList<>();
    // Past several chain lengths, with keys put again (they keep their first place).
    for (int i = 0; i < 5 * SharedMap.CHAIN + 3; i++) {
      String key = "k" + random.nextInt(40);
      shared = shared.put(key, i);
      plain.put(key, i);
      versions.add(shared);
      expected.add(new LinkedHashMap<>(plain));
      assertThat(shared.get(key)).isEqualTo(i);
    }
    for (int v = 0; v < versions.size(); v++) {
      Map<String, Integer> map = versions.get(v).asMap();
      assertThat(map).isEqualTo(expected.get(v));
      assertThat(new ArrayList<>(map.keySet())).isEqualTo(new ArrayList<>(expected.get(v).keySet()));
      for (String key : List.of("k0", "k1", "k17", "k39", "absent")) {
        assertThat(versions.get(v).get(key)).isEqualTo(expected.get(v).get(key));
      }
    }
  }

  @Test
  void aQTableFoldedOneUpdateAtATimeEqualsTheSameUpdatesAndCountsTheirVisits() {
    QTable table = QTable.empty();
    QTable before = table;
    QKey first = null;
    for (int i = 0; i < 3 * SharedMap.CHAIN; i++) {
      QKey key = new QKey("s" + (i % 7), "a" + (i % 3));
      if (first == null) first = key;
      table = table.with(key, i);
      if (i == 10) before = table;
    }
    assertThat(table.size()).isEqualTo(21);
    assertThat(table.value(first)).isEqualTo(84.0);
    assertThat(table.visits().of(first)).isEqualTo(5);
    assertThat(table.visits().ofState("s0")).isEqualTo(14);
    assertThat(before.size()).isEqualTo(11);
    assertThat(before.visits().of(first)).isEqualTo(1);
    assertThat(table.entries().keySet().iterator().next()).isEqualTo(first);
  }
}
