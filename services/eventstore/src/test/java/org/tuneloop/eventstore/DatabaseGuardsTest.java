package org.tuneloop.eventstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.tuneloop.eventstore.Await.result;

import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.tuneloop.eventstore.testing.TestDatabases;
import org.tuneloop.eventstore.testing.TestDatabases.Server;
import org.tuneloop.eventstore.testing.TestDatabases.TestDatabase;

/** What the database itself enforces, whatever the code does: immutability, privileges, tamper evidence, notify. */
@ParameterizedClass(name = "{0}")
@MethodSource("org.tuneloop.eventstore.testing.TestDatabases#eventStoreBackends")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DatabaseGuardsTest {
  private static final String INSUFFICIENT_PRIVILEGE = "42501";

  @Parameter Server server;
  private StoreOnTestDatabase open;
  private TestDatabase db;
  private EventStore store;

  @BeforeParameterizedClassInvocation
  void open() {
    open = StoreOnTestDatabase.open(server, 4);
    db = open.db();
    store = open.store();
  }

  @AfterParameterizedClassInvocation
  void close() {
    open.close();
  }

  private String appendThree() {
    String stream = "participant-" + UUID.randomUUID();
    List<NewEvent> events = List.of(1, 2, 3).stream()
        .map(i -> new NewEvent(UUID.randomUUID(), "TrackRated", 1, new JsonObject().put("rating", i), new JsonObject()))
        .toList();
    result(store.append(stream, ExpectedVersion.noStream(), events));
    return stream;
  }

  @Test
  void theApplicationRoleCannotUpdateDeleteOrTruncate() throws SQLException {
    String stream = appendThree();
    try (Connection app = db.appConnection(); Statement s = app.createStatement()) {
      assertThat(sqlState(() -> s.executeUpdate("update events set type = 'Forged' where stream_id = '" + stream + "'")))
          .isEqualTo(INSUFFICIENT_PRIVILEGE);
      assertThat(sqlState(() -> s.executeUpdate("delete from events where stream_id = '" + stream + "'")))
          .isEqualTo(INSUFFICIENT_PRIVILEGE);
      assertThat(sqlState(() -> s.executeUpdate("truncate events"))).isEqualTo(INSUFFICIENT_PRIVILEGE);
    }
    assertThat(result(store.readStream(stream, 0))).hasSize(3);
  }

  @Test
  void evenTheOwnerCannotUpdateDeleteOrTruncate() throws SQLException {
    String stream = appendThree();
    try (Connection owner = db.ownerConnection(); Statement s = owner.createStatement()) {
      // The owner has every privilege, so these reach the triggers.
      assertThatThrownBy(() -> s.executeUpdate("update events set type = 'Forged' where stream_id = '" + stream + "'"))
          .hasMessageContaining("events are immutable: UPDATE");
      assertThatThrownBy(() -> s.executeUpdate("delete from events where stream_id = '" + stream + "'"))
          .hasMessageContaining("events are immutable: DELETE");
      assertThatThrownBy(() -> s.executeUpdate("truncate events")).hasMessageContaining("events are immutable: TRUNCATE");
    }
    assertThat(result(store.readStream(stream, 0))).hasSize(3);
  }

  @Test
  void theApplicationRoleMaySelectAndInsertOnly() throws SQLException {
    try (Connection app = db.appConnection(); Statement s = app.createStatement()) {
      assertThat(sqlState(() -> s.execute("create table forged (id int)"))).isEqualTo(INSUFFICIENT_PRIVILEGE);
      assertThat(sqlState(() -> s.execute("alter table events add column forged text"))).isEqualTo(INSUFFICIENT_PRIVILEGE);
      assertThat(sqlState(() -> s.execute("alter table events disable trigger events_no_update_or_delete")))
          .isEqualTo(INSUFFICIENT_PRIVILEGE);
      assertThat(sqlState(() -> s.execute("drop table events"))).isEqualTo(INSUFFICIENT_PRIVILEGE);
      try (ResultSet rs = s.executeQuery("select current_setting('idle_in_transaction_session_timeout')")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("30s");
      }
    }
    try (Connection owner = db.ownerConnection();
         PreparedStatement s = owner.prepareStatement("select has_table_privilege(?, 'events', ?)")) {
      for (String privilege : List.of("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")) {
        s.setString(1, TestDatabases.APP_ROLE.user());
        s.setString(2, privilege);
        try (ResultSet rs = s.executeQuery()) {
          rs.next();
          assertThat(rs.getBoolean(1)).as(privilege).isEqualTo(privilege.equals("SELECT") || privilege.equals("INSERT"));
        }
      }
    }
  }

  @Test
  void verifyReportsAnEventAlteredBehindTheStoresBack() throws SQLException {
    String stream = appendThree();
    assertThat(HashChain.verify(result(store.readStream(stream, 0)))).isEmpty();

    try (Connection owner = db.ownerConnection(); Statement s = owner.createStatement()) {
      owner.setAutoCommit(false);
      s.execute("alter table events disable trigger events_no_update_or_delete");
      s.executeUpdate("update events set data = jsonb_set(data, '{rating}', '5') where stream_id = '" + stream
          + "' and version = 2");
      s.execute("alter table events enable trigger events_no_update_or_delete");
      owner.commit();
    }

    List<String> problems = HashChain.verify(result(store.readStream(stream, 0)));
    assertThat(problems).singleElement().asString().contains("version 2").contains("does not match its content");
  }

  @Test
  void anAppendNotifiesListenersAfterItsCommit() throws Exception {
    try (Connection listener = db.appConnection(); Statement s = listener.createStatement()) {
      s.execute("listen events");
      appendThree();
      PGNotification[] received = listener.unwrap(PGConnection.class).getNotifications(10_000);
      assertThat(received).isNotNull().isNotEmpty();
      assertThat(received[0].getName()).isEqualTo("events");
      assertThat(received[0].getParameter()).isEmpty();
      // The notification comes from the store after its commit, not from a trigger inside the writing transaction
      // (which would serialise commits on PostgreSQL's notify lock).
      try (Connection owner = db.ownerConnection(); Statement insert = owner.createStatement()) {
        insert.execute("select count(*) from pg_trigger where tgrelid = 'events'::regclass and tgname = 'events_notify'");
        var rs = insert.getResultSet();
        rs.next();
        assertThat(rs.getInt(1)).isZero();
      }
    }
  }

  @Test
  void notificationsAreSpacedYetOneFollowsTheLastAppend() throws Exception {
    EventStore spaced = new EventStore(open.pool(), open.vertx());
    try (Connection listener = db.appConnection(); Statement s = listener.createStatement()) {
      s.execute("listen events");
      PGConnection pg = listener.unwrap(PGConnection.class);
      int appends = 60;
      for (int i = 0; i < appends; i++) {
        result(spaced.append("participant-" + UUID.randomUUID(), ExpectedVersion.noStream(), List.of(
            new NewEvent(UUID.randomUUID(), "TrackRated", 1, new JsonObject().put("rating", i % 10 + 1),
                new JsonObject()))));
      }
      // Appends one after the other take a few milliseconds each: far fewer notifications than appends.
      int received = 0;
      PGNotification[] batch;
      while ((batch = pg.getNotifications(500)) != null && batch.length > 0) {
        received += batch.length;
      }
      assertThat(received).isBetween(1, appends / 2);
      // Quiet now: the next append is notified (after at most the spacing), not left for the poll.
      long started = System.nanoTime();
      result(spaced.append("participant-" + UUID.randomUUID(), ExpectedVersion.noStream(), List.of(
          new NewEvent(UUID.randomUUID(), "TrackRated", 1, new JsonObject().put("rating", 5), new JsonObject()))));
      PGNotification[] after = pg.getNotifications(5_000);
      assertThat(after).isNotNull().isNotEmpty();
      assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(1_000);
    }
  }

  @Test
  void migratingAgainAppliesNothing() {
    assertThat(Migrations.migrate(db.owner(), TestDatabases.APP_ROLE)).isZero();
  }

  interface SqlAction { void run() throws SQLException; }

  private static String sqlState(SqlAction action) {
    try {
      action.run();
    } catch (SQLException e) {
      return e.getSQLState();
    }
    throw new AssertionError("the statement was allowed");
  }
}
