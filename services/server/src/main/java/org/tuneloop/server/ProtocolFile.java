package org.tuneloop.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.tuneloop.agent.AgentSettings;
import org.tuneloop.agent.Policy;
import org.tuneloop.agent.StateEncoder;
import org.tuneloop.music.Scale;
import org.tuneloop.music.StartParameters;
import org.tuneloop.study.ArmSettings;
import org.tuneloop.study.Protocol;
import org.tuneloop.study.StartParameterRules;

/**
 * Reads a study protocol YAML file (study-protocols/). Anything left out takes the paper's default;
 * a wrong value is reported with its path, e.g. "arms[0].agent.alpha must be a number in (0, 1]".
 */
public final class ProtocolFile {
  private ProtocolFile() {}

  /** A protocol file that cannot be used, with every problem found. */
  public static final class Invalid extends RuntimeException {
    public Invalid(String message) { super(message); }
  }

  @SuppressWarnings("unchecked")
  public static Protocol parse(String yaml) {
    Map<String, Object> root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readValue(yaml, Map.class);
    } catch (Exception e) {
      throw new Invalid("the protocol is not valid YAML: " + e.getMessage());
    }
    if (root == null) {
      throw new Invalid("the protocol file is empty");
    }
    JsonObject p = new JsonObject(root);
    String id = text(p, "id", null, "id");
    int version = integer(p, "version", 1, "version", 1, Integer.MAX_VALUE);
    String title = text(p, "title", id, "title");
    JsonObject consent = object(p, "consent", "consent");
    Protocol.Consent c = new Protocol.Consent(text(consent, "version", null, "consent.version"),
        text(consent, "text", null, "consent.text"));
    JsonArray arms = p.getJsonArray("arms");
    if (arms == null || arms.isEmpty()) {
      throw new Invalid("arms must list at least one arm");
    }
    List<ArmSettings> parsed = new ArrayList<>();
    for (int i = 0; i < arms.size(); i++) {
      parsed.add(arm(arms.getJsonObject(i), "arms[" + i + "]"));
    }
    return new Protocol(id, version, title, c, parsed);
  }

  private static ArmSettings arm(JsonObject a, String path) {
    ArmSettings paper = ArmSettings.paper();
    String id = text(a, "id", null, path + ".id");
    JsonObject agent = a.getJsonObject("agent", new JsonObject());
    JsonObject policy = agent.getJsonObject("policy", new JsonObject());
    String policyType = text(policy, "type", "epsilon-greedy", path + ".agent.policy.type");
    if (!policyType.equals("epsilon-greedy")) {
      throw new Invalid(path + ".agent.policy.type must be epsilon-greedy (softmax and UCB are not available yet)");
    }
    double epsilon = number(policy, "epsilon", 0.5, path + ".agent.policy.epsilon", 0, 1);
    StateEncoder encoder;
    try {
      encoder = StateEncoder.parse(text(agent, "encoder", "absolute", path + ".agent.encoder"));
    } catch (IllegalArgumentException e) {
      throw new Invalid(path + ".agent.encoder: " + e.getMessage());
    }
    AgentSettings settings = new AgentSettings(number(agent, "alpha", 0.1, path + ".agent.alpha", 0, 1),
        number(agent, "gamma", 0.9, path + ".agent.gamma", 0, 1), new Policy.EpsilonGreedy(epsilon), encoder);

    JsonObject sp = a.getJsonObject("startParameters", new JsonObject());
    JsonObject d = sp.getJsonObject("defaults", new JsonObject());
    String sPath = path + ".startParameters";
    StartParameters defaults = new StartParameters(
        integer(d, "baseNote", 60, sPath + ".defaults.baseNote", 0, 127),
        scale(text(d, "scale", "major", sPath + ".defaults.scale"), sPath + ".defaults.scale"),
        integer(d, "length", 8, sPath + ".defaults.length", 1, 64),
        integer(d, "tempo", 90, sPath + ".defaults.tempo", 20, 300));
    List<Scale> scales = new ArrayList<>();
    JsonArray scaleNames = sp.getJsonArray("scales", new JsonArray(List.of("major", "minor", "diminished")));
    for (int i = 0; i < scaleNames.size(); i++) {
      scales.add(scale(String.valueOf(scaleNames.getValue(i)), sPath + ".scales[" + i + "]"));
    }
    int[] base = range(sp, "baseNote", 36, 84, sPath, 0, 127);
    int[] length = range(sp, "length", 2, 16, sPath, 1, 64);
    int[] tempo = range(sp, "tempo", 40, 200, sPath, 20, 300);
    StartParameterRules rules = new StartParameterRules(defaults, scales, base[0], base[1], length[0], length[1],
        tempo[0], tempo[1], Boolean.TRUE.equals(sp.getValue("fixed", false)));

    JsonObject edits = a.getJsonObject("edits", new JsonObject());
    String ePath = path + ".edits";
    JsonObject beats = edits.getJsonObject("beats", new JsonObject());
    double minBeats = number(beats, "min", paper.minBeats(), ePath + ".beats.min", 0.0625, 16);
    double maxBeats = number(beats, "max", paper.maxBeats(), ePath + ".beats.max", minBeats, 16);
    double beatStep = number(beats, "step", paper.beatStep(), ePath + ".beats.step", 0.0625, 16);
    List<Integer> drums = new ArrayList<>();
    JsonArray drumList = edits.getJsonArray("drums", new JsonArray(paper.drums()));
    for (int i = 0; i < drumList.size(); i++) {
      Object v = drumList.getValue(i);
      if (!(v instanceof Integer n) || (n != 0 && (n < 27 || n > 87))) {
        throw new Invalid(ePath + ".drums[" + i + "] must be a General MIDI drum key from 27 to 87, or 0 for a rest");
      }
      drums.add(n);
    }
    JsonObject episodes = a.getJsonObject("episodes", new JsonObject());
    Object steps = episodes.getValue("stepsPerEpisode", "track-length");
    int stepsPerEpisode = "track-length".equals(steps) ? 0
        : integer(episodes, "stepsPerEpisode", 0, path + ".episodes.stepsPerEpisode", 1, 1000);
    return new ArmSettings(id, settings, rules,
        integer(edits, "pitchesBelow", paper.pitchesBelow(), ePath + ".pitchesBelow", 0, 60),
        integer(edits, "pitchesAbove", paper.pitchesAbove(), ePath + ".pitchesAbove", 0, 60),
        minBeats, maxBeats, beatStep,
        integer(edits, "minNotes", paper.minNotes(), ePath + ".minNotes", 1, 64), drums,
        integer(episodes, "minimum", paper.minEpisodes(), path + ".episodes.minimum", 1, 1000), stepsPerEpisode);
  }

  private static Scale scale(String name, String path) {
    try {
      return Scale.parse(name);
    } catch (IllegalArgumentException e) {
      throw new Invalid(path + ": " + e.getMessage());
    }
  }

  private static JsonObject object(JsonObject o, String key, String path) {
    Object v = o.getValue(key);
    if (!(v instanceof JsonObject j)) {
      throw new Invalid(path + " is required and must be a mapping");
    }
    return j;
  }

  private static String text(JsonObject o, String key, String fallback, String path) {
    Object v = o.getValue(key);
    if (v == null && fallback != null) {
      return fallback;
    }
    if (v == null || v instanceof JsonObject || v instanceof JsonArray || String.valueOf(v).isBlank()) {
      throw new Invalid(path + " is required and must be text");
    }
    return String.valueOf(v);
  }

  private static int integer(JsonObject o, String key, int fallback, String path, int min, int max) {
    Object v = o.getValue(key);
    if (v == null) {
      return fallback;
    }
    if (!(v instanceof Integer n) || n < min || n > max) {
      throw new Invalid(path + " must be a whole number from " + min + " to " + max);
    }
    return n;
  }

  private static double number(JsonObject o, String key, double fallback, String path, double min, double max) {
    Object v = o.getValue(key);
    if (v == null) {
      return fallback;
    }
    if (!(v instanceof Number n) || n.doubleValue() < min || n.doubleValue() > max) {
      throw new Invalid(path + " must be a number from " + min + " to " + max);
    }
    return n.doubleValue();
  }

  private static int[] range(JsonObject o, String key, int lo, int hi, String path, int min, int max) {
    JsonArray r = o.getJsonArray(key);
    if (r == null) {
      return new int[] {lo, hi};
    }
    if (r.size() != 2 || !(r.getValue(0) instanceof Integer a) || !(r.getValue(1) instanceof Integer b)
        || a < min || b > max || a > b) {
      throw new Invalid(path + "." + key + " must be [lowest, highest] within " + min + ".." + max);
    }
    return new int[] {a, b};
  }
}
