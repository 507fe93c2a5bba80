package org.tuneloop.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tuneloop.server.InProcessServer.await;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tuneloop.eventstore.EventData;
import org.tuneloop.eventstore.testing.TestDatabases;
import org.tuneloop.eventstore.testing.TestDatabases.TestDatabase;
import org.tuneloop.study.Participant;
import org.tuneloop.study.ParticipantCommand;
import org.tuneloop.study.ParticipantDecider;
import org.tuneloop.study.ParticipantEvent;
import org.tuneloop.study.StudyDecider;
import org.tuneloop.study.Supervision;

/**
 * Snapshots are a cache of folding, never the truth: a participant loaded from a snapshot and the events after it
 * is the participant folded from the whole log, whatever version the snapshot was taken at; a snapshot of other
 * code, a garbled one, or none at all changes nothing but the time a load takes.
 */
@Timeout(240)
class ParticipantSnapshotsTest {
  private static final String TRAINING_ONLY = StudyCommand.resource("/protocols/pilot-training-only.yaml");
  private static final String PILOT = StudyCommand.resource("/study-protocols/pilot.yaml");
  private static final ParticipantDecider DECIDER = new ParticipantDecider();
  private static final Supervision SUPERVISION = new Supervision();
  private static final Instant NOW = Instant.parse("2030-01-01T12:00:00Z");

  private static TestDatabase database;
  private static Vertx vertx;
  private static Pool pool;
  private static InProcessServer server;

  @BeforeAll
  static void start() {
    database = TestDatabases.fresh();
    vertx = Vertx.vertx();
    pool = database.appPool(vertx, 4);
    // The whole pilot is walked faster than a person could: no rate limit on its commands.
    server = InProcessServer.deploy(vertx, pool, database, "http://localhost", ConnectionGuard.Limits.standard(),
        new CommandRate(10_000, java.time.Duration.ofSeconds(1)));
  }

  @AfterAll
  static void stop() {
    await(pool.close());
    await(vertx.close());
    database.close();
  }

  private static String study(String protocol) {
    String studyId = "snap-" + UUID.randomUUID().toString().substring(0, 8);
    await(server.platform.studies.create(studyId, protocol, "researcher"));
    await(server.platform.studies.change(studyId, new StudyDecider.Command.Open("researcher")));
    return studyId;
  }

  private static Studies.Joined join(String studyId) {
    return await(server.platform.studies.join(studyId, new Studies.Entry("link", null, null, false, null, null)));
  }

  private static Participants.Loaded handle(String id, ParticipantCommand command) {
    return await(server.platform.participants.handle(id, command, UUID.randomUUID().toString(), new JsonObject()))
        .loaded();
  }

  /** A participant of the training-only pilot who goes on training past the required episodes, then finishes. */
  private static String longTraining(int events) {
    String id = join(study(TRAINING_ONLY)).participantId();
    handle(id, new ParticipantCommand.AnswerConsent("1.0", true));
    Participants.Loaded loaded = handle(id, new ParticipantCommand.ChooseStartParameters(60, "major", 4, 200,
        Instant.now()));
    int n = 0;
    while (loaded.version() < events) {
      if (loaded.state() instanceof Participant.Training t) {
        // Varied ratings: a run of identical ones would call for a break.
        loaded = handle(id, new ParticipantCommand.RateTrack(t.episode(), t.step(), 1 + (n++ * 7) % 10, null,
            Instant.now()));
      } else {
        assertThat(loaded.state()).isInstanceOf(Participant.BetweenEpisodes.class);
        loaded = handle(id, new ParticipantCommand.ContinueTraining(Instant.now()));
      }
    }
    while (loaded.state() instanceof Participant.Training t) {
      loaded = handle(id, new ParticipantCommand.RateTrack(t.episode(), t.step(), 1 + (n++ * 7) % 10, null,
          Instant.now()));
    }
    handle(id, new ParticipantCommand.FinishTraining(Instant.now()));
    return id;
  }

