package org.tuneloop.eventstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.pgclient.PgConnectOptions;
import org.junit.jupiter.api.Test;

class DatabaseAddressTest {

  @Test
  void parsesTheLibpqForm() {
    assertThat(DatabaseAddress.parse("postgresql://postgres:postgres@localhost:5432/postgres"))
        .isEqualTo(new DatabaseAddress("localhost", 5432, "postgres", "postgres", "postgres"));
    assertThat(DatabaseAddress.parse("postgres://app:p%40ss%2Fw+rd%3A@db.example:6543/tuneloop?sslmode=require"))
        .isEqualTo(new DatabaseAddress("db.example", 6543, "tuneloop", "app", "p@ss/w+rd:"));
  }

  @Test
  void parsesTheJdbcForm() {
    assertThat(DatabaseAddress.parse("jdbc:postgresql://10.0.0.5:5433/study?user=owner&password=a%26b+c"))
        .isEqualTo(new DatabaseAddress("10.0.0.5", 5433, "study", "owner", "a&b c"));
  }

  @Test
  void appliesDefaults() {
    assertThat(DatabaseAddress.parse("postgresql://dbhost/study"))
        .isEqualTo(new DatabaseAddress("dbhost", 5432, "study", "postgres", ""));
    assertThat(DatabaseAddress.parse("postgresql://me@dbhost"))
        .isEqualTo(new DatabaseAddress("dbhost", 5432, "me", "me", ""));
    assertThat(DatabaseAddress.parse("postgresql://[::1]:5440/x"))
        .isEqualTo(new DatabaseAddress("::1", 5440, "x", "postgres", ""));
  }

  @Test
  void rejectsOtherUrls() {
    assertThatThrownBy(() -> DatabaseAddress.parse("mysql://localhost/x")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DatabaseAddress.parse("postgresql://h:port/x")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DatabaseAddress.parse("postgresql://u:secret@h:99999/x"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("secret");
  }

  @Test
  void jdbcUrlAndConnectOptions() {
    DatabaseAddress address = new DatabaseAddress("::1", 5440, "my db", "u", "p");
    assertThat(address.jdbcUrl()).isEqualTo("jdbc:postgresql://[::1]:5440/my+db");
    PgConnectOptions options = new DatabaseAddress("h", 5433, "d", "u", "p").connectOptions();
    assertThat(options.getHost()).isEqualTo("h");
    assertThat(options.getPort()).isEqualTo(5433);
    assertThat(options.getDatabase()).isEqualTo("d");
    assertThat(options.getUser()).isEqualTo("u");
    assertThat(options.getPassword()).isEqualTo("p");
    assertThat(address.toString()).doesNotContain("p@").isEqualTo("postgresql://u@::1:5440/my db");
  }
}
