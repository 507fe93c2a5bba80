package org.tuneloop.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tuneloop.server.InProcessServer.await;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tuneloop.eventstore.Checkpoints;
import org.tuneloop.eventstore.HashChain;
import org.tuneloop.eventstore.StoredEvent;
import org.tuneloop.eventstore.testing.TestDatabases;
import org.tuneloop.eventstore.testing.TestDatabases.TestDatabase;
import org.tuneloop.server.AuditRun.Mismatch;
import org.tuneloop.study.Participant;
import org.tuneloop.study.ParticipantCommand;

/**
 * `audit verify` against a log altered by the database's owner behind the application's back (triggers disabled,
 * as an owner can): each test runs three pilot participants through their training on a fresh database, tampers
 * in one way, and expects the audit to name the participant, the place, and what it expected and found.
 */
@Timeout(120)
class AuditTest {
  private static final String PILOT = StudyCommand.resource("/protocols/pilot-training-only.yaml");
  // Pilot: 2 episodes of 4 steps, each rating giving TrackRated and QValueUpdated.
  private static final int UPDATES_EACH = 8;

  private TestDatabase database;
  private Vertx vertx;
  private Pool pool;
  private Platform platform;
  private String studyId;
  private final List<String> participants = new ArrayList<>();

  @BeforeEach
  void runAStudy() {
    database = TestDatabases.fresh();
    vertx = Vertx.vertx();
    pool = database.appPool(vertx, 8);
    platform = Platform.over(vertx, pool, database.app().connectOptions());
    studyId = "audit-" + UUID.randomUUID().toString().substring(0, 8);
    await(platform.studies.create(studyId, PILOT, "researcher"));
    await(platform.studies.change(studyId, new org.tuneloop.study.StudyDecider.Command.Open("researcher")));
    for (int i = 0; i < 3; i++) {
      String id = await(platform.studies.join(studyId, new Studies.Entry("link", null, null, false, null, null)))
          .participantId();
      train(id, i);
      participants.add(id);
    }
  }

  @AfterEach
  void drop() {
    await(pool.close());
    await(vertx.close());
    database.close();
  }

  private void train(String id, int taste) {
    handle(id, new ParticipantCommand.AnswerConsent("1.0", true));
    handle(id, new ParticipantCommand.ChooseStartParameters(60, "major", 4, 200, Instant.now()));
    Participants.Loaded loaded = await(platform.participants.load(id));
    int n = 0;
    while (loaded.state() instanceof Participant.Training t) {
      loaded = handle(id, new ParticipantCommand.RateTrack(t.episode(), t.step(), 1 + (n++ * 3 + taste) % 10, null,
          Instant.now()));
    }
  }

  private Participants.Loaded handle(String id, ParticipantCommand command) {
    return await(platform.participants.handle(id, command, UUID.randomUUID().toString(), new JsonObject()))
        .loaded();
  }

  private AuditRun.Result audit() { return audit(null); }

  private AuditRun.Result audit(Checkpoints.Snapshot against) {
    return await(AuditRun.verify(vertx, platform.store, platform.checkpoints, null, against, 4));
  }

  private Checkpoints.Checkpoint checkpoint() {
    return await(platform.checkpoints.write("test")).orElseThrow();
  }

  private List<StoredEvent> stream(String participant) {
    return await(platform.store.readStream(Participants.streamId(participant), 0));
  }

  /** SQL as the owner with the immutability triggers off, as an owner can. */
  private void tamper(String... statements) throws Exception {
    try (Connection c = database.ownerConnection(); Statement s = c.createStatement()) {
      s.execute("alter table events disable trigger user");
      s.execute("alter table checkpoints disable trigger user");
      for (String sql : statements) {
        s.execute(sql);
      }
      s.execute("alter table events enable trigger user");
      s.execute("alter table checkpoints enable trigger user");
    }
  }

