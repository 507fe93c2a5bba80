package org.tuneloop.eventstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CursorTest {

  @Test
  void encodesAndDecodes() {
    Cursor cursor = new Cursor(7_123_456_789L, 42);
    assertThat(cursor.encode()).isEqualTo("7123456789-42");
    assertThat(Cursor.decode(cursor.encode())).isEqualTo(cursor);
    assertThat(Cursor.decode(Cursor.START.encode())).isEqualTo(Cursor.START);
    assertThat(Cursor.decode(new Cursor(Long.MAX_VALUE, Long.MAX_VALUE).encode()))
        .isEqualTo(new Cursor(Long.MAX_VALUE, Long.MAX_VALUE));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "-", "1", "1-", "-1", "a-1", "1-b", "1--2", "-1-2", "1-2-3", " 1-2", "1-2 ",
      "99999999999999999999-1", "9223372036854775808-0", "١-٢"})
  void rejectsGarbage(String text) {
    assertThatThrownBy(() -> Cursor.decode(text)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rejectsNull() {
    assertThatThrownBy(() -> Cursor.decode(null)).isInstanceOf(IllegalArgumentException.class);
  }
}
