package org.tuneloop.eventstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tuneloop.eventstore.Await.failure;
import static org.tuneloop.eventstore.Await.result;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;
import org.tuneloop.eventstore.testing.TestDatabases;
import org.tuneloop.eventstore.testing.TestDatabases.Server;
import org.tuneloop.eventstore.testing.TestDatabases.TestDatabase;

/** The event store on real PostgreSQL, as the application role: the embedded server, and the external one if set. */
@ParameterizedClass(name = "{0}")
@MethodSource("org.tuneloop.eventstore.testing.TestDatabases#eventStoreBackends")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EventStoreTest {
  @Parameter Server server;
  private StoreOnTestDatabase open;
  private TestDatabase db;
  private EventStore store;

  @BeforeParameterizedClassInvocation
  void open() {
    open = StoreOnTestDatabase.open(server, 12);
    db = open.db();
    store = open.store();
  }

  @AfterParameterizedClassInvocation
  void close() {
    open.close();
  }

  private static String newStream() { return "participant-" + UUID.randomUUID(); }

  private static NewEvent event(String type, JsonObject data) {
    return new NewEvent(UUID.randomUUID(), type, 1, data, new JsonObject().put("request_id", "r-" + UUID.randomUUID()));
  }

  private static NewEvent event(int n) { return event("TrackRated", new JsonObject().put("n", n)); }

  @Test
  void newEventsAreHashedWithTheirMetadataAndPageThroughAStream() throws Exception {
    String stream = newStream();
    result(store.append(stream, ExpectedVersion.noStream(), IntStream.rangeClosed(1, 5).mapToObj(EventStoreTest::event)
        .toList()));
    List<StoredEvent> all = result(store.readStream(stream, 0));
    assertThat(all).allSatisfy(e -> assertThat(e.hashVersion()).isEqualTo(HashChain.CURRENT_VERSION));
    assertThat(HashChain.check(all)).isEmpty();
    assertThat(result(store.readStream(stream, 1, 2))).extracting(StoredEvent::version).containsExactly(2, 3);
    assertThat(result(store.readStream(stream, 4, 10))).extracting(StoredEvent::version).containsExactly(5);
    assertThat(result(store.heads(stream))).singleElement().satisfies(h -> {
      assertThat(h.version()).isEqualTo(5);
      assertThat(h.hash()).isEqualTo(all.getLast().hash());
    });

    // The owner edits one metadata field behind the store's back: the hash no longer matches.
    try (Connection c = db.ownerConnection(); var s = c.createStatement()) {
      s.execute("alter table events disable trigger user");
      s.executeUpdate("update events set metadata = jsonb_set(metadata, '{request_id}', '\"forged\"')"
          + " where stream_id = '" + stream + "' and version = 3");
      s.execute("alter table events enable trigger user");
    }
    assertThat(HashChain.check(result(store.readStream(stream, 0)))).singleElement().satisfies(b -> {
      assertThat(b.version()).isEqualTo(3);
      assertThat(b.check()).isEqualTo("hash");
    });
  }

  @Test
  void aTransactionAppendsToTwoStreamsTogetherOrNotAtAll() {
    String study = "study-" + UUID.randomUUID();
    String participant = newStream();
    result(store.transaction(tx -> tx.lock(study)
        .compose(locked -> tx.append(study, ExpectedVersion.noStream(), List.of(event(1))))
        .compose(a -> tx.append(participant, ExpectedVersion.noStream(), List.of(event(2))))));
    assertThat(result(store.readStream(study, 0))).hasSize(1);
    assertThat(result(store.readStream(participant, 0))).hasSize(1);

    String other = newStream();
    Throwable conflict = failure(store.transaction(tx -> tx.append(other, ExpectedVersion.noStream(), List.of(event(3)))
        .compose(a -> tx.append(study, ExpectedVersion.noStream(), List.of(event(4))))));
    assertThat(conflict).isInstanceOf(VersionConflict.class);
    assertThat(result(store.readStream(other, 0))).as("rolled back with the conflict").isEmpty();
  }

  @Test
  void aStreamLockSerialisesReadDecideAppendAcrossConcurrentTransactions() {
    String study = "study-" + UUID.randomUUID();
    // Each transaction reads the stream under the lock and appends at the version it read: without the lock most
    // of them would conflict; with it every one lands, in turn.
    List<Future<AppendResult>> all = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      all.add(store.transaction(tx -> tx.lock(study)
          .compose(locked -> tx.readStream(study, 0))
          .compose(read -> tx.append(study, read.isEmpty() ? ExpectedVersion.noStream()
              : ExpectedVersion.exact(read.getLast().version()), List.of(event(read.size()))))));
    }
    result(Future.all(all));
    assertThat(result(store.readStream(study, 0))).extracting(e -> e.data().getInteger("n"))
        .containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
  }

  @Test
  void appendsAndReadsAStream() {
    String stream = newStream();
    NewEvent first = event(1);
    NewEvent second = event("QValueUpdated", new JsonObject().put("after", 0.25));

    AppendResult appended = result(store.append(stream, ExpectedVersion.noStream(), List.of(first, second)));

    assertThat(appended.streamId()).isEqualTo(stream);
    assertThat(appended.lastVersion()).isEqualTo(2);
    assertThat(appended.duplicate()).isFalse();
    List<StoredEvent> events = result(store.readStream(stream, 0));
    assertThat(events).extracting(StoredEvent::version).containsExactly(1, 2);
    assertThat(events).extracting(StoredEvent::eventId).containsExactly(first.eventId(), second.eventId());
    assertThat(events.get(1).position()).isEqualTo(appended.lastPosition());
    assertThat(events.get(0).position()).isLessThan(events.get(1).position());
    assertThat(events.get(1).type()).isEqualTo("QValueUpdated");
    assertThat(events.get(1).data()).isEqualTo(second.data());
    assertThat(events.get(1).metadata()).isEqualTo(second.metadata());
    assertThat(events.get(0).recordedAt()).isEqualTo(events.get(1).recordedAt()); // one time per append
    assertThat(events.get(0).txId()).isEqualTo(events.get(1).txId()).isPositive();
    assertThat(HashChain.verify(events)).isEmpty();

    assertThat(result(store.readStream(stream, 1))).extracting(StoredEvent::eventId).containsExactly(second.eventId());
    assertThat(result(store.readStream(stream, 2))).isEmpty();
    assertThat(result(store.readStream(newStream(), 0))).isEmpty();
    assertThat(result(store.find(first.eventId()))).get().extracting(StoredEvent::version).isEqualTo(1);
    assertThat(result(store.find(UUID.randomUUID()))).isEmpty();
  }

  @Test
  void expectedVersionNoStreamExactAndAny() {
    String stream = newStream();
    // Exact on a stream that does not exist yet.
    assertThat(failure(store.append(stream, ExpectedVersion.exact(1), List.of(event(0))))).isInstanceOf(VersionConflict.class);
    // exact(0) is NoStream.
    assertThat(result(store.append(stream, ExpectedVersion.exact(0), List.of(event(1)))).lastVersion()).isEqualTo(1);

    VersionConflict conflict = (VersionConflict) failure(store.append(stream, ExpectedVersion.noStream(), List.of(event(2))));
    assertThat(conflict.streamId()).isEqualTo(stream);
    assertThat(conflict.expected()).isEqualTo(ExpectedVersion.noStream());
    assertThat(failure(store.append(stream, ExpectedVersion.exact(2), List.of(event(2))))).isInstanceOf(VersionConflict.class);

    assertThat(result(store.append(stream, ExpectedVersion.exact(1), List.of(event(2), event(3)))).lastVersion()).isEqualTo(3);
    assertThat(result(store.append(stream, ExpectedVersion.any(), List.of(event(4)))).lastVersion()).isEqualTo(4);
    String fresh = newStream();
    assertThat(result(store.append(fresh, ExpectedVersion.any(), List.of(event(1)))).lastVersion()).isEqualTo(1);

    // A refused append wrote nothing.
    List<StoredEvent> events = result(store.readStream(stream, 0));
    assertThat(events).extracting(StoredEvent::version).containsExactly(1, 2, 3, 4);
    assertThat(HashChain.verify(events)).isEmpty();
  }

  @Test
  void rejectsMalformedAppends() {
    String stream = newStream();
    assertThat(failure(store.append(stream, ExpectedVersion.noStream(), List.of()))).isInstanceOf(IllegalArgumentException.class);
    NewEvent once = event(1);
    assertThat(failure(store.append(stream, ExpectedVersion.noStream(), List.of(once, once))))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(failure(store.append(" ", ExpectedVersion.noStream(), List.of(event(1)))))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(result(store.readStream(stream, 0))).isEmpty();
  }

  @Test
  void concurrentAppendsWithTheSameExpectedVersionHaveOneWinner() {
    String stream = newStream();
    result(store.append(stream, ExpectedVersion.noStream(), List.of(event(0))));

    List<Future<AppendResult>> racers = IntStream.range(0, 8)
        .mapToObj(i -> store.append(stream, ExpectedVersion.exact(1), List.of(event(i), event(100 + i))))
        .toList();
    result(Future.join(racers).otherwiseEmpty());

    List<AppendResult> won = racers.stream().filter(Future::succeeded).map(Future::result).toList();
    List<Throwable> lost = racers.stream().filter(Future::failed).map(Future::cause).toList();
    assertThat(won).hasSize(1);
    assertThat(won.getFirst().lastVersion()).isEqualTo(3);
    assertThat(lost).hasSize(7).allSatisfy(t -> assertThat(t).isInstanceOf(VersionConflict.class));
    List<StoredEvent> events = result(store.readStream(stream, 0));
    assertThat(events).extracting(StoredEvent::version).containsExactly(1, 2, 3);
    assertThat(HashChain.verify(events)).isEmpty();
  }

  @Test
  void concurrentAppendsWithAnyAllLand() {
    String stream = newStream();
    List<Future<AppendResult>> writers = IntStream.range(0, 4)
        .mapToObj(i -> store.append(stream, ExpectedVersion.any(), List.of(event(i))))
        .toList();
    result(Future.all(writers));
    List<StoredEvent> events = result(store.readStream(stream, 0));
    assertThat(events).extracting(StoredEvent::version).containsExactly(1, 2, 3, 4);
    assertThat(HashChain.verify(events)).isEmpty();
  }

  @Test
  void aRetriedEventIdIsStoredOnce() throws Exception {
    String stream = newStream();
    List<NewEvent> command = List.of(event(1), event(2));
    AppendResult first = result(store.append(stream, ExpectedVersion.noStream(), command));
    long before = countEvents();

    // The retry still believes the stream is new: it must get the first answer, not a conflict.
    AppendResult retry = result(store.append(stream, ExpectedVersion.noStream(), command));

    assertThat(retry).isEqualTo(new AppendResult(stream, first.lastVersion(), first.lastPosition(), true));
    assertThat(countEvents()).isEqualTo(before);
    // Later appends do not change what a retry of the first command answers.
    result(store.append(stream, ExpectedVersion.exact(2), List.of(event(3))));
    assertThat(result(store.append(stream, ExpectedVersion.exact(7), command))).isEqualTo(retry);
  }

  @Test
  void appendAfterAHeadChainsWithoutReadingAndTheConstraintsCatchAStaleHead() throws Exception {
    String stream = newStream();
    EventStore.Appended first = result(store.appendAfter(stream, StreamHead.EMPTY, List.of(event(1), event(2))));
    assertThat(first.result().lastVersion()).isEqualTo(2);
    assertThat(first.head().version()).isEqualTo(2);
    List<StoredEvent> stored = result(store.readStream(stream, 0));
    assertThat(first.head().hash()).isEqualTo(stored.getLast().hash());
    assertThat(first.result().lastPosition()).isEqualTo(stored.getLast().position());

    EventStore.Appended second = result(store.appendAfter(stream, first.head(), List.of(event(3))));
    assertThat(second.head().version()).isEqualTo(3);
    assertThat(HashChain.verify(result(store.readStream(stream, 0)))).isEmpty();

    // A writer still holding the first head lost the race: a conflict, and none of its rows stored, though the
    // first of them (version 3) is what collides and the second (version 4) would have fitted.
    long before = countEvents();
    assertThat(failure(store.appendAfter(stream, first.head(), List.of(event(4), event(5)))))
        .isInstanceOf(VersionConflict.class);
    assertThat(countEvents()).isEqualTo(before);
    // The same for a batch whose last row collides: one implicit transaction, all or nothing.
    String other = newStream();
    result(store.appendAfter(other, StreamHead.EMPTY, List.of(event(1), event(2))));
    NewEvent fresh = event(6);
    assertThat(failure(store.appendAfter(other, new StreamHead(1, result(store.readStream(other, 0)).getFirst().hash()),
        List.of(fresh)))).isInstanceOf(VersionConflict.class);
    assertThat(result(store.find(fresh.eventId()))).isEmpty();

    // A retry of a stored batch, from a stale head or the current one, answers as the first append did.
    List<NewEvent> command = List.of(event(7), event(8));
    EventStore.Appended stored7 = result(store.appendAfter(stream, second.head(), command));
    EventStore.Appended retry = result(store.appendAfter(stream, second.head(), command));
    assertThat(retry.result()).isEqualTo(new AppendResult(stream, 5, stored7.result().lastPosition(), true));
    assertThat(retry.head()).isNull();
    assertThat(result(store.appendAfter(stream, stored7.head(), command)).result().duplicate()).isTrue();
    assertThat(HashChain.verify(result(store.readStream(stream, 0)))).isEmpty();
  }

  @Test
  void theDataReadOfAStreamIsItsFullReadWithoutMetadataIdsAndLinks() {
    String stream = newStream();
    result(store.append(stream, ExpectedVersion.noStream(), IntStream.rangeClosed(1, 4).mapToObj(EventStoreTest::event)
        .toList()));
    List<StoredEvent> full = result(store.readStream(stream, 1));
    List<EventData> data = result(store.readStreamData(stream, 1));
    assertThat(data).hasSize(3);
    for (int i = 0; i < data.size(); i++) {
      StoredEvent f = full.get(i);
      EventData d = data.get(i);
      assertThat(List.of(d.version(), d.type(), d.schemaVersion(), d.data(), d.recordedAt()))
          .isEqualTo(List.of(f.version(), f.type(), f.schemaVersion(), f.data(), f.recordedAt()));
      assertThat(d.hash()).isEqualTo(f.hash());
    }
  }

  @Test
  void racingRetriesOfOneCommandStoreItOnce() throws Exception {
    String stream = newStream();
    List<NewEvent> command = List.of(event(1), event(2));
    long before = countEvents();

    List<Future<AppendResult>> tries = IntStream.range(0, 6)
        .mapToObj(i -> store.append(stream, ExpectedVersion.noStream(), command))
        .toList();
    List<AppendResult> results = new ArrayList<>();
    for (Future<AppendResult> t : tries) results.add(result(t));

    assertThat(results).filteredOn(r -> !r.duplicate()).hasSize(1);
    AppendResult stored = results.stream().filter(r -> !r.duplicate()).findFirst().orElseThrow();
    assertThat(results).allSatisfy(r -> {
      assertThat(r.lastVersion()).isEqualTo(2);
      assertThat(r.lastPosition()).isEqualTo(stored.lastPosition());
    });
    assertThat(countEvents()).isEqualTo(before + 2);
  }

  @Test
  void theHashChainSurvivesTheJsonbRoundTrip() {
    JsonObject data = new JsonObject()
        .put("tenth", 0.1)
        .put("small", 1e-5)
        .put("tiny", 1e-7)
        .put("huge", 1e21)
        .put("big", 2e20)
        .put("wide", 4.611686018427388E18) // a double above 2^53: jsonb gives it back as an integer
        .put("long", 1_152_921_504_606_846_977L)
        .put("negative", -42)
        .put("whole", 3.0)
        .put("exact", new BigDecimal("12.50"))
        .put("float", 0.1f)
        .put("text", "é 日本 🎵 \"quoted\" \\ tab\t line\n \u2028 \u0001")
        .put("zebra", new JsonObject().put("b", 1).put("a", new JsonArray().add(2).add("x").add(true).addNull()))
        .put("nested", new JsonObject().put("z", new JsonObject().put("y", 1).put("x", 2)).put("Z", 0).put("é", 1))
        .putNull("nothing");
    String stream = newStream();
    NewEvent first = event("TrackRated", data);
    result(store.append(stream, ExpectedVersion.noStream(), List.of(first, event(2))));
    result(store.append(stream, ExpectedVersion.exact(2), List.of(event("Unicode", new JsonObject().put("日本", "é")))));

    List<StoredEvent> events = result(store.readStream(stream, 0));

    assertThat(HashChain.verify(events)).isEmpty();
    StoredEvent stored = events.getFirst();
    // jsonb really did rewrite the text; the canonical form did not change.
    assertThat(stored.data().encode()).isNotEqualTo(data.encode());
    assertThat(CanonicalJson.encode(stored.data())).isEqualTo(CanonicalJson.encode(data));
    assertThat(stored.data().getString("text")).isEqualTo(data.getString("text"));
  }

  @Test
  void readAllNeverSkipsALateCommit() throws Exception {
    String streamA = newStream();
    String streamB = newStream();
    try (Connection a = db.appConnection()) {
      // Transaction A takes the lower position and stays open.
      a.setAutoCommit(false);
      insertFirstEvent(a, streamA, event(1));

      // Transaction B appends after it and commits.
      result(store.append(streamB, ExpectedVersion.noStream(), List.of(event(2))));
      long positionA = positionOf(a, streamA);
      assertThat(result(store.readStream(streamB, 0)).getFirst().position()).isGreaterThan(positionA);

      // The reader must stop before A, so B is not returned either.
      List<StoredEvent> seen = readAllOf(Cursor.START, Set.of(streamA, streamB));
      assertThat(seen).isEmpty();

      a.commit();
    }
    List<StoredEvent> seen = readAllOf(Cursor.START, Set.of(streamA, streamB));
    assertThat(seen).extracting(StoredEvent::streamId).containsExactly(streamA, streamB);
    assertThat(HashChain.verify(seen.subList(0, 1))).isEmpty();
  }

  @Test
  void readAllPagesThroughTheLogOnce() {
    Set<UUID> appended = new HashSet<>();
    for (int i = 0; i < 5; i++) {
      List<NewEvent> batch = List.of(event(i), event(10 + i));
      batch.forEach(e -> appended.add(e.eventId()));
      result(store.append(newStream(), ExpectedVersion.noStream(), batch));
    }
    List<StoredEvent> all = new ArrayList<>();
    Cursor cursor = Cursor.START;
    while (true) {
      EventStore.LogPage page = result(store.readAll(cursor, 3));
      assertThat(page.events()).hasSizeLessThanOrEqualTo(3);
      if (page.events().isEmpty()) {
        assertThat(page.next()).isEqualTo(cursor);
        break;
      }
      assertThat(page.next()).isEqualTo(page.events().getLast().cursor());
      all.addAll(page.events());
      cursor = Cursor.decode(page.next().encode()); // as a client would hand it back
    }
    assertThat(all).extracting(StoredEvent::eventId).doesNotHaveDuplicates().containsAll(appended);
    for (int i = 1; i < all.size(); i++) {
      StoredEvent prev = all.get(i - 1);
      StoredEvent next = all.get(i);
      assertThat(next.txId() > prev.txId() || (next.txId() == prev.txId() && next.position() > prev.position()))
          .as("log order at %s", next.cursor()).isTrue();
    }
    assertThat(failure(store.readAll(Cursor.START, 0))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void streamIdsByPrefix() {
    String prefix = "study-" + UUID.randomUUID() + "/";
    for (String id : List.of("p-2", "p-10", "p-1", "q-1")) {
      result(store.append(prefix + id, ExpectedVersion.noStream(), List.of(event(1), event(2))));
    }
    result(store.append("other-" + prefix + "p-1", ExpectedVersion.noStream(), List.of(event(1))));

    assertThat(result(store.streamIds(prefix + "p-")))
        .containsExactly(prefix + "p-1", prefix + "p-10", prefix + "p-2");
    assertThat(result(store.streamIds(prefix))).hasSize(4);
    // LIKE's wildcards are plain characters here.
    assertThat(result(store.streamIds(prefix + "%"))).isEmpty();
    assertThat(result(store.streamIds(prefix + "_-1"))).isEmpty();
  }

  /** The readAll pages from the cursor to the end, keeping only the given streams' events. */
  private List<StoredEvent> readAllOf(Cursor from, Set<String> streams) {
    List<StoredEvent> kept = new ArrayList<>();
    Cursor cursor = from;
    while (true) {
      EventStore.LogPage page = result(store.readAll(cursor, 100));
      if (page.events().isEmpty()) return kept;
      page.events().stream().filter(e -> streams.contains(e.streamId())).forEach(kept::add);
      cursor = page.next();
    }
  }

  /** Inserts version 1 of a stream with a valid hash, on a JDBC connection whose transaction the caller controls. */
  private static void insertFirstEvent(Connection c, String stream, NewEvent e) throws Exception {
    Instant at = Instant.now().truncatedTo(ChronoUnit.MICROS);
    byte[] prev = HashChain.genesis();
    byte[] hash = HashChain.hash(prev, stream, 1, e.eventId(), e.type(), e.schemaVersion(), at, e.data());
    try (PreparedStatement s = c.prepareStatement("insert into events (stream_id, version, event_id, type,"
        + " schema_version, data, metadata, recorded_at, prev_hash, hash)"
        + " values (?, 1, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?)")) {
      s.setString(1, stream);
      s.setObject(2, e.eventId());
      s.setString(3, e.type());
      s.setInt(4, e.schemaVersion());
      s.setString(5, e.data().encode());
      s.setString(6, e.metadata().encode());
      s.setObject(7, OffsetDateTime.ofInstant(at, ZoneOffset.UTC));
      s.setBytes(8, prev);
      s.setBytes(9, hash);
      s.executeUpdate();
    }
  }

  private static long positionOf(Connection c, String stream) throws Exception {
    try (PreparedStatement s = c.prepareStatement("select position from events where stream_id = ?")) {
      s.setString(1, stream);
      try (ResultSet rs = s.executeQuery()) {
        assertThat(rs.next()).isTrue();
        return rs.getLong(1);
      }
    }
  }

  private long countEvents() throws Exception {
    try (Connection c = db.ownerConnection(); ResultSet rs = c.createStatement().executeQuery("select count(*) from events")) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