  /** A participant through the whole pilot over HTTP: the blocks, training, the evaluation and the debrief. */
  private static String wholePilot() {
    Studies.Joined joined = join(study(PILOT));
    String id = joined.participantId();
    Api api = new Api("http://localhost:" + server.port, joined.token());
    JsonObject session = api.startTraining(id, new JsonObject().put("baseNote", 60).put("scale", "major")
        .put("length", 4).put("tempo", 200));
    int n = 0;
    int episodes = 0;
    while (session.getString("phase").equals("training") || session.getString("phase").equals("between-episodes")) {
      if (session.getString("phase").equals("between-episodes")) {
        // Four episodes, two more than the protocol asks.
        if (++episodes == 4) break;
        Api.Reply next = api.post("/api/participants/" + id + "/episodes", null, UUID.randomUUID().toString());
        assertThat(next.status()).as(next.body()).isEqualTo(200);
        session = next.json();
        continue;
      }
      Api.Reply rated = api.rate(id, session, 1 + (n++ * 3) % 10);
      assertThat(rated.status()).as(rated.body()).isEqualTo(200);
      session = rated.json();
    }
    Api.Reply finished = api.post("/api/participants/" + id + "/finish", null, UUID.randomUUID().toString());
    assertThat(finished.status()).as(finished.body()).isEqualTo(200);
    session = api.throughBlocksAfterTraining(id, finished.json());
    assertThat(session.getString("phase")).isEqualTo("finished");
    return id;
  }

  @Test
  void aLoadFromASnapshotAtAnyVersionIsTheWholeLogFolded() {
    for (String id : List.of(longTraining(230), wholePilot())) {
      assertSnapshotsFoldAsTheLog(id, 9);
    }
  }

  /** Every learner, policy, reward and encoder of the open questions' arms (the linear weights among them). */
  @Test
  void everyArmOfTheOpenQuestionsComesBackFromItsSnapshots() {
    String studyId = study(StudyCommand.resource("/study-protocols/open-questions.yaml"));
    java.util.Set<String> arms = new java.util.TreeSet<>();
    boolean linear = false;
    for (int p = 0; p < 11; p++) {
      String id = join(studyId).participantId();
      Participants.Loaded loaded = handle(id, new ParticipantCommand.AnswerConsent("1.0", true));
      Participant.ChoosingParameters choosing = (Participant.ChoosingParameters) loaded.state();
      arms.add(choosing.enrolment().settings().arm());
      org.tuneloop.music.StartParameters start = choosing.enrolment().settings().startParameters().defaults();
      loaded = handle(id, new ParticipantCommand.ChooseStartParameters(start.baseNote(),
          start.scale().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'), start.length(), start.tempo(),
          Instant.now()));
      int n = 0;
      while (loaded.version() < 60 || loaded.state() instanceof Participant.Training) {
        if (loaded.state() instanceof Participant.Training t) {
          linear |= t.learnt() instanceof org.tuneloop.agent.Learnt.Linear;
          n++;
          loaded = handle(id, new ParticipantCommand.RateTrack(t.episode(), t.step(), 1 + (n * 7) % 10, 900L, null,
              null, null, Instant.now(), 1 + n % 5, 1 + (n * 3) % 5, 1 + (n * 2) % 5));
        } else {
          loaded = handle(id, new ParticipantCommand.ContinueTraining(Instant.now()));
        }
      }
      assertSnapshotsFoldAsTheLog(id, 17);
    }
    assertThat(arms).hasSize(11);
    assertThat(linear).isTrue();
  }

