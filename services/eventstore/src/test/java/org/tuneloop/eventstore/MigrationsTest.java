package org.tuneloop.eventstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tuneloop.eventstore.testing.TestDatabases;
import org.tuneloop.eventstore.testing.TestDatabases.Server;

class MigrationsTest {

  @ParameterizedTest(name = "{0}")
  @MethodSource("org.tuneloop.eventstore.testing.TestDatabases#eventStoreBackends")
  void createsTheApplicationRoleWithAnAwkwardPassword(Server server) throws SQLException {
    String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    String database = "tuneloop_test_m" + suffix;
    Migrations.AppRole role = new Migrations.AppRole("tuneloop_test_role_" + suffix, "it's $$ a \"pass\" \\ é");
    DatabaseAddress owner = server.owner().database(database);
    try (Connection c = TestDatabases.connect(server.owner()); Statement s = c.createStatement()) {
      s.execute("create database " + database);
    }
    try {
      assertThat(Migrations.migrate(owner, role)).isPositive();
      assertThat(Migrations.migrate(owner, role)).isZero();

      try (Connection app = TestDatabases.connect(owner.as(role.user(), role.password()));
           ResultSet rs = app.createStatement().executeQuery("select count(*) from events")) {
        rs.next();
        assertThat(rs.getLong(1)).isZero();
      }
      if (!server.name().equals("embedded")) { // zonky's initdb trusts every local connection
        assertThatThrownBy(() -> TestDatabases.connect(owner.as(role.user(), "wrong")).close())
            .isInstanceOf(SQLException.class);
      }
    } finally {
      try (Connection c = TestDatabases.connect(server.owner()); Statement s = c.createStatement()) {
        s.execute("drop database if exists " + database + " with (force)");
        s.execute("drop role if exists " + role.user());
      }
    }
  }

  @Test
  void refusesRoleNamesAndPasswordsThatWouldBreakTheSql() {
    assertThatThrownBy(() -> new Migrations.AppRole("app; drop table events", "x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Migrations.AppRole("App", "x")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Migrations.AppRole("app", "a$app_role$b")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Migrations.AppRole("app", "")).isInstanceOf(IllegalArgumentException.class);
    assertThat(new Migrations.AppRole("app", "s3cret").toString()).doesNotContain("s3cret");
  }
}
