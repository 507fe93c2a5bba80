package org.tuneloop.eventstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tuneloop.eventstore.Await.result;

import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.tuneloop.eventstore.testing.TestDatabases;

/** Checkpoints of every stream's head on real PostgreSQL, written as the application role. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CheckpointsTest {
  private StoreOnTestDatabase open;

  @BeforeAll
  void open() {
    open = StoreOnTestDatabase.open(TestDatabases.preferred(), 4);
  }

  @AfterAll
  void close() {
    open.close();
  }

  private static NewEvent event(int n) {
    return new NewEvent(UUID.randomUUID(), "T", 1, new JsonObject().put("n", n), new JsonObject());
  }

  private void append(String stream, int count) {
    List<NewEvent> events = new ArrayList<>();
    for (int i = 0; i < count; i++) events.add(event(i));
    result(open.store().append(stream, ExpectedVersion.any(), events));
  }

  @Test
  void checkpointsFoldIntoOneChainThatVouchesForEveryHead() throws Exception {
    Checkpoints checkpoints = new Checkpoints(open.pool());
    String prefix = "cp-" + UUID.randomUUID() + "-";
    append(prefix + "a", 3);
    append(prefix + "b", 2);
    Checkpoints.Checkpoint first = result(checkpoints.write("test")).orElseThrow();
    assertThat(first.moved()).extracting(Checkpoints.Head::streamId).contains(prefix + "a", prefix + "b");
    assertThat(result(checkpoints.write("test"))).as("the log did not move").isEmpty();

    append(prefix + "a", 1);
    Checkpoints.Checkpoint second = result(new Checkpoints(open.pool()).write("another process")).orElseThrow();
    assertThat(second.id()).isEqualTo(first.id() + 1);
    assertThat(second.prevHash()).isEqualTo(first.hash());
    assertThat(second.moved()).singleElement().satisfies(h -> {
      assertThat(h.streamId()).isEqualTo(prefix + "a");
      assertThat(h.version()).isEqualTo(4);
    });
    // The first writer's cache is behind: it refolds and chains on the other's checkpoint.
    append(prefix + "b", 1);
    Checkpoints.Checkpoint third = result(checkpoints.write("test")).orElseThrow();
    assertThat(third.prevHash()).isEqualTo(second.hash());

    Checkpoints.ChainCheck checked = Checkpoints.check(result(checkpoints.all()));
    assertThat(checked.problems()).isEmpty();
    assertThat(checked.heads().get(prefix + "a").version()).isEqualTo(4);
    assertThat(checked.heads().get(prefix + "b").version()).isEqualTo(3);
    assertThat(checked.heads().values()).containsAll(result(open.store().heads(prefix)));

    Checkpoints.Snapshot latest = result(checkpoints.latest()).orElseThrow();
    Checkpoints.Snapshot read = Checkpoints.Snapshot.fromJson(new JsonObject(latest.toJson().encode()));
    assertThat(Checkpoints.check(read)).isEmpty();
    assertThat(read.checkpoint().hash()).isEqualTo(third.hash());
    assertThat(read.heads()).isEqualTo(latest.heads());

    // A head changed in the file no longer gives the file's root.
    JsonObject forged = latest.toJson();
    forged.getJsonArray("heads").getJsonObject(0).put("version", 99);
    assertThat(Checkpoints.check(Checkpoints.Snapshot.fromJson(forged)))
        .extracting(Checkpoints.Problem::check).contains("checkpoint file root");

    // The owner edits a checkpoint's heads behind the application's back: its root no longer recomputes.
    try (Connection c = open.db().ownerConnection(); var s = c.createStatement()) {
      s.execute("alter table checkpoints disable trigger user");
      s.executeUpdate("update checkpoints set heads = '[]' where id = " + second.id());
      s.execute("alter table checkpoints enable trigger user");
    }
    assertThat(Checkpoints.check(result(checkpoints.all())).problems())
        .extracting(Checkpoints.Problem::checkpointId, Checkpoints.Problem::check)
        .contains(org.assertj.core.groups.Tuple.tuple(second.id(), "checkpoint root"));
  }

  @Test
  void theApplicationRoleCannotChangeACheckpoint() throws Exception {
    Checkpoints checkpoints = new Checkpoints(open.pool());
    append("cp-immutable-" + UUID.randomUUID(), 1);
    Optional<Checkpoints.Checkpoint> written = result(checkpoints.write("test"));
    assertThat(written).isPresent();
    try (Connection c = open.db().appConnection(); var s = c.createStatement()) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.executeUpdate("delete from checkpoints"))
          .isInstanceOf(java.sql.SQLException.class);
    }
  }

  @Test
  void theRootIsAMerkleTreeOverHeadsInStreamOrder() {
    byte[] h = new byte[32];
    var a = new Checkpoints.Head("a", 1, h);
    var b = new Checkpoints.Head("b", 2, h);
    var c = new Checkpoints.Head("c", 3, h);
    assertThat(Checkpoints.root(List.of())).isEqualTo(HashChain.genesis());
    assertThat(Checkpoints.root(List.of(c, a, b))).isEqualTo(Checkpoints.root(List.of(a, b, c)));
    assertThat(Checkpoints.root(List.of(a, b))).isNotEqualTo(Checkpoints.root(List.of(a, b, c)));
    assertThat(Checkpoints.root(List.of(a, new Checkpoints.Head("b", 3, h), c)))
        .isNotEqualTo(Checkpoints.root(List.of(a, b, c)));
  }
}