  /**
   * Folds the participant's log event by event: every state comes back from its snapshot's bytes as it was, and
   * every {@code loadEvery}th a load from a snapshot at that version is the whole log folded.
   */
  private static void assertSnapshotsFoldAsTheLog(String id, int loadEvery) {
    String stream = Participants.streamId(id);
    List<EventData> events = await(server.platform.store.readStreamData(stream, 0));
    assertThat(events.size()).isGreaterThan(40);
    Participant state = DECIDER.initialState();
    Supervision.State supervision = SUPERVISION.initialState();
    int loads = 0;
    for (EventData e : events) {
      ParticipantEvent event = EventCodec.decode(e.type(), e.schemaVersion(), e.data());
      state = DECIDER.evolve(state, event);
      supervision = SUPERVISION.evolve(supervision, event);
      SnapshotCodec.Content back = SnapshotCodec.decode(SnapshotCodec.encode(state, supervision));
      assertThat(back.state()).as("state at %d", e.version()).isEqualTo(state);
      assertThat(back.supervision()).isEqualTo(supervision);
      assertThat(nextDecisions(back.state())).isEqualTo(nextDecisions(state));
      if (e.version() % loadEvery == 1 || e.version() == events.size()) {
        // Loaded from the snapshot at this version and the events after it, by a server that never saw it.
        delete(stream);
        await(server.platform.store.snapshots().save(stream, e.version(), SnapshotCodec.CODE_VERSION,
            SnapshotCodec.encode(state, supervision)));
        Metrics metrics = Metrics.unread();
        Participants.Loaded fromSnapshot = await(new Participants(server.platform.store, "t", metrics).load(id));
        assertThat(metrics.snapshotHits.count()).as("snapshot at %d used", e.version()).isEqualTo(1.0);
        // A long tail leaves a snapshot of its own; let it land before the next one is put in its place.
        if (fromSnapshot.version() - e.version() >= Participants.SNAPSHOT_EVERY) written(metrics);
        assertSame(fromSnapshot, replayed(id));
        loads++;
      }
    }
    assertThat(loads).isGreaterThan(2);
  }

  @Test
  void commandsLeaveSnapshotsThatLoadsStartFrom() {
    String id = longTraining(230);
    String stream = Participants.streamId(id);
    // Written after the commands answered: give the last one a moment.
    long deadline = System.currentTimeMillis() + 10_000;
    while (snapshotVersion(stream) < 200 && System.currentTimeMillis() < deadline) {
      sleep(50);
    }
    assertThat(snapshotVersion(stream)).isBetween(200, 210);
    Metrics metrics = Metrics.unread();
    Participants.Loaded loaded = await(new Participants(server.platform.store, "t", metrics).load(id));
    assertThat(metrics.snapshotHits.count()).isEqualTo(1.0);
    assertThat(metrics.snapshotRead.count()).isEqualTo(1);
    assertSame(loaded, replayed(id));
  }

  @Test
  void aSnapshotOfOtherCodeIsIgnored() {
    String id = longTraining(120);
    String stream = Participants.streamId(id);
    await(server.platform.store.snapshots().save(stream, 110, "another build", SnapshotCodec.encode(
        DECIDER.initialState(), SUPERVISION.initialState())));
    Metrics metrics = Metrics.unread();
    Participants.Loaded loaded = await(new Participants(server.platform.store, "t", metrics).load(id));
    assertThat(metrics.snapshotHits.count()).isZero();
    assertThat(metrics.snapshotMisses.count()).isEqualTo(1.0);
    assertSame(loaded, replayed(id));
  }

  @Test
  void aGarbledSnapshotIsIgnoredAndTheLogFolded() {
    String id = longTraining(120);
    String stream = Participants.streamId(id);
    Participants.Loaded truth = replayed(id);
    byte[] good = SnapshotCodec.encode(truth.state(), truth.supervision());
    byte[] flipped = good.clone();
    flipped[good.length / 2] ^= 0x5A;
    byte[] cut = java.util.Arrays.copyOf(good, good.length - 20);
    List<byte[]> garbles = List.of(flipped, cut, "not a snapshot at all".getBytes(), new byte[0]);
    for (int i = 0; i < garbles.size(); i++) {
      byte[] garbled = garbles.get(i);
      delete(stream);
      await(server.platform.store.snapshots().save(stream, truth.version(), SnapshotCodec.CODE_VERSION, garbled));
      Metrics metrics = Metrics.unread();
      Participants.Loaded loaded = await(new Participants(server.platform.store, "t", metrics).load(id));
      written(metrics);
      assertThat(metrics.snapshotsUnusable.count()).as("garbled %d", i).isEqualTo(1.0);
      assertThat(metrics.snapshotHits.count()).isZero();
      assertSame(loaded, truth);
    }
  }

