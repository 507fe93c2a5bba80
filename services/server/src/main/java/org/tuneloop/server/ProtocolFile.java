package org.tuneloop.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.tuneloop.agent.AgentSettings;
import org.tuneloop.agent.Baseline;
import org.tuneloop.agent.Learner;
import org.tuneloop.agent.Policy;
import org.tuneloop.agent.Reward;
import org.tuneloop.music.PitchStep;
import org.tuneloop.agent.StateEncoder;
import org.tuneloop.music.Scale;
import org.tuneloop.music.StartParameters;
import org.tuneloop.study.ArmSettings;
import org.tuneloop.study.Block;
import org.tuneloop.study.Item;
import org.tuneloop.study.Protocol;
import org.tuneloop.study.Protocol.Problem;
import org.tuneloop.study.StartParameterRules;

/**
 * Reads a study protocol file (YAML or JSON). study-protocols/protocol.schema.json is the one source of its
 * defaults and ranges: the schema's defaults are filled in first, the schema is then checked (networknt's
 * validator), and {@link Protocol#problems()} adds the checks across fields. Every problem names its path,
 * e.g. "arms[1].agent.policy.epsilon: must be from 0 to 1, got 7".
 */
public final class ProtocolFile {
  private ProtocolFile() {}

  /** Where the schema ships inside the jar (copied from study-protocols/). */
  public static final String SCHEMA_RESOURCE = "/study-protocols/protocol.schema.json";

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNode SCHEMA_NODE = loadSchema();
  private static final Schema SCHEMA = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
      .getSchema(SchemaLocation.of(SCHEMA_NODE.path("$id").asText()), SCHEMA_NODE);

  /** A protocol file that cannot be used, with every problem found. */
  public static final class Invalid extends RuntimeException {
    private final List<Problem> problems;

    public Invalid(List<Problem> problems) {
      super(problems.size() == 1 ? "the protocol has a problem: " + problems.getFirst()
          : "the protocol has " + problems.size() + " problems: "
              + problems.stream().map(Problem::toString).collect(Collectors.joining("; ")));
      this.problems = List.copyOf(problems);
    }

    public List<Problem> problems() { return problems; }
  }

  /** The protocol, or {@link Invalid} listing every problem. */
  public static Protocol parse(String text) {
    JsonNode root = read(text);
    fillDefaults(root, SCHEMA_NODE);
    List<Problem> problems = schemaProblems(root);
    if (!problems.isEmpty()) {
      throw new Invalid(problems);
    }
    Protocol protocol = protocol((ObjectNode) root);
    problems = protocol.problems();
    if (!problems.isEmpty()) {
      throw new Invalid(problems);
    }
    return protocol;
  }

  /** Every problem of the file; empty when it can be used. */
  public static List<Problem> check(String text) {
    try {
      parse(text);
      return List.of();
    } catch (Invalid e) {
      return e.problems();
    }
  }

