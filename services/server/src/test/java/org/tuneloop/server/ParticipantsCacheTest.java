package org.tuneloop.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tuneloop.server.InProcessServer.await;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tuneloop.eventstore.HashChain;
import org.tuneloop.eventstore.testing.TestDatabases;
import org.tuneloop.eventstore.testing.TestDatabases.TestDatabase;
import org.tuneloop.study.Participant;
import org.tuneloop.study.ParticipantCommand;
import org.tuneloop.study.Supervision;

/**
 * Commands decided on a cached state, as two server processes do: each process's cache (a Participants of its
 * own) over one database. A state made stale by the other process is caught by the stream's unique version,
 * loaded and decided again; nothing is lost or stored twice.
 */
@Timeout(120)
class ParticipantsCacheTest {
  private static final String PILOT = StudyCommand.resource("/protocols/pilot-training-only.yaml");

  private static TestDatabase database;
  private static Vertx vertx;
  private static Pool pool;
  private static Platform platform;
  private static String studyId;

  @BeforeAll
  static void start() {
    database = TestDatabases.fresh();
    vertx = Vertx.vertx();
    pool = database.appPool(vertx, 4);
    platform = Platform.over(vertx, pool, database.app().connectOptions());
    studyId = "cache-" + UUID.randomUUID().toString().substring(0, 8);
    await(platform.studies.create(studyId, PILOT, "researcher"));
    await(platform.studies.change(studyId, new org.tuneloop.study.StudyDecider.Command.Open("researcher")));
  }

  @AfterAll
  static void stop() {
    await(pool.close());
    await(vertx.close());
    database.close();
  }

  private static String training(Participants via) {
    String id = await(platform.studies.join(studyId, new Studies.Entry("link", null, null, false, null, null)))
        .participantId();
    handle(via, id, new ParticipantCommand.AnswerConsent("1.0", true));
    handle(via, id, new ParticipantCommand.ChooseStartParameters(60, "major", 4, 200, Instant.now()));
    return id;
  }

  private static Participants.Handled handle(Participants via, String id, ParticipantCommand command) {
    return await(via.handle(id, command, UUID.randomUUID().toString(), new JsonObject()));
  }

  private static ParticipantCommand rateCurrent(Participants.Loaded loaded, int rating) {
    Participant.Training t = (Participant.Training) loaded.state();
    return new ParticipantCommand.RateTrack(t.episode(), t.step(), rating, null, Instant.now());
  }

  @Test
  void aStateMadeStaleByAnotherProcessIsLoadedAndDecidedAgain() {
    Participants one = new Participants(platform.store, "one");
    Participants two = new Participants(platform.store, "two");
    String id = training(one);
    Participants.Loaded before = await(one.current(id));

    // The other process appends a researcher's note; the first still caches the state before it.
    await(two.supervise(id, new Supervision.Command.Note("researcher", "looks tired"), UUID.randomUUID().toString(),
        new JsonObject()));
    assertThat(await(one.current(id)).version()).as("still cached, unread").isEqualTo(before.version());

    // The first process rates the current track on its stale state: the append fails on the stream's version, the
    // stream is loaded and the rating decided again on the latest state, after the note.
    Participants.Handled handled = handle(one, id, rateCurrent(before, 3));
    assertThat(handled.duplicate()).isFalse();
    assertThat(handled.before().version()).isEqualTo(before.version() + 1);
    Participants.Loaded fresh = await(new Participants(platform.store, "fresh").load(id));
    assertThat(handled.loaded().version()).isEqualTo(fresh.version());
    assertThat(handled.loaded().state()).isEqualTo(fresh.state());
    assertThat(handled.loaded().head().hash()).isEqualTo(fresh.head().hash());
    List<org.tuneloop.eventstore.StoredEvent> stream = await(platform.store.readStream(Participants.streamId(id), 0));
    assertThat(stream.stream().filter(e -> e.type().equals("TrackRated")).count()).isEqualTo(1);
    assertThat(HashChain.verify(stream)).isEmpty();

    // A rating of the same track through the other process, whose cache is now stale: decided again on the latest
    // state, where that track is rated already, it is refused, and nothing is stored.
    Throwable refused = failure(two.handle(id, rateCurrent(before, 4), UUID.randomUUID().toString(),
        new JsonObject()));
    assertThat(refused).isInstanceOf(org.tuneloop.study.CommandRejected.class);
    assertThat(await(two.load(id)).version()).isEqualTo(fresh.version());
  }

  @Test
  void aRetryOnAStaleCacheIsADuplicateAndARejectionIsCheckedAgainstTheLatestState() {
    Participants one = new Participants(platform.store, "one");
    Participants two = new Participants(platform.store, "two");
    String id = training(one);
    Participants.Loaded cached = await(one.current(id));
    ParticipantCommand rating = rateCurrent(cached, 5);
    String key = UUID.randomUUID().toString();

    // The first try lands through the other process; the retry reaches the first, whose cache is stale.
    assertThat(await(two.handle(id, rating, key, new JsonObject())).duplicate()).isFalse();
    Participants.Handled retry = await(one.handle(id, rating, key, new JsonObject()));
    assertThat(retry.duplicate()).isTrue();
    long ratings = await(platform.store.readStream(Participants.streamId(id), 0)).stream()
        .filter(e -> e.type().equals("TrackRated")).count();
    assertThat(ratings).isEqualTo(1);

    // A researcher pauses the session through the other process: the first one's cached state does not know, and
    // the participant's next rating is refused by the latest state, not stored.
    await(two.supervise(id, new Supervision.Command.Pause("researcher", "a break"),
        UUID.randomUUID().toString(), new JsonObject()));
    Participants.Loaded latest = await(two.load(id));
    Throwable refused = failure(one.handle(id, rateCurrent(latest, 6), UUID.randomUUID().toString(),
        new JsonObject()));
    assertThat(refused).isInstanceOf(org.tuneloop.study.CommandRejected.class);
    assertThat(await(two.load(id)).version()).isEqualTo(latest.version());
  }

  /** The failure of a future that must fail. */
  private static Throwable failure(io.vertx.core.Future<?> future) {
    try {
      future.toCompletionStage().toCompletableFuture().get(60, java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("the command was carried out");
  }
}