  @Test
  void aSnapshotOfAnEventNotInTheLogIsIgnored() {
    String id = longTraining(120);
    String stream = Participants.streamId(id);
    Participants.Loaded truth = replayed(id);
    delete(stream);
    await(pool.preparedQuery("insert into participant_snapshots (stream_id, version, code_version, state)"
        + " values ($1, $2, $3, $4)").execute(Tuple.of(stream, truth.version() + 50, SnapshotCodec.CODE_VERSION,
        io.vertx.core.buffer.Buffer.buffer(SnapshotCodec.encode(truth.state(), truth.supervision())))));
    Metrics metrics = Metrics.unread();
    assertSame(await(new Participants(server.platform.store, "t", metrics).load(id)), truth);
    assertThat(metrics.snapshotHits.count()).isZero();
  }

  @Test
  void forgettingEverySnapshotChangesNothing() {
    String id = longTraining(230);
    Participants.Loaded before = await(new Participants(server.platform.store, "t").load(id));
    assertThat(await(server.platform.store.snapshots().clear())).isPositive();
    Metrics metrics = Metrics.unread();
    Participants.Loaded after = await(new Participants(server.platform.store, "t", metrics).load(id));
    assertThat(metrics.snapshotMisses.count()).isEqualTo(1.0);
    assertSame(after, before);
    assertSame(after, replayed(id));
  }

  /** The participant folded from the whole log. */
  private static Participants.Loaded replayed(String id) {
    return await(Participants.withoutSnapshots(server.platform.store, "replay").load(id));
  }

  private static void assertSame(Participants.Loaded loaded, Participants.Loaded replayed) {
    assertThat(loaded.version()).isEqualTo(replayed.version());
    assertThat(loaded.state()).isEqualTo(replayed.state());
    assertThat(loaded.supervision()).isEqualTo(replayed.supervision());
    assertThat(loaded.lastEventAt()).isEqualTo(replayed.lastEventAt());
    assertThat(loaded.head().hash()).isEqualTo(replayed.head().hash());
    assertThat(nextDecisions(loaded.state())).isEqualTo(nextDecisions(replayed.state()));
  }

  /** What the decider makes of the commands a participant could send next: the events, or the refusal. */
  private static List<String> nextDecisions(Participant state) {
    List<ParticipantCommand> commands = new ArrayList<>(List.of(new ParticipantCommand.ContinueTraining(NOW),
        new ParticipantCommand.FinishTraining(NOW), new ParticipantCommand.Withdraw()));
    if (state instanceof Participant.Training t) {
      for (int rating = 1; rating <= 10; rating += 3) {
        commands.add(new ParticipantCommand.RateTrack(t.episode(), t.step(), rating, 900L, NOW));
      }
    }
    List<String> outcomes = new ArrayList<>();
    for (ParticipantCommand command : commands) {
      try {
        outcomes.add(DECIDER.decide(command, state).toString());
      } catch (RuntimeException refused) {
        outcomes.add(refused.getClass().getSimpleName() + ": " + refused.getMessage());
      }
    }
    return outcomes;
  }

  /** Waits for the snapshot a load leaves after folding a long tail. */
  private static void written(Metrics metrics) {
    long deadline = System.currentTimeMillis() + 10_000;
    while (metrics.snapshotWrite.count() == 0 && System.currentTimeMillis() < deadline) {
      sleep(10);
    }
    assertThat(metrics.snapshotWrite.count()).isEqualTo(1);
  }

  private static void delete(String stream) {
    await(pool.preparedQuery("delete from participant_snapshots where stream_id = $1").execute(Tuple.of(stream)));
  }

  private static int snapshotVersion(String stream) {
    var rows = await(pool.preparedQuery("select version from participant_snapshots where stream_id = $1")
        .execute(Tuple.of(stream)));
    return rows.size() == 0 ? 0 : rows.iterator().next().getInteger(0);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