  /**
   * Edits one event's data and re-hashes the stream from there on, as a careful forger would: every chain still
   * links, so only what the audit recomputes (and the checkpoints) can tell.
   */
  private void forgeData(String participant, int version, UnaryOperator<JsonObject> edit) throws Exception {
    List<StoredEvent> events = stream(participant);
    byte[] prev = HashChain.genesis();
    try (Connection c = database.ownerConnection()) {
      c.createStatement().execute("alter table events disable trigger user");
      for (StoredEvent e : events) {
        JsonObject data = e.version() == version ? edit.apply(e.data().copy()) : e.data();
        byte[] hash = HashChain.hash(e.hashVersion(), prev, e.streamId(), e.version(), e.eventId(), e.type(),
            e.schemaVersion(), e.recordedAt(), data, e.metadata());
        try (PreparedStatement s = c.prepareStatement(
            "update events set data = ?::jsonb, prev_hash = ?, hash = ? where position = ?")) {
          s.setString(1, data.encode());
          s.setBytes(2, prev);
          s.setBytes(3, hash);
          s.setLong(4, e.position());
          s.executeUpdate();
        }
        prev = hash;
      }
      c.createStatement().execute("alter table events enable trigger user");
    }
  }

  /** Appends an event with a valid hash to the participant's stream, dated as given. */
  private StoredEvent forgeAppend(String participant, Instant at) throws Exception {
    StoredEvent last = stream(participant).getLast();
    UUID id = UUID.randomUUID();
    JsonObject data = new JsonObject().put("by", "researcher").put("text", "all fine");
    JsonObject metadata = last.metadata();
    byte[] hash = HashChain.hash(2, last.hash(), last.streamId(), last.version() + 1, id, "ObservationNoted", 1, at,
        data, metadata);
    try (Connection c = database.ownerConnection(); PreparedStatement s = c.prepareStatement(
        "insert into events (stream_id, version, event_id, type, schema_version, data, metadata, recorded_at,"
            + " prev_hash, hash, hash_version) values (?, ?, ?, 'ObservationNoted', 1, ?::jsonb, ?::jsonb, ?, ?, ?, 2)")) {
      s.setString(1, last.streamId());
      s.setInt(2, last.version() + 1);
      s.setObject(3, id);
      s.setString(4, data.encode());
      s.setString(5, metadata.encode());
      s.setObject(6, OffsetDateTime.ofInstant(at, ZoneOffset.UTC));
      s.setBytes(7, last.hash());
      s.setBytes(8, hash);
      s.executeUpdate();
    }
    return last;
  }

  private static List<Mismatch> of(AuditRun.Result r, String check, String participant) {
    return r.mismatches().stream().filter(m -> m.check().equals(check) && participant.equals(m.participant())).toList();
  }

  // ---- the intact log ------------------------------------------------------------------------------------------

  @Test
  void anIntactLogPassesEveryKindOfCheck() {
    checkpoint();
    AuditRun.Result r = audit();
    AuditRun.Result again = audit();
    System.out.printf("audit of %d events: %d ms, again %d ms%n", r.events(), r.millis(), again.millis());
    assertThat(r.mismatches()).isEmpty();
    assertThat(r.streams()).isEqualTo(4);
    assertThat(r.count(AuditRun.UPDATE)).isEqualTo(3 * UPDATES_EACH);
    assertThat(r.count(AuditRun.REWARD)).isEqualTo(3 * UPDATES_EACH);
    assertThat(r.count(AuditRun.CHAIN)).isEqualTo(r.events());
    assertThat(r.count(AuditRun.HEAD)).isEqualTo(4);
    assertThat(r.count(AuditRun.ENROLMENT)).as("3 assignments and 3 enrolments").isEqualTo(6);
    assertThat(r.checkpoint()).isEqualTo(1L);
    AuditRun.Result one = await(AuditRun.verify(vertx, platform.store, platform.checkpoints, studyId, null, 2));
    assertThat(one.ok()).isTrue();
    assertThat(one.events()).isEqualTo(r.events());
  }

  // ---- cut, deleted, inserted ---------------------------------------------------------------------------------

  @Test
  void aStreamCutShortBelowACheckpointedHeadIsCaught() throws Exception {
    checkpoint();
    String a = participants.get(0);
    String b = participants.get(1);
    int lastA = stream(a).getLast().version();
    int lastB = stream(b).getLast().version();
    tamper("delete from events where stream_id = 'participant-" + a + "' and version = " + lastA,
        "delete from events where stream_id = 'participant-" + b + "' and version > " + (lastB - 5));
    AuditRun.Result r = audit();
    assertThat(r.ok()).isFalse();
    assertThat(of(r, AuditRun.HEAD, a)).singleElement().satisfies(m -> {
      assertThat(m.version()).isEqualTo(lastA);
      assertThat(m.expected()).isEqualTo("version " + lastA + " or later");
      assertThat(m.found()).isEqualTo("last version " + (lastA - 1));
    });
    assertThat(of(r, AuditRun.HEAD, b)).singleElement().satisfies(m -> {
      assertThat(m.found()).isEqualTo("last version " + (lastB - 5));
      assertThat(m.detail()).contains("5 event(s)");
    });
  }

