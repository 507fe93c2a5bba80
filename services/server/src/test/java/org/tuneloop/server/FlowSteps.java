package org.tuneloop.server;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.tuneloop.study.FlowBlocks;

/**
 * How a test participant gets through the blocks of a flow around training (instructions, the listening check,
 * questionnaires, the evaluation, the debrief), the way a careful person would: every page read, the setup recorded,
 * each headphone trial answered right, each required question answered with a valid answer, each evaluation track
 * heard to its end. Tests that are about the training use it to reach the start parameters, or the end, of a study
 * whose protocol has a flow (the demo's included).
 */
final class FlowSteps {
  /** The phases before training this answers; any other is left to the test. */
  static final Set<String> BEFORE_TRAINING = Set.of("instructions", "listening-check", "questionnaire");

  /** The command to send ({@code action} under /api/participants/{id}/) and its body. */
  record Step(String action, JsonObject body) {}

  private FlowSteps() {
  }

  static boolean beforeTraining(JsonObject session) {
    return BEFORE_TRAINING.contains(session.getString("phase"));
  }

  /** The command that answers the block of this session. */
  static Step next(JsonObject session) {
    JsonObject block = session.getJsonObject("block");
    String id = block.getString("id");
    return switch (session.getString("phase")) {
      case "instructions" -> new Step("instructions", new JsonObject().put("block", id));
      case "listening-check" -> {
        JsonObject check = block.getJsonObject("headphoneCheck");
        if (!block.getBoolean("setupRecorded", false) || check == null) {
          yield new Step("setup", new JsonObject().put("block", id).put("browser", "Test 1")
              .put("sampleRate", 48000).put("deviceType", "laptop"));
        }
        int quiet = check.getJsonArray("layout").getList().indexOf(FlowBlocks.QUIET) + 1;
        yield new Step("headphone-trials", new JsonObject().put("block", id)
            .put("trial", check.getInteger("trial")).put("answer", quiet));
      }
      case "questionnaire", "debrief" -> new Step("answers", new JsonObject().put("block", id)
          .put("answers", answers(block.getJsonArray("items", new JsonArray()))));
      case "evaluation" -> {
        // The questions open once the track could have been heard to its end, by the server's clock.
        JsonObject track = block.getJsonObject("track");
        long wait = Duration.between(Instant.now(), Instant.parse(track.getString("ratableAt"))).toMillis();
        if (wait > 0) {
          try {
            Thread.sleep(wait + 50);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
          }
        }
        JsonObject answers = new JsonObject();
        block.getJsonArray("items").forEach(item -> answers.put(((JsonObject) item).getString("id"), 4));
        yield new Step("evaluations", new JsonObject().put("block", id).put("label", track.getString("label"))
            .put("answers", answers));
      }
      default -> throw new IllegalStateException("not a block of the flow: " + session.encode());
    };
  }

  /** A valid answer to every required item: the first option, the lowest number or point. */
  private static JsonObject answers(JsonArray items) {
    JsonObject answers = new JsonObject();
    for (Object o : items) {
      JsonObject item = (JsonObject) o;
      if (!item.getBoolean("required", true)) {
        continue;
      }
      JsonArray options = item.getJsonArray("options", new JsonArray());
      String id = item.getString("id");
      switch (item.getString("type")) {
        case "single-choice" -> answers.put(id, options.getString(0));
        case "multiple-choice" -> answers.put(id, new JsonArray().add(options.getString(0)));
        case "attention-check" -> answers.put(id, SimulatedParticipant.attentionAnswer(item.getString("text"), options));
        case "number" -> answers.put(id, item.getNumber("min", 0));
        case "likert", "fatigue" -> answers.put(id, 1);
        case "text" -> answers.put(id, "No comment.");
        default -> throw new IllegalStateException("an item of type " + item.getString("type") + ": " + item.encode());
      }
    }
    return answers;
  }
}
