package org.tuneloop.server;

import io.vertx.core.json.JsonObject;
import java.util.Set;
import java.util.UUID;
import org.tuneloop.music.StartParameters;
import org.tuneloop.music.Track;
import org.tuneloop.server.StudyAdminCommand.Refused;

/**
 * A participant of the benchmark: joins through the API, answers every phase until a track waits for a rating, and
 * then rates one track at a time when asked, each command with its own Idempotency-Key. After {@code steps} ratings
 * it finishes as soon as the session allows and joins again as a new participant, so that streams stay the size of
 * a real session.
 */
final class BenchParticipant {
  private static final Set<String> OVER = Set.of("finished", "declined", "withdrawn", "ended");

  private final SimulationClient api;
  private final String studyId;
  private final Taste.Rater rater;
  private final int steps;
  private final java.util.function.Consumer<String> finished;
  private String participantId;
  private String token;
  private JsonObject view;
  private int ratings;

  BenchParticipant(SimulationClient api, String studyId, Taste.Rater rater, int steps,
                   java.util.function.Consumer<String> finished) {
    this.api = api;
    this.studyId = studyId;
    this.rater = rater;
    this.steps = steps;
    this.finished = finished;
  }

  /** Joins and answers the phases before the first rating. */
  BenchParticipant join() {
    String path = "/api/studies/" + StudyAdminCommand.Api.segment(studyId) + "/join";
    JsonObject joined = api.expectOk(api.send("POST", path, null, new JsonObject(), key()), path);
    participantId = joined.getString("participantId");
    token = joined.getString("token");
    ratings = 0;
    view = api.expectOk(api.send("GET", path(""), token, null, null), path(""));
    untilRating();
    return this;
  }

  /** Sends one rating of the track shown; answers the phases after it (not timed). The rating's nanoseconds. */
  long rate() {
    JsonObject shown = view.getJsonObject("track");
    StartParameters parameters = EventCodec.parameters(view.getJsonObject("parameters"));
    Track track = EventCodec.track(shown.getJsonArray("notes"));
    int number = ratings + 1;
    JsonObject body = new JsonObject()
        .put("episode", shown.getInteger("episode")).put("step", shown.getInteger("step"))
        .put("rating", rater.rate(track, parameters, number))
        .put("clientMillisToRate", rater.millisToRate(track, parameters, number));
    long started = System.nanoTime();
    SimulationClient.Reply reply = api.send("POST", path("/ratings"), token, body, key());
    long nanos = System.nanoTime() - started;
    ratings = number;
    view = reply.ok() ? reply.json() : api.expectOk(api.send("GET", path(""), token, null, null), path(""));
    untilRating();
    return nanos;
  }

  String participantId() { return participantId; }

  private void untilRating() {
    while (!"training".equals(view.getString("phase")) || view.getJsonObject("track") == null) {
      String phase = view.getString("phase");
      if (OVER.contains(phase)) {
        if (ratings >= steps) {
          finished.accept(participantId);
        }
        join();
        return;
      }
      view = switch (phase) {
        case "consent" -> command("consent", new JsonObject()
            .put("consentVersion", view.getJsonObject("consent").getString("version")).put("agree", true));
        case "parameters" -> command("parameters",
            view.getJsonObject("parameterRules").getJsonObject("defaults").copy());
        case "between-episodes" -> view.getBoolean("canFinish", false) && ratings >= steps
            ? command("finish", new JsonObject()) : command("episodes", new JsonObject());
        default -> throw new Refused("A benchmark participant reached the phase '" + phase
            + "', which it cannot answer.");
      };
    }
  }

  private JsonObject command(String action, JsonObject body) {
    String path = path("/" + action);
    SimulationClient.Reply reply = api.send("POST", path, token, body, key());
    return reply.ok() ? reply.json() : api.expectOk(api.send("GET", path(""), token, null, null), path(""));
  }

  private String path(String rest) {
    return "/api/participants/" + participantId + rest;
  }

  private static String key() {
    return UUID.randomUUID().toString();
  }
}
