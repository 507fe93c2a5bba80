package org.tuneloop.server;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tuneloop.study.FlowBlocks;
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
  private static final Set<String> OVER = Set.of("finished", "declined", "withdrawn", "ended", "screened-out");
  /** The option an attention check asks for, quoted in its text: 'Please choose "Agree" here.' */
  private static final Pattern QUOTED = Pattern.compile("[\"\u201C]([^\"\u201D]+)[\"\u201D]");
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
  /** The parameters of the training under way (the defaults before it): a track outside training is heard with them. */
  private StartParameters parameters = StartParameters.defaults();
  /** Answers given to questions, so that each item gets its own draw. */
  private int answered;

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
      case "instructions" -> command("instructions", new JsonObject().put("block", blockId(view)));
      case "listening-check" -> listeningCheck(view);
      case "questionnaire", "debrief" -> command("answers", new JsonObject().put("block", blockId(view))
          .put("answers", answers(view.getJsonObject("block").getJsonArray("items"))));
      case "practice" -> practice(view);
      case "evaluation" -> evaluate(view);
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
    parameters = EventCodec.parameters(view.getJsonObject("parameters"));
    Track track = EventCodec.track(shown.getJsonArray("notes"));
    int number = ratings + 1;
    int rating = rater.rate(track, parameters, number);
    JsonObject mustListen = view.getJsonObject("mustListen");
    if (mustListen != null && mustListen.getBoolean("enabled", false)) {
      // The whole track is heard before rating, as the page's player allows: the server refuses an earlier rating.
      waitUntil(Instant.parse(shown.getString("presentedAt")).plusMillis(
          FlowBlocks.durationMillis(track, shown.getInteger("tempo")) - mustListen.getLong("toleranceMillis", 0L)));
    }
    JsonObject body = new JsonObject()
        .put("episode", shown.getInteger("episode")).put("step", shown.getInteger("step"))
        .put("rating", rating)
        .put("clientMillisToRate", rater.millisToRate(track, parameters, number))
        .put("heardShare", 1.0).put("replays", 0).put("hiddenMillis", 0);
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

  /**
   * Questions between episodes are answered first; a suggested break is skipped, an enforced one waited out. Then
   * another episode until the wanted number is done and the session allows finishing, then Finish.
   */
  private JsonObject betweenEpisodes(JsonObject view) {
    JsonObject questionnaire = view.getJsonObject("questionnaire");
    if (questionnaire != null) {
      return command("answers", new JsonObject().put("block", questionnaire.getString("block"))
          .put("answers", answers(questionnaire.getJsonArray("items"))));
    }
    JsonObject rest = view.getJsonObject("rest");
    if (rest != null && rest.getBoolean("enforced", false)) {
      if (!rest.getBoolean("started", false)) {
        return command("breaks", null);
      }
      sleep(1000L * rest.getLong("secondsLeft", 0L) + 200);
      return command("breaks/end", null);
    }
    int done = view.getJsonObject("progress").getInteger("completedEpisodes");
    boolean enough = episodes <= 0 || done >= episodes;
    return view.getBoolean("canFinish", false) && enough ? command("finish", null) : command("episodes", null);
  }

  /** Records a simulated playback setup, then answers each headphone trial right: the position of the quiet tone. */
  private JsonObject listeningCheck(JsonObject view) {
    JsonObject block = view.getJsonObject("block");
    JsonObject check = block.getJsonObject("headphoneCheck");
    if (!block.getBoolean("setupRecorded", false) || check == null) {
      return command("setup", new JsonObject().put("block", block.getString("id")).put("browser", "simulated")
          .put("sampleRate", 48000).put("deviceType", "laptop"));
    }
    int answer = check.getJsonArray("layout").getList().indexOf(FlowBlocks.QUIET) + 1;
    return command("headphone-trials", new JsonObject().put("block", block.getString("id"))
        .put("trial", check.getInteger("trial")).put("answer", Math.max(1, answer)));
  }

  /** Rates the practice track by taste; it counts as no rating of the session. */
  private JsonObject practice(JsonObject view) {
    JsonObject block = view.getJsonObject("block");
    JsonObject shown = block.getJsonObject("track");
    Track track = EventCodec.track(shown.getJsonArray("notes"));
    return command("practice-rating", new JsonObject().put("block", block.getString("id"))
        .put("rating", rater.rate(track, heardAt(shown), ratings + 1)));
  }

  /** Once the track could have been heard to its end, each item gets the taste's rating scaled to its points. */
  private JsonObject evaluate(JsonObject view) {
    JsonObject block = view.getJsonObject("block");
    JsonObject shown = block.getJsonObject("track");
    waitUntil(Instant.parse(shown.getString("ratableAt")));
    Track track = EventCodec.track(shown.getJsonArray("notes"));
    int rating = rater.rate(track, heardAt(shown), ratings + 1);
    JsonObject answers = new JsonObject();
    for (Object o : block.getJsonArray("items")) {
      JsonObject item = (JsonObject) o;
      int points = item.getInteger("points", 7);
      answers.put(item.getString("id"), 1 + (int) Math.round((rating - 1) * (points - 1) / 9.0));
    }
    return command("evaluations", new JsonObject().put("block", block.getString("id"))
        .put("label", shown.getString("label")).put("answers", answers));
  }

  /** A valid answer to each item, by its type. */
  private JsonObject answers(JsonArray items) {
    JsonObject answers = new JsonObject();
    for (Object o : items) {
      JsonObject item = (JsonObject) o;
      SplittableRandom draw = new SplittableRandom(rater.seed() + 0x9E3779B97F4A7C15L * ++answered);
      JsonArray options = item.getJsonArray("options", new JsonArray());
      String id = item.getString("id");
      switch (item.getString("type")) {
        case "likert" -> answers.put(id, 1 + draw.nextInt(item.getInteger("points", 7)));
        case "single-choice" -> answers.put(id, options.getString(draw.nextInt(options.size())));
        case "multiple-choice" -> {
          int min = Math.max(1, item.getInteger("min", 1));
          int max = Math.min(options.size(), item.getInteger("max", options.size()));
          int count = Math.min(options.size(), min + draw.nextInt(Math.max(1, max - min + 1)));
          answers.put(id, new JsonArray(options.getList().subList(0, count)));
        }
        case "number" -> {
          double min = item.getDouble("min", 0.0);
          double max = item.getDouble("max", min + 10);
          double value = min + (max - min) * draw.nextDouble() / 4; // most answers lie near the low end
          answers.put(id, item.getBoolean("integer", true) ? Math.round(value) : value);
        }
        case "text" -> {
          String sentence = "Nothing more to add, thank you.";
          answers.put(id, sentence.substring(0, Math.min(sentence.length(), item.getInteger("maxLength", 2000))));
        }
        case "attention-check" -> answers.put(id, attentionAnswer(item.getString("text"), options));
        // Tiredness grows slowly with the ratings given: one level more every 20 ratings, from the second level.
        case "fatigue" -> answers.put(id, Math.min("kss".equals(item.getString("scale")) ? 9 : 7, 2 + ratings / 20));
        default -> throw new Refused("Participant " + (index + 1) + " (" + participantId + ") was asked an item of "
            + "type '" + item.getString("type") + "', which the simulation cannot answer yet.");
      }
    }
    return answers;
  }

  /** The option the text asks for in quotes (the page does not tell the expected answer); else the first option. */
  static String attentionAnswer(String text, JsonArray options) {
    Matcher quoted = QUOTED.matcher(text == null ? "" : text);
    while (quoted.find()) {
      if (options.getList().contains(quoted.group(1))) {
        return quoted.group(1);
      }
    }
    return options.getString(0);
  }

  /** The training's parameters at the tempo a track outside training is played at. */
  private StartParameters heardAt(JsonObject shown) {
    return new StartParameters(parameters.baseNote(), parameters.scale(), parameters.length(),
        shown.getInteger("tempo", parameters.tempo()));
  }

  private static String blockId(JsonObject view) {
    return view.getJsonObject("block").getString("id");
  }

  private void waitUntil(Instant when) {
    long millis = java.time.Duration.between(Instant.now(), when).toMillis();
    if (millis > 0) {
      sleep(millis + 50);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Refused("Interrupted while waiting for the server.");
    }
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
    // Too early by the server's clock (a track not heard to its end, a break not over): wait a moment, look again.
    if (reply.status() == 409 && ("must-listen".equals(reason) || "break".equals(reason))) {
      return waitThenReload();
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