  @Test
  void aDeletedParticipantIsCaughtByTheirStudysStreamAndByTheCheckpoint() throws Exception {
    String gone = participants.get(1);
    tamper("delete from events where stream_id = 'participant-" + gone + "'");
    AuditRun.Result before = audit();
    assertThat(of(before, AuditRun.ENROLMENT, gone)).as("without any checkpoint, the study's stream still lists them")
        .singleElement().satisfies(m -> assertThat(m.found()).isEqualTo("no stream"));

    // With a checkpoint, even deleting the assignment too (the last event of the study's stream) is caught.
    String last = participants.get(2);
    checkpoint();
    tamper("delete from events where stream_id = 'participant-" + last + "'",
        "delete from events where stream_id = 'study-" + studyId + "' and data->>'participantId' = '" + last + "'");
    AuditRun.Result r = audit();
    assertThat(of(r, AuditRun.HEAD, last)).singleElement().satisfies(m -> assertThat(m.found()).isEqualTo("no stream"));
    assertThat(r.mismatches()).anySatisfy(m -> {
      assertThat(m.stream()).isEqualTo("study-" + studyId);
      assertThat(m.check()).isEqualTo(AuditRun.HEAD);
    });
    // Scoped to the study, both are still found.
    AuditRun.Result scoped = await(AuditRun.verify(vertx, platform.store, platform.checkpoints, studyId, null, 2));
    assertThat(scoped.mismatches()).anySatisfy(m -> assertThat(m.participant()).isEqualTo(gone));
    assertThat(scoped.mismatches()).anySatisfy(m -> assertThat(m.stream()).isEqualTo("study-" + studyId));
  }

  @Test
  void anEventInsertedInTheMiddleBreaksTheChain() throws Exception {
    String a = participants.get(0);
    StoredEvent before = stream(a).get(9);
    int at = before.version() + 1;
    UUID id = UUID.randomUUID();
    JsonObject data = new JsonObject().put("by", "researcher").put("text", "inserted");
    byte[] hash = HashChain.hash(2, before.hash(), before.streamId(), at, id, "ObservationNoted", 1,
        before.recordedAt(), data, before.metadata());
    // Make room by moving every later event up one version (highest first, so versions stay unique).
    List<String> moves = new ArrayList<>();
    List<StoredEvent> later = stream(a).stream().filter(e -> e.version() >= at).toList().reversed();
    for (StoredEvent e : later) {
      moves.add("update events set version = version + 1 where position = " + e.position());
    }
    moves.add("insert into events (stream_id, version, event_id, type, schema_version, data, metadata, recorded_at,"
        + " prev_hash, hash, hash_version) values ('" + before.streamId() + "', " + at + ", '" + id + "',"
        + " 'ObservationNoted', 1, '" + data.encode() + "', '" + before.metadata().encode() + "', '"
        + OffsetDateTime.ofInstant(before.recordedAt(), ZoneOffset.UTC) + "', '\\x" + HashChain.hex(before.hash())
        + "', '\\x" + HashChain.hex(hash) + "', 2)");
    tamper(moves.toArray(String[]::new));
    AuditRun.Result r = audit();
    // The event after it no longer links; each moved event's hash no longer matches its new version.
    List<Mismatch> chain = of(r, AuditRun.CHAIN, a);
    assertThat(chain.getFirst().version()).isEqualTo(at + 1);
    assertThat(chain.getFirst().expected()).isEqualTo(HashChain.hex(hash));
    assertThat(chain).anySatisfy(m -> assertThat(m.detail()).contains("prev_hash"))
        .allSatisfy(m -> assertThat(m.version()).isGreaterThan(at));
  }

  @Test
  void aForgedEventAppendedAndDatedBeforeTheLatestCheckpointIsCaught() throws Exception {
    String a = participants.get(0);
    Thread.sleep(2000);
    checkpoint();
    // Dated a moment after the participant's last event, as if it had happened in the session.
    StoredEvent last = forgeAppend(a, stream(a).getLast().recordedAt().plusMillis(100));
    assertThat(audit().ok()).as("within the margin an event may still be committing as the checkpoint is taken")
        .isTrue();
    AuditRun.Result r = await(AuditRun.verify(vertx, platform.store, platform.checkpoints, null, null, 4,
        Duration.ofSeconds(1)));
    assertThat(of(r, AuditRun.HEAD, a)).singleElement().satisfies(m -> {
      assertThat(m.version()).isEqualTo(last.version() + 1);
      assertThat(m.found()).startsWith("ObservationNoted recorded at");
      assertThat(m.detail()).contains("does not hold");
    });
    assertThat(of(r, AuditRun.CHAIN, a)).as("its hash is valid").isEmpty();
  }

