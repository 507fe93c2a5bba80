package org.tuneloop.server;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import org.tuneloop.music.StartParameters;
import org.tuneloop.music.Track;
import org.tuneloop.server.StudyAdminCommand.Refused;

/**
 * One simulated participant going through a study the way the web client does (web-client/src/participant.ts):
 * join through the study link, then answer whatever phase the session view shows, one method per phase, each
 * command with its own Idempotency-Key. A new phase in the session view gets a new case in {@link #answer} and a
 * method; a phase it does not know stops this participant with a sentence saying so.
 */
final class SimulatedParticipant {
  /** Phases after which nothing more is asked. */
  private static final Set<String> OVER = Set.of("finished", "declined", "withdrawn", "ended");
  /** How long a participant waits through a pause before giving up. */
  private static final Duration PATIENCE = Duration.ofMinutes(2);

  private final SimulationClient api;
  private final int index;
  private final Taste.Rater rater;
  /** Episodes to train before finishing; 0 means the session's minimum. */
  private final int episodes;
  private String participantId;
  private String token;
  private int ratings;
  private long waitedMillis;

  /** What the participant did: who they are on the server, their taste, and where the session ended. */
  record Outcome(int index, String participantId, Taste.Rater rater, int ratings, String phase) {}

  SimulatedParticipant(SimulationClient api, int index, Taste.Rater rater, int episodes) {
    this.api = api;
    this.index = index;
    this.rater = rater;
    this.episodes = episodes;
  }

  Outcome run(String studyId) {
    join(studyId);
    JsonObject view = api.expectOk(api.send("GET", path(""), token, null, null), path(""));
    while (!OVER.contains(view.getString("phase"))) {
      view = answer(view);
    }
    return new Outcome(index, participantId, rater, ratings, view.getString("phase"));
  }

  private void join(String studyId) {
    String path = "/api/studies/" + StudyAdminCommand.Api.segment(studyId) + "/join";
    JsonObject joined = api.expectOk(api.send("POST", path, null, new JsonObject(), key()), path);
    participantId = joined.getString("participantId");
    token = joined.getString("token");
  }

  /** The next view after answering this one. */
  private JsonObject answer(JsonObject view) {
    if (view.getBoolean("pausedByResearcher", false)) {
      return waitThenReload();
    }
    String phase = view.getString("phase");
    return switch (phase) {
      case "consent" -> consent(view);
      case "parameters" -> parameters(view);
      case "training" -> rate(view);
      case "between-episodes" -> betweenEpisodes(view);
      default -> throw new Refused("Participant " + (index + 1) + " (" + participantId + ") reached the phase '"
          + phase + "', which the simulation cannot answer yet.");
    };
  }

  /** Agrees to the version of the text shown. */
  private JsonObject consent(JsonObject view) {
    return command("consent", new JsonObject()
        .put("consentVersion", view.getJsonObject("consent").getString("version")).put("agree", true));
  }

  /** Takes the arm's default start parameters, as a participant pressing Start without changing anything. */
  private JsonObject parameters(JsonObject view) {
    return command("parameters", view.getJsonObject("parameterRules").getJsonObject("defaults").copy());
  }

  /** Rates the track waiting for a rating by this participant's taste, after listening to it once. */
  private JsonObject rate(JsonObject view) {
    JsonObject shown = view.getJsonObject("track");
    StartParameters parameters = EventCodec.parameters(view.getJsonObject("parameters"));
    Track track = EventCodec.track(shown.getJsonArray("notes"));
    int number = ratings + 1;
    int rating = rater.rate(track, parameters, number);
    JsonObject body = new JsonObject()
        .put("episode", shown.getInteger("episode")).put("step", shown.getInteger("step"))
        .put("rating", rating)
        .put("clientMillisToRate", rater.millisToRate(track, parameters, number));
    // An arm with a compound reward asks for aspect ratings too: a simulated taste does not tell them apart, so each
    // aspect gets the overall rating (the compound then equals the rating, which keeps arms comparable).
    JsonArray aspects = view.getJsonArray("aspects");
    if (aspects != null) {
      aspects.forEach(aspect -> body.put((String) aspect, rating));
    }
    JsonObject next = command("ratings", body);
    if (!sameTrack(next, shown)) {
      ratings = number; // counted once the server has the rating (a repeat with the same key is not a new one)
    }
    return next;
  }

  /** Another episode until the wanted number is done and the session allows finishing, then Finish. */
  private JsonObject betweenEpisodes(JsonObject view) {
    int done = view.getJsonObject("progress").getInteger("completedEpisodes");
    boolean enough = episodes <= 0 || done >= episodes;
    return view.getBoolean("canFinish", false) && enough ? command("finish", null) : command("episodes", null);
  }

  /**
   * Sends one command with a fresh key; the answer is the next view. A pause (of the study or by the researcher)
   * is waited out, and a command overtaken by another change is answered by reloading the view.
   */
  private JsonObject command(String action, JsonObject body) {
    String path = path("/" + action);
    SimulationClient.Reply reply = api.send("POST", path, token, body == null ? new JsonObject() : body, key());
    if (reply.ok()) {
      return reply.json();
    }
    String reason = reply.reason();
    if (reply.status() == 409 && ("paused".equals(reason) || "paused-by-researcher".equals(reason))) {
      return waitThenReload();
    }
    if (reply.status() == 409 && reason == null) {
      return reload();
    }
    return api.expectOk(reply, path);
  }

  private JsonObject waitThenReload() {
    if (waitedMillis > PATIENCE.toMillis()) {
      throw new Refused("Participant " + (index + 1) + " (" + participantId + ") waited through a pause for more than "
          + PATIENCE.toMinutes() + " minutes and stopped.");
    }
    try {
      Thread.sleep(500);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Refused("Interrupted while waiting for the server.");
    }
    waitedMillis += 500;
    return reload();
  }

  private JsonObject reload() {
    return api.expectOk(api.send("GET", path(""), token, null, null), path(""));
  }

  private static boolean sameTrack(JsonObject view, JsonObject shown) {
    JsonObject now = view.getJsonObject("track");
    return "training".equals(view.getString("phase")) && now != null
        && now.getInteger("episode").equals(shown.getInteger("episode"))
        && now.getInteger("step").equals(shown.getInteger("step"));
  }

  private String path(String rest) {
    return "/api/participants/" + participantId + rest;
  }

  private static String key() {
    return UUID.randomUUID().toString();
  }
}