  /** The schema as shipped, for `study protocol schema` and the docs. */
  public static String schemaText() {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(SCHEMA_NODE);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode read(String text) {
    if (text == null || text.isBlank()) {
      throw new Invalid(List.of(new Problem("(file)", "the protocol file is empty")));
    }
    JsonNode root;
    try {
      root = YAML.readTree(text);
    } catch (IOException e) {
      String reason = e.getMessage() == null ? "unreadable" : e.getMessage().lines().findFirst().orElse("unreadable");
      throw new Invalid(List.of(new Problem("(file)", "is not valid YAML or JSON: " + reason)));
    }
    if (root == null || !root.isObject()) {
      throw new Invalid(List.of(new Problem("(file)", "must be a mapping of settings (id, version, consent, arms...)")));
    }
    return root;
  }

  // ---- defaults, from the schema -----------------------------------------------------------------------------

  /** Fills each absent property that has a schema default, then descends into objects and array items. */
  static void fillDefaults(JsonNode node, JsonNode schema) {
    JsonNode s = resolve(schema);
    if (node instanceof ObjectNode object && s.has("properties")) {
      Iterator<Map.Entry<String, JsonNode>> properties = s.get("properties").properties().iterator();
      while (properties.hasNext()) {
        Map.Entry<String, JsonNode> property = properties.next();
        JsonNode propertySchema = resolve(property.getValue());
        if (!object.has(property.getKey()) && property.getValue().has("default")) {
          object.set(property.getKey(), property.getValue().get("default").deepCopy());
        } else if (!object.has(property.getKey()) && propertySchema.has("default")) {
          object.set(property.getKey(), propertySchema.get("default").deepCopy());
        }
        if (object.has(property.getKey())) {
          fillDefaults(object.get(property.getKey()), property.getValue());
        }
      }
      // A block or an item: the branch whose `if` names the node's type adds that type's properties and defaults.
      for (JsonNode branch : s.path("allOf")) {
        JsonNode type = branch.path("if").path("properties").path("type").path("const");
        if (!type.isMissingNode() && type.equals(object.get("type"))) {
          fillDefaults(node, branch.path("then"));
        }
      }
    } else if (node instanceof ArrayNode array && s.has("items")) {
      for (JsonNode item : array) {
        fillDefaults(item, s.get("items"));
      }
    }
  }

  private static JsonNode resolve(JsonNode schema) {
    JsonNode ref = schema.get("$ref");
    if (ref == null || !ref.asText().startsWith("#/")) {
      return schema;
    }
    JsonNode target = SCHEMA_NODE.at(ref.asText().substring(1));
    if (target.isMissingNode()) {
      throw new IllegalStateException("the protocol schema refers to a missing " + ref.asText());
    }
    // Keywords beside the $ref (items, default) belong to the referring schema: merge them over the target.
    ObjectNode merged = ((ObjectNode) target).deepCopy();
    schema.properties().forEach(e -> {
      if (!e.getKey().equals("$ref")) {
        merged.set(e.getKey(), e.getValue());
      }
    });
    return merged;
  }

  // ---- schema problems in plain words --------------------------------------------------------------------------

  private static List<Problem> schemaProblems(JsonNode root) {
    List<Problem> problems = new ArrayList<>();
    for (Error error : SCHEMA.validate(root)) {
      String path = path(error);
      String keyword = error.getKeyword() == null ? "" : error.getKeyword();
      switch (keyword) {
        // anyOf and const report each branch; the anyOf line below says it once in words.
        case "const", "if", "then" -> { }
        case "required" -> problems.add(new Problem(join(path, error.getProperty()), "is required"));
        case "additionalProperties" -> problems.add(new Problem(join(path, error.getProperty()),
            "is not a setting here; allowed: " + String.join(", ", allowedProperties(path))));
        default -> problems.add(new Problem(path.isEmpty() ? "(file)" : path, reason(keyword, path, error)));
      }
    }
    return problems.stream().distinct().toList();
  }

  private static String reason(String keyword, String path, Error error) {
    JsonNode value = error.getInstanceNode();
    JsonNode schema = schemaAt(path);
    String got = ", got " + shown(value);
    if (schema.has("anyOf")) {
      return "must be " + anyOfWords(schema) + got; // a failed branch speaks for the whole choice
    }
    return switch (keyword) {
      case "type" -> "must be " + typeWords(schema) + got;
      case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum" ->
          schema.has("minimum") || schema.has("maximum") || schema.has("exclusiveMinimum") ? bounds(schema) + got
              : error.getMessage();
      case "enum" -> schema.has("enum") ? "must be one of " + schema.get("enum").toString().replace("\"", "")
          .replace(",", ", ") + got : error.getMessage();
      case "anyOf" -> "must be " + anyOfWords(schema) + got;
      case "pattern" -> "has characters or a form not allowed here (" + describePattern(path) + ")" + got;
      case "minItems", "maxItems" -> "must list " + itemCount(schema) + got;
      case "minLength" -> "must not be empty";
      case "maxLength" -> "must be at most " + schema.path("maxLength").asInt() + " characters long";
      case "uniqueItems" -> "must not list a value twice" + got;
      default -> error.getMessage();
    };
  }

  /** "arms[1].agent.policy.epsilon" from the validator's location (a JSON pointer or a JSON path). */
  private static String path(Error error) {
    String location = error.getInstanceLocation() == null ? "" : error.getInstanceLocation().toString();
    StringBuilder path = new StringBuilder();
    for (String part : location.replaceFirst("^\\$", "").split("[/.]")) {
      if (part.isEmpty()) {
        continue;
      }
      String name = part.replace("~1", "/").replace("~0", "~");
      if (name.matches("\\d+")) {
        path.append('[').append(name).append(']');
      } else {
        path.append(path.isEmpty() ? "" : ".").append(name);
      }
    }
    return path.toString();
  }

  private static String join(String path, String property) {
    return path.isEmpty() ? property : path + "." + property;
  }

  /** The (resolved) schema of the value at a path such as "arms[1].agent.policy.epsilon". */
  static JsonNode schemaAt(String path) {
    JsonNode schema = SCHEMA_NODE;
    if (path.isEmpty()) {
      return schema;
    }
    for (String part : path.split("\\.")) {
      String name = part.replaceAll("\\[\\d+]", "");
      if (!name.isEmpty()) {
        JsonNode parent = resolve(schema);
        schema = parent.path("properties").path(name);
        // A type's own properties sit in its if/then branch (blocks and items).
        for (JsonNode branch : parent.path("allOf")) {
          JsonNode inBranch = branch.path("then").path("properties").path(name);
          if (inBranch.size() > 0 && schema.size() == 0) {
            schema = inBranch;
          }
        }
      }
      for (int i = part.indexOf('['); i >= 0; i = part.indexOf('[', i + 1)) {
        schema = resolve(schema).path("items");
      }
    }
    return resolve(schema);
  }

  private static List<String> allowedProperties(String path) {
    List<String> names = new ArrayList<>();
    schemaAt(path).path("properties").fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static String typeWords(JsonNode schema) {
    JsonNode type = schema.path("type");
    List<String> words = new ArrayList<>();
    (type.isArray() ? type : JSON.createArrayNode().add(type)).forEach(t -> words.add(switch (t.asText()) {
      case "integer" -> "a whole number";
      case "number" -> "a number";
      case "string" -> "text";
      case "boolean" -> "true or false";
      case "object" -> "a mapping";
      case "array" -> "a list";
      case "null" -> "null";
      default -> t.asText();
    }));
    return String.join(" or ", words);
  }

  private static String bounds(JsonNode schema) {
    String lo = schema.has("minimum") ? number(schema.get("minimum")) : null;
    String hi = schema.has("maximum") ? number(schema.get("maximum")) : null;
    if (schema.has("exclusiveMinimum")) {
      return "must be above " + number(schema.get("exclusiveMinimum")) + (hi != null ? " and at most " + hi : "");
    }
    if (lo != null && hi != null) {
      return "must be from " + lo + " to " + hi;
    }
    return lo != null ? "must be at least " + lo : "must be at most " + hi;
  }

  private static String anyOfWords(JsonNode schema) {
    List<String> words = new ArrayList<>();
    for (JsonNode branch : schema.path("anyOf")) {
      if (branch.has("const")) {
        words.add(branch.get("const").toString().replace("\"", "'"));
      } else if (branch.has("minimum") && schema.path("type").asText("").equals("integer")) {
        words.add("a whole number " + bounds(branch).substring("must be ".length()));
      } else if (branch.has("minimum") || branch.has("maximum")) {
        words.add((branch.path("type").asText("").equals("integer") ? "a whole number " : "a number ")
            + bounds(branch).substring("must be ".length()));
      }
    }
    return String.join(" or ", words);
  }

  private static String itemCount(JsonNode schema) {
    int min = schema.path("minItems").asInt(0);
    int max = schema.path("maxItems").asInt(Integer.MAX_VALUE);
    if (min == max) {
      return "exactly " + min + (min == 2 && schema.path("description").asText().contains("lowest")
          ? " values, [lowest, highest]" : " values");
    }
    return max == Integer.MAX_VALUE ? "at least " + min + " value" + (min == 1 ? "" : "s")
        : "from " + min + " to " + max + " values";
  }

  private static String describePattern(String path) {
    String description = schemaAt(path).path("description").asText("");
    return description.isEmpty() ? "see docs/protocols.md" : description;
  }

  private static String number(JsonNode n) {
    return n.isIntegralNumber() ? n.asText() : Double.toString(n.asDouble()).replaceAll("\\.0$", "");
  }

  private static String shown(JsonNode value) {
    if (value == null || value.isMissingNode()) {
      return "nothing";
    }
    String text = value.isTextual() ? "'" + value.asText() + "'" : value.toString();
    return text.length() > 60 ? text.substring(0, 60) + "…" : text;
  }

  // ---- the protocol record, from a checked tree whose defaults are filled in ----------------------------------

  private static Protocol protocol(ObjectNode p) {
    String id = p.get("id").asText();
    JsonNode consent = p.get("consent");
    JsonNode recruitment = p.get("recruitment");
    List<Protocol.Arm> arms = new ArrayList<>();
    int weights = 0;
    // Combinations the agent module refuses (e.g. a centred change of rating) fail as the arm is built.
    List<Problem> refused = new ArrayList<>();
    for (JsonNode arm : p.get("arms")) {
      try {
        arms.add(arm(arm));
      } catch (IllegalArgumentException e) {
        refused.add(new Problem("arms[" + (arms.size() + refused.size()) + "].agent", e.getMessage()));
      }
      weights += arm.get("weight").asInt();
    }
    if (!refused.isEmpty()) {
      throw new Invalid(refused);
    }
    JsonNode blockSize = p.get("randomisation").get("blockSize");
    JsonNode t = p.get("timing");
    Protocol.Timing timing = new Protocol.Timing(t.get("secondsPerRating").asInt(), t.get("minutesOutsideTraining").asInt());
    Protocol.Estimate estimate = Protocol.estimate(arms, timing);
    List<Block> flow = new ArrayList<>();
    p.get("flow").forEach(b -> flow.add(block(b, estimate)));
    return new Protocol(id, p.get("version").asInt(), p.has("title") ? p.get("title").asText() : id,
        new Protocol.Consent(consent.get("version").asText(), estimate.fill(consent.get("text").asText())),
        new Protocol.Recruitment(optionalInt(recruitment.get("maxParticipants")),
            Protocol.WhilePaused.valueOf(recruitment.get("whilePaused").asText().toUpperCase(java.util.Locale.ROOT)),
            recruitment.get("idleMinutes").asInt(), optionalText(recruitment.get("completionCode")),
            optionalText(recruitment.get("redirectUrl"))),
        blockSize.isNull() ? 2 * weights : blockSize.asInt(), arms, flow, timing, thresholds(p.get("dataQuality"), p.get("diagnostics")));
  }

  private static Protocol.Thresholds thresholds(JsonNode q, JsonNode d) {
    JsonNode difference = q.get("probeDifference");
    return new Protocol.Thresholds(q.get("breakMinutes").asInt(), optionalInt(q.get("identicalRun")),
        optionalInt(q.get("attentionFailures")), difference.isNull() ? null : difference.asDouble(),
        optionalInt(q.get("fatigueAbove")), new Protocol.Diagnostics(optionalInt(d.get("minSteps")),
            optionalNumber(d.get("policyCollapseShare")), optionalNumber(d.get("neverSeenStateShare")),
            optionalNumber(d.get("ratingDriftPerEpisode"))));
  }

  private static Double optionalNumber(JsonNode n) {
    return n == null || n.isNull() ? null : n.asDouble();
  }

  /** The flow as recorded in ParticipantEnrolled (the protocol file's form, defaults filled, texts filled in). */
  public static List<Block> flow(String json) {
    try {
      JsonNode node = JSON.readTree(json);
      List<Block> flow = new ArrayList<>();
      node.forEach(b -> flow.add(block(b, null)));
      return flow;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A block from its checked, default-filled tree; texts get the placeholders filled when an estimate is given. */
  static Block block(JsonNode b, Protocol.Estimate estimate) {
    String id = b.get("id").asText();
    java.util.function.Function<JsonNode, String> text = n -> n == null || n.isNull() ? null
        : estimate == null ? n.asText() : estimate.fill(n.asText());
    return switch (b.get("type").asText()) {
      case "instructions" -> {
        List<Block.Page> pages = new ArrayList<>();
        b.get("pages").forEach(page -> pages.add(new Block.Page(text.apply(page.get("title")),
            text.apply(page.get("text")))));
        yield new Block.Instructions(id, pages);
      }
      case "practice" -> new Block.Practice(id, text.apply(b.get("text")));
      case "listening-check" -> {
        JsonNode h = b.get("headphoneCheck");
        yield new Block.ListeningCheck(id, text.apply(b.get("text")), h == null || h.isNull() ? null
            : new Block.HeadphoneCheck(h.get("trials").asInt(), h.get("passMinimum").asInt(),
                Block.OnFail.valueOf(h.get("onFail").asText().toUpperCase(java.util.Locale.ROOT))));
      }
      case "questionnaire" -> new Block.Questionnaire(id, text.apply(b.get("title")), items(b.get("items"), text));
      case "training" -> {
        List<Block.Attached> attached = new ArrayList<>();
        b.get("questionnaires").forEach(q -> attached.add(new Block.Attached(q.get("every").asInt(),
            new Block.Questionnaire(q.get("id").asText(), text.apply(q.get("title")), items(q.get("items"), text)))));
        JsonNode br = b.get("breaks");
        Block.BreakPolicy breaks = br == null || br.isNull() ? null
            : new Block.BreakPolicy(optionalInt(br.get("afterMinutes")), optionalInt(br.get("fatigueAbove")),
                optionalInt(br.get("identicalRun")), "enforce".equals(br.get("mode").asText()),
                br.get("seconds").asInt());
        JsonNode listen = b.get("mustListen");
        List<Block.Probe> probes = new ArrayList<>();
        b.get("probes").forEach(pr -> probes.add(new Block.Probe(pr.get("episode").asInt(), pr.get("afterStep").asInt(),
            pr.get("repeatEpisode").asInt(), pr.get("repeatStep").asInt())));
        yield new Block.Training(id, b.get("pauseBetweenEpisodes").asBoolean(), attached, breaks,
            new Block.MustListen(listen.get("enabled").asBoolean(), listen.get("toleranceMillis").asInt()), probes);
      }
      case "evaluation" -> {
        List<Block.Source> tracks = new ArrayList<>();
        b.get("tracks").forEach(tr -> tracks.add(Block.Source.parse(tr.asText())));
        yield new Block.Evaluation(id, text.apply(b.get("text")), tracks, items(b.get("items"), text),
            b.get("toleranceMillis").asInt());
      }
      case "debrief" -> new Block.Debrief(id, text.apply(b.get("title")), text.apply(b.get("text")),
          items(b.get("items"), text));
      default -> throw new IllegalStateException("the schema allows a block this reader lacks: " + b.get("type"));
    };
  }

  private static List<Item> items(JsonNode items, java.util.function.Function<JsonNode, String> text) {
    List<Item> list = new ArrayList<>();
    for (JsonNode i : items) {
      String id = i.get("id").asText();
      String question = text.apply(i.get("text"));
      boolean required = i.get("required").asBoolean();
      list.add(switch (i.get("type").asText()) {
        case "likert" -> new Item.Likert(id, question, required, i.get("points").asInt(), strings(i.get("anchors")));
        case "single-choice" -> new Item.SingleChoice(id, question, required, strings(i.get("options")));
        // max defaults to "any number": capped at the options there are.
        case "multiple-choice" -> new Item.MultipleChoice(id, question, required, strings(i.get("options")),
            i.get("min").asInt(), Math.min(i.get("max").asInt(), i.get("options").size()));
        case "number" -> new Item.NumberItem(id, question, required, i.get("min").asDouble(), i.get("max").asDouble(),
            i.get("integer").asBoolean());
        case "text" -> new Item.TextItem(id, question, required, i.get("maxLength").asInt());
        case "attention-check" -> new Item.AttentionCheck(id, question, strings(i.get("options")),
            i.get("expected").asText());
        case "fatigue" -> new Item.Fatigue(id, question, required, Item.FatigueScale.parse(i.get("scale").asText()));
        default -> throw new IllegalStateException("the schema allows an item this reader lacks: " + i.get("type"));
      });
    }
    return list;
  }

  private static List<String> strings(JsonNode array) {
    List<String> list = new ArrayList<>();
    array.forEach(n -> list.add(n.asText()));
    return list;
  }

  private static Protocol.Arm arm(JsonNode a) {
    JsonNode agent = a.get("agent");
    JsonNode policy = agent.get("policy");
    Policy chosen = switch (policy.get("type").asText()) {
      case "epsilon-greedy" -> new Policy.EpsilonGreedy(policy.get("epsilon").asDouble(), decay(policy.get("decay")));
      case "softmax" -> new Policy.Softmax(policy.get("temperature").asDouble());
      case "ucb" -> new Policy.Ucb(policy.get("c").asDouble());
      default -> throw new IllegalStateException("the schema allows a policy this reader lacks: " + policy);
    };
    JsonNode reward = agent.get("reward");
    Reward chosenReward = switch (reward.get("type").asText()) {
      case "rating" -> new Reward.Rating();
      case "change-of-rating" -> new Reward.ChangeOfRating();
      case "compound" -> {
        JsonNode w = reward.get("weights");
        yield new Reward.Compound(w.get("musicality").asDouble(), w.get("novelty").asDouble(),
            w.get("coherence").asDouble());
      }
      default -> throw new IllegalStateException("the schema allows a reward this reader lacks: " + reward);
    };
    JsonNode baseline = agent.get("baseline");
    Baseline chosenBaseline = switch (baseline.get("type").asText()) {
      case "none" -> new Baseline.None();
      case "centred" -> new Baseline.Centred();
      case "optimistic-start" -> new Baseline.OptimisticStart(baseline.get("initialValue").asDouble());
      default -> throw new IllegalStateException("the schema allows a baseline this reader lacks: " + baseline);
    };
    AgentSettings settings = new AgentSettings(agent.get("alpha").asDouble(), agent.get("gamma").asDouble(), chosen,
        StateEncoder.parse(agent.get("encoder").asText()), chosenReward, chosenBaseline,
        PitchStep.Kind.parse(agent.get("pitchStep").asText()), Learner.parse(agent.get("learner").asText()));
    JsonNode sp = a.get("startParameters");
    JsonNode d = sp.get("defaults");
    StartParameters defaults = new StartParameters(d.get("baseNote").asInt(), Scale.parse(d.get("scale").asText()),
        d.get("length").asInt(), d.get("tempo").asInt());
    List<Scale> scales = new ArrayList<>();
    sp.get("scales").forEach(s -> scales.add(Scale.parse(s.asText())));
    StartParameterRules rules = new StartParameterRules(defaults, scales,
        sp.get("baseNote").get(0).asInt(), sp.get("baseNote").get(1).asInt(),
        sp.get("length").get(0).asInt(), sp.get("length").get(1).asInt(),
        sp.get("tempo").get(0).asInt(), sp.get("tempo").get(1).asInt(), sp.get("fixed").asBoolean(),
        integers(sp.get("baseNotesPerEpisode")));
    JsonNode edits = a.get("edits");
    JsonNode beats = edits.get("beats");
    List<Integer> drums = new ArrayList<>();
    edits.get("drums").forEach(n -> drums.add(n.asInt()));
    JsonNode episodes = a.get("episodes");
    JsonNode steps = episodes.get("stepsPerEpisode");
    ArmSettings arm = new ArmSettings(a.get("id").asText(), settings, rules, edits.get("pitchesBelow").asInt(),
        edits.get("pitchesAbove").asInt(), beats.get("min").asDouble(), beats.get("max").asDouble(),
        beats.get("step").asDouble(), edits.get("minNotes").asInt(), drums, episodes.get("minimum").asInt(),
        steps.isTextual() ? 0 : steps.asInt(), episodes.hasNonNull("maximum") ? episodes.get("maximum").asInt()
            : ArmSettings.defaultMaxEpisodes(episodes.get("minimum").asInt()), episodes.get("rateFreshTrack").asBoolean());
    return new Protocol.Arm(arm, a.get("weight").asInt(), optionalInt(a.get("maxParticipants")));
  }

  private static Policy.Decay decay(JsonNode d) {
    return switch (d.get("type").asText()) {
      case "none" -> new Policy.Decay.None();
      case "per-episode" -> new Policy.Decay.PerEpisode(d.get("rate").asDouble(), d.get("floor").asDouble());
      case "per-step" -> new Policy.Decay.PerStep(d.get("rate").asDouble(), d.get("floor").asDouble());
      default -> throw new IllegalStateException("the schema allows a decay this reader lacks: " + d);
    };
  }

  /** A list of integers, or null for an absent or null setting. */
  private static List<Integer> integers(JsonNode array) {
    if (array == null || array.isNull()) {
      return null;
    }
    List<Integer> list = new ArrayList<>();
    array.forEach(n -> list.add(n.asInt()));
    return list;
  }

  private static Integer optionalInt(JsonNode n) {
    return n == null || n.isNull() ? null : n.asInt();
  }

  private static String optionalText(JsonNode n) {
    return n == null || n.isNull() ? null : n.asText();
  }

  private static JsonNode loadSchema() {
    try (InputStream in = ProtocolFile.class.getResourceAsStream(SCHEMA_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(SCHEMA_RESOURCE + " is missing from the jar");
      }
      return JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