  // ---- edited --------------------------------------------------------------------------------------------------

  @Test
  void anEditedMetadataFieldIsCaught() throws Exception {
    String a = participants.get(2);
    StoredEvent target = stream(a).get(6);
    tamper("update events set metadata = jsonb_set(metadata, '{instance}', '\"elsewhere\"') where position = "
        + target.position());
    AuditRun.Result r = audit();
    assertThat(of(r, AuditRun.CHAIN, a)).singleElement().satisfies(m -> {
      assertThat(m.version()).isEqualTo(target.version());
      assertThat(m.position()).isEqualTo(target.position());
      assertThat(m.found()).isEqualTo(HashChain.hex(target.hash()));
    });
  }

  @Test
  void aRecordedRewardThatIsNotTheRatingIsCaughtEvenWithTheChainRehashed() throws Exception {
    String a = participants.get(1);
    StoredEvent update = stream(a).stream().filter(e -> e.type().equals("QValueUpdated")).skip(2).findFirst()
        .orElseThrow();
    double reward = update.data().getDouble("reward");
    forgeData(a, update.version(), data -> data.put("reward", reward + 2));
    AuditRun.Result r = audit();
    assertThat(of(r, AuditRun.CHAIN, a)).as("re-hashed by the forger").isEmpty();
    assertThat(of(r, AuditRun.REWARD, a)).singleElement().satisfies(m -> {
      assertThat(m.version()).isEqualTo(update.version());
      assertThat(m.expected()).isEqualTo(Double.toString(reward));
      assertThat(m.found()).isEqualTo(Double.toString(reward + 2));
    });
  }

  @Test
  void ratesOrSettingsThatAreNotTheArmsAreCaught() throws Exception {
    String a = participants.get(0);
    StoredEvent update = stream(a).stream().filter(e -> e.type().equals("QValueUpdated")).findFirst().orElseThrow();
    forgeData(a, update.version(), data -> data.put("gamma", 0.5));
    assertThat(of(audit(), AuditRun.SETTINGS, a)).singleElement().satisfies(m -> {
      assertThat(m.version()).isEqualTo(update.version());
      assertThat(m.found()).contains("gamma 0.5");
    });

    // The enrolment's copy of the arm, changed and re-hashed: no longer the protocol's arm.
    String b = participants.get(1);
    forgeData(b, 1, data -> {
      data.getJsonObject("settings").put("pitchesAbove", 36);
      return data;
    });
    assertThat(of(audit(), AuditRun.SETTINGS, b)).singleElement().satisfies(m -> {
      assertThat(m.version()).isEqualTo(1);
      assertThat(m.detail()).contains("not its arm's");
    });
  }

  // ---- an owner's rewrite, and the external copy ---------------------------------------------------------------

  @Test
  void aRewriteOfTheLogAndItsCheckpointsIsCaughtOnlyByAnExternalCopy() throws Exception {
    checkpoint();
    Checkpoints.Snapshot copy = Checkpoints.Snapshot.fromJson(
        new JsonObject(await(platform.checkpoints.latest()).orElseThrow().toJson().encode()));
    String a = participants.get(0);
    int last = stream(a).getLast().version();
    // The owner cuts a stream and rewrites the checkpoints to match.
    tamper("delete from events where stream_id = 'participant-" + a + "' and version > " + (last - 2),
        "delete from checkpoints");
    checkpoint();
    assertThat(audit().ok()).as("the database alone now agrees with itself").isTrue();

    AuditRun.Result r = audit(copy);
    assertThat(r.mismatches()).anySatisfy(m -> {
      assertThat(m.check()).isEqualTo(AuditRun.EXTERNAL);
      assertThat(m.stream()).isEqualTo("checkpoints");
      assertThat(m.detail()).contains("rewritten");
    });
    assertThat(of(r, AuditRun.EXTERNAL, a)).singleElement().satisfies(m -> {
      assertThat(m.expected()).isEqualTo("version " + last + " or later");
      assertThat(m.found()).isEqualTo("last version " + (last - 2));
    });
  }
}
