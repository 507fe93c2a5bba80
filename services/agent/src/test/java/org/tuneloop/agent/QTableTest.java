package org.tuneloop.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class QTableTest {
  private final QKey a = new QKey("60:1:35|62:1:38", "pitch-up@0");
  private final QKey b = new QKey("60:1:35|62:1:38", "remove-note@1");
  private final QKey c = new QKey("61:1:35|62:1:38", "pitch-up@0");

  @Test
  void aTableRebuiltFromItsEntriesAndVisitsIsTheSameTable() {
    QTable folded = QTable.empty(2.5).with(b, 0.5).with(a, 1.0).with(b, 0.25).with(c, -1.0).with(a, 3.0);
    Visits visits = Visits.of(folded.visits().pairs());
    QTable rebuilt = QTable.of(folded.entries(), visits, folded.initial());
    assertThat(rebuilt).isEqualTo(folded);
    assertThat(rebuilt.entries().keySet()).containsExactly(b, a, c);
    assertThat(visits.pairs().keySet()).containsExactlyElementsOf(folded.visits().pairs().keySet());
    assertThat(visits.of(a)).isEqualTo(2);
    assertThat(visits.ofState(a.state())).isEqualTo(folded.visits().ofState(a.state())).isEqualTo(4);
    assertThat(visits.ofState(c.state())).isEqualTo(1);
    assertThat(rebuilt.value(new QKey("unseen", "x"))).isEqualTo(2.5);
    // Rebuilt, it goes on as the folded one does.
    assertThat(rebuilt.with(c, 0.5)).isEqualTo(folded.with(c, 0.5));
    assertThat(Visits.of(java.util.Map.of())).isEqualTo(Visits.none());
    assertThatThrownBy(() -> Visits.of(java.util.Map.of(a, 0))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> QTable.of(java.util.Map.of(a, Double.NaN), Visits.none(), 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void absentKeysAreWorthZero() {
    assertThat(QTable.empty().value(a)).isZero();
    assertThat(QTable.empty().contains(a)).isFalse();
    assertThat(QTable.empty().size()).isZero();
  }

  @Test
  void withReturnsACopyAndLeavesTheOriginal() {
    QTable one = QTable.empty().with(a, 0.7);
    QTable two = one.with(a, 1.5);
    assertThat(one.value(a)).isEqualTo(0.7);
    assertThat(two.value(a)).isEqualTo(1.5);
    assertThat(two.size()).isEqualTo(1);
    assertThat(QTable.empty().size()).isZero();
  }

  @Test
  void entriesKeepInsertionOrderAndCannotBeChanged() {
    QTable q = QTable.empty().with(c, 3).with(a, 1).with(b, 2).with(c, 4);
    assertThat(q.entries().keySet()).containsExactly(c, a, b);
    assertThat(q.entries().values()).containsExactly(4.0, 1.0, 2.0);
    assertThatThrownBy(() -> q.entries().put(a, 9.0)).isInstanceOf(UnsupportedOperationException.class);
    assertThat(q.contains(b)).isTrue();
  }

  @Test
  void rejectsNonFiniteValues() {
    assertThatThrownBy(() -> QTable.empty().with(a, Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> QTable.empty().with(a, Double.POSITIVE_INFINITY))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void equalityIsByEntries() {
    assertThat(QTable.empty().with(a, 1).with(b, 2)).isEqualTo(QTable.empty().with(b, 2).with(a, 1));
    assertThat(QTable.empty().with(a, 1)).isNotEqualTo(QTable.empty().with(a, 2));
  }
}
