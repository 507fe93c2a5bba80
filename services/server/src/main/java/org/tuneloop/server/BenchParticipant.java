package org.tuneloop.server;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import org.tuneloop.music.StartParameters;
import org.tuneloop.music.Track;
import org.tuneloop.server.StudyAdminCommand.Refused;

/**
 * A participant of the benchmark: joins through the API, answers every phase until a track waits for a rating, and
 * then rates one track at a time when asked, each command with its own Idempotency-Key. After {@code steps} ratings
 * it finishes as soon as the session allows and joins again as a new participant, so that streams stay the size of
 * a real session. Its steps run on the {@link BenchHttp} client's event loop, one at a time.
 */
final class BenchParticipant {
  private static final Set<String> OVER = Set.of("finished", "declined", "withdrawn", "ended");
  private static final Buffer EMPTY = Buffer.buffer("{}");

  private final BenchHttp http;
  private final String studyId;
  private final Taste.Rater rater;
  private final int steps;
  private final Consumer<String> finished;
  private String participantId;
  private String token;
  private JsonObject view;
  /**
   * The session's start parameters, read from the view once (they do not change within a session), and the taste's
   * typical score of them.
   */
  private StartParameters parameters;
  private double typical;
  private int ratings;

  BenchParticipant(BenchHttp http, String studyId, Taste.Rater rater, int steps, Consumer<String> finished) {
    this.http = http;
    this.studyId = studyId;
    this.rater = rater;
    this.steps = steps;
    this.finished = finished;
  }

  /** Joins and answers the phases before the first rating. */
  Future<BenchParticipant> join() {
    String path = "/api/studies/" + StudyAdminCommand.Api.segment(studyId) + "/join";
    return http.send(HttpMethod.POST, path, null, EMPTY, key()).compose(reply -> {
      JsonObject joined = expectOk(reply, path);
      participantId = joined.getString("participantId");
      token = joined.getString("token");
      ratings = 0;
      parameters = null;
      return read();
    }).compose(v -> {
      view = v;
      return untilRating();
    }).map(this);
  }

  /**
   * Sends one rating of the track shown and checks the server's answer: a success, not a repeat, and the next step
   * (another track, or the phase after the episode). Then answers the phases after it (not timed). The rating's
   * nanoseconds.
   */
  Future<Long> rate() {
    JsonObject shown = view.getJsonObject("track");
    if (parameters == null) {
      parameters = EventCodec.parameters(view.getJsonObject("parameters"));
      typical = rater.taste().typical(parameters);
    }
    Track track = EventCodec.track(shown.getJsonArray("notes"));
    int number = ratings + 1;
    int episode = shown.getInteger("episode");
    int step = shown.getInteger("step");
    Buffer body = new JsonObject().put("episode", episode).put("step", step)
        .put("rating", rater.rate(track, parameters, typical, number))
        .put("clientMillisToRate", rater.millisToRate(track, parameters, number)).toBuffer();
    String path = path("/ratings");
    long started = System.nanoTime();
    return http.send(HttpMethod.POST, path, token, body, key()).compose(reply -> {
      long nanos = System.nanoTime() - started;
      JsonObject answer = expectOk(reply, path);
      JsonObject next = answer.getJsonObject("track");
      if (answer.getBoolean("duplicate", false) || "training".equals(answer.getString("phase")) && next != null
          && next.getInteger("episode") == episode && next.getInteger("step") == step) {
        throw new Refused("The server answered the rating of episode " + episode + ", step " + step
            + " without moving on: " + reply.body());
      }
      ratings = number;
      view = answer;
      return untilRating().map(nanos);
    });
  }

  String participantId() { return participantId; }

  private Future<Void> untilRating() {
    String phase = view.getString("phase");
    if ("training".equals(phase) && view.getJsonObject("track") != null) {
      return Future.succeededFuture();
    }
    if (OVER.contains(phase)) {
      if (ratings >= steps) {
        finished.accept(participantId);
      }
      return join().mapEmpty();
    }
    Future<JsonObject> next = switch (phase) {
      case "consent" -> command("consent", new JsonObject()
          .put("consentVersion", view.getJsonObject("consent").getString("version")).put("agree", true));
      case "parameters" -> {
        parameters = null;
        yield command("parameters", view.getJsonObject("parameterRules").getJsonObject("defaults").copy());
      }
      case "between-episodes" -> view.getBoolean("canFinish", false) && ratings >= steps
          ? command("finish", new JsonObject()) : command("episodes", new JsonObject());
      default -> Future.failedFuture(new Refused("A benchmark participant reached the phase '" + phase
          + "', which it cannot answer."));
    };
    return next.compose(v -> {
      view = v;
      return untilRating();
    });
  }

  private Future<JsonObject> command(String action, JsonObject body) {
    String path = path("/" + action);
    return http.send(HttpMethod.POST, path, token, body.toBuffer(), key())
        .compose(reply -> reply.ok() ? Future.succeededFuture(reply.json()) : read());
  }

  private Future<JsonObject> read() {
    String path = path("");
    return http.send(HttpMethod.GET, path, token, null, null).map(reply -> expectOk(reply, path));
  }

  private static JsonObject expectOk(BenchHttp.Reply reply, String path) {
    if (!reply.ok()) {
      throw new Refused("The server answered " + reply.status() + " to " + path + ": " + reply.body());
    }
    return reply.json();
  }

  private String path(String rest) {
    return "/api/participants/" + participantId + rest;
  }

  private static String key() {
    return UUID.randomUUID().toString();
  }
}
