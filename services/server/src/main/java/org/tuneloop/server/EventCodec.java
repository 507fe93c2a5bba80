package org.tuneloop.server;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import org.tuneloop.agent.AgentSettings;
import org.tuneloop.agent.Baseline;
import org.tuneloop.agent.Learner;
import org.tuneloop.agent.Policy;
import org.tuneloop.agent.Reward;
import org.tuneloop.music.PitchStep;
import org.tuneloop.agent.StateEncoder;
import org.tuneloop.music.Edit;
import org.tuneloop.music.Note;
import org.tuneloop.music.Scale;
import org.tuneloop.music.StartParameters;
import org.tuneloop.music.Track;
import org.tuneloop.music.TrackEdit;
import org.tuneloop.study.Answer;
import org.tuneloop.study.ArmSettings;
import org.tuneloop.study.Block;
import org.tuneloop.study.Item;
import org.tuneloop.study.ParticipantEvent;
import org.tuneloop.study.ParticipantEvent.ActionChosen;
import org.tuneloop.study.ParticipantEvent.CompositionCreated;
import org.tuneloop.study.ParticipantEvent.ConsentDeclined;
import org.tuneloop.study.ParticipantEvent.ConsentGiven;
import org.tuneloop.study.ParticipantEvent.EpisodeCompleted;
import org.tuneloop.study.ParticipantEvent.EpisodeStarted;
import org.tuneloop.study.ParticipantEvent.ParticipantEnrolled;
import org.tuneloop.study.ParticipantEvent.ParticipantWithdrew;
import org.tuneloop.study.ParticipantEvent.QValueUpdated;
import org.tuneloop.study.ParticipantEvent.StartParametersChosen;
import org.tuneloop.study.ParticipantEvent.TrackPresented;
import org.tuneloop.study.ParticipantEvent.TrackRated;
import org.tuneloop.study.ParticipantEvent.TrainingFinished;
import org.tuneloop.study.ParticipantEvent.ObservationNoted;
import org.tuneloop.study.ParticipantEvent.ParticipantDroppedOut;
import org.tuneloop.study.ParticipantEvent.SessionEndedEarly;
import org.tuneloop.study.ParticipantEvent.SessionPaused;
import org.tuneloop.study.ParticipantEvent.SessionResumed;
import org.tuneloop.study.StudyEvent;
import org.tuneloop.study.StartParameterRules;

/**
 * Participant events to and from their stored JSON. The field names here are the event catalogue's
 * (docs/events.md); a type whose shape changes gets a new schema version and an upcaster in {@link #decode}.
 */
public final class EventCodec {

  private EventCodec() {}

  public static JsonObject encode(ParticipantEvent event) {
    return switch (event) {
      case ParticipantEnrolled e -> new JsonObject().put("participantId", e.participantId())
          .put("studyId", e.studyId()).put("protocolId", e.protocolId()).put("protocolVersion", e.protocolVersion())
          .put("seed", e.seed()).put("consentVersion", e.consentVersion()).put("consentSha256", e.consentSha256())
          .put("settings", settings(e.settings())).put("test", e.test()).put("flow", flow(e.flow()))
          .put("assignmentIndex", e.assignmentIndex()).put("completionCode", e.completionCode());
      case ConsentGiven e -> new JsonObject().put("consentVersion", e.consentVersion())
          .put("consentSha256", e.consentSha256());
      case ConsentDeclined e -> new JsonObject().put("consentVersion", e.consentVersion());
      case StartParametersChosen e -> parameters(e.parameters());
      // Fields of the learning options are written only when set, so the method's events keep their shape.
      case EpisodeStarted e -> optional(new JsonObject().put("episode", e.episode()).put("track", track(e.track())),
          "baseNote", e.baseNote());
      case ActionChosen e -> {
        JsonObject json = new JsonObject().put("episode", e.episode()).put("step", e.step())
            .put("edit", e.action().edit().id()).put("note", e.action().note()).put("explored", e.explored())
            .put("epsilon", e.epsilon());
        optional(json, "temperature", e.temperature());
        optional(json, "probability", e.probability());
        optional(json, "visits", e.visits());
        yield optional(json, "bonus", e.bonus());
      }
      case TrackPresented e -> new JsonObject().put("episode", e.episode()).put("step", e.step())
          .put("track", track(e.track())).put("presentedAt", e.presentedAt().toString());
      case TrackRated e -> {
        JsonObject json = new JsonObject().put("episode", e.episode()).put("step", e.step())
            .put("rating", e.rating()).put("millisToRate", e.millisToRate())
            .put("clientMillisToRate", e.clientMillisToRate()).put("heardShare", e.heardShare())
            .put("replays", e.replays()).put("hiddenMillis", e.hiddenMillis());
        optional(json, "musicality", e.musicality());
        optional(json, "novelty", e.novelty());
        yield optional(json, "coherence", e.coherence());
      }
      case QValueUpdated e -> {
        JsonObject json = new JsonObject().put("episode", e.episode()).put("step", e.step())
            .put("state", e.state()).put("action", e.action()).put("before", e.before()).put("reward", e.reward())
            .put("maxNext", e.maxNext()).put("alpha", e.alpha()).put("gamma", e.gamma())
            .put("terminal", e.terminal()).put("after", e.after());
        optional(json, "features", e.features() == null ? null : new JsonArray(e.features()));
        optional(json, "tdError", e.tdError());
        yield optional(json, "deltas", e.deltas() == null ? null : new JsonArray(e.deltas()));
      }
      case EpisodeCompleted e -> new JsonObject().put("episode", e.episode());
      case TrainingFinished e -> new JsonObject().put("episodes", e.episodes());
      case CompositionCreated e -> new JsonObject().put("start", track(e.start()))
          .put("actions", new JsonArray(e.actions().stream().map(TrackEdit::key).toList()))
          .put("result", track(e.result())).put("fromEpisode", e.fromEpisode()).put("fromStep", e.fromStep())
          .put("learnedSteps", e.learnedSteps());
      case ParticipantWithdrew e -> new JsonObject().put("phase", e.phase());
      case SessionPaused e -> new JsonObject().put("by", e.by()).put("reason", e.reason());
      case SessionResumed e -> new JsonObject().put("by", e.by());
      case ObservationNoted e -> new JsonObject().put("by", e.by()).put("text", e.text());
      case SessionEndedEarly e -> new JsonObject().put("by", e.by()).put("reason", e.reason()).put("phase", e.phase());
      case ParticipantDroppedOut e -> new JsonObject().put("idleMinutes", e.idleMinutes()).put("phase", e.phase());
      case ParticipantEvent.IdentifyingDataErased e -> new JsonObject().put("by", e.by()).put("entries", e.entries())
          .put("texts", e.texts());
      case ParticipantEvent.BlockStarted e -> new JsonObject().put("index", e.index()).put("block", e.block()).put("type", e.type());
      case ParticipantEvent.BlockCompleted e -> new JsonObject().put("index", e.index()).put("block", e.block());
      case ParticipantEvent.InstructionsRead e -> new JsonObject().put("block", e.block()).put("pages", e.pages());
      case ParticipantEvent.ListeningSetupRecorded e -> new JsonObject().put("block", e.block()).put("browser", e.browser())
          .put("sampleRate", e.sampleRate()).put("outputLatency", e.outputLatency()).put("deviceType", e.deviceType());
      case ParticipantEvent.HeadphoneTrialAnswered e -> new JsonObject().put("block", e.block()).put("trial", e.trial())
          .put("answer", e.answer()).put("expected", e.expected()).put("correct", e.correct());
      case ParticipantEvent.HeadphoneCheckCompleted e -> new JsonObject().put("block", e.block()).put("correct", e.correct())
          .put("trials", e.trials()).put("passed", e.passed());
      case ParticipantEvent.ParticipantScreenedOut e -> new JsonObject().put("block", e.block()).put("reason", e.reason());
      case ParticipantEvent.QuestionnaireAnswered e -> new JsonObject().put("block", e.block()).put("item", e.item())
          .put("value", answer(e.value())).put("wordingSha256", e.wordingSha256()).put("afterEpisode", e.afterEpisode());
      case ParticipantEvent.AttentionCheckAnswered e -> new JsonObject().put("block", e.block()).put("item", e.item())
          .put("answer", e.answer()).put("expected", e.expected()).put("passed", e.passed())
          .put("wordingSha256", e.wordingSha256());
      case ParticipantEvent.FatigueReported e -> new JsonObject().put("block", e.block()).put("item", e.item())
          .put("scale", e.scale()).put("level", e.level()).put("wordingSha256", e.wordingSha256())
          .put("afterEpisode", e.afterEpisode());
      case ParticipantEvent.PracticeTrackPresented e -> new JsonObject().put("block", e.block()).put("track", track(e.track()))
          .put("tempo", e.tempo()).put("presentedAt", e.presentedAt().toString());
      case ParticipantEvent.PracticeTrackRated e -> new JsonObject().put("block", e.block()).put("rating", e.rating())
          .put("millisToRate", e.millisToRate());
      case ParticipantEvent.EvaluationOrderAssigned e -> new JsonObject().put("block", e.block()).put("row", e.row())
          .put("order", new JsonArray(e.order().stream().map(t -> new JsonObject().put("label", t.label())
              .put("source", t.source()).put("track", track(t.track())).put("tempo", t.tempo())).toList()));
      case ParticipantEvent.EvaluationTrackPresented e -> new JsonObject().put("block", e.block()).put("label", e.label())
          .put("presentedAt", e.presentedAt().toString());
      case ParticipantEvent.EvaluationAnswered e -> new JsonObject().put("block", e.block()).put("label", e.label())
          .put("source", e.source()).put("answers", new JsonObject(new java.util.TreeMap<String, Object>(e.answers())))
          .put("wordingSha256", e.wordingSha256()).put("millisToRate", e.millisToRate());
      case ParticipantEvent.BreakSuggested e -> new JsonObject().put("reason", e.reason()).put("seconds", e.seconds())
          .put("at", e.at().toString());
      case ParticipantEvent.BreakStarted e -> new JsonObject().put("reason", e.reason()).put("seconds", e.seconds())
          .put("enforced", e.enforced()).put("endsAt", e.endsAt().toString());
      case ParticipantEvent.BreakEnded e -> new JsonObject().put("endedAt", e.endedAt().toString());
      case ParticipantEvent.ProbePresented e -> new JsonObject().put("episode", e.episode()).put("afterStep", e.afterStep())
          .put("repeatEpisode", e.repeatEpisode()).put("repeatStep", e.repeatStep()).put("track", track(e.track()))
          .put("presentedAt", e.presentedAt().toString());
      case ParticipantEvent.ProbeRated e -> new JsonObject().put("episode", e.episode()).put("afterStep", e.afterStep())
          .put("rating", e.rating()).put("earlierRating", e.earlierRating()).put("millisToRate", e.millisToRate());
      case ParticipantEvent.ParticipantCompleted e -> new JsonObject().put("completionCode", e.completionCode());
    };
  }

  private static JsonObject optional(JsonObject json, String field, Object value) {
    return value == null ? json : json.put(field, value);
  }

  private static List<Double> doubles(JsonArray array) {
    return array == null ? null : array.stream().map(x -> ((Number) x).doubleValue()).toList();
  }

  /** An answer's value: a number, an option, a list of options, or a free-text reference {textRef, length}. */
  static Object answer(Answer a) {
    return switch (a) {
      case Answer.NumberAnswer n -> n.value() == Math.rint(n.value()) ? (Object) (long) n.value() : (Object) n.value();
      case Answer.Choice c -> c.option();
      case Answer.Choices c -> new JsonArray(c.options());
      case Answer.TextReference t -> new JsonObject().put("textRef", t.reference()).put("length", t.length());
      case Answer.Text t -> throw new IllegalArgumentException("free text never enters the event log");
    };
  }

  static Answer answer(Object value) {
    return switch (value) {
      case Number n -> new Answer.NumberAnswer(n.doubleValue());
      case String s -> new Answer.Choice(s);
      case JsonArray a -> new Answer.Choices(a.stream().map(String::valueOf).toList());
      case JsonObject o -> new Answer.TextReference(o.getString("textRef"), o.getInteger("length"));
      default -> throw new IllegalArgumentException("not an answer: " + value);
    };
  }

  private static Instant instant(JsonObject d, String field) {
    return Instant.parse(d.getString(field));
  }

  /** The flow in the protocol file's form (read back by ProtocolFile.flow). */
  public static JsonArray flow(List<Block> flow) {
    JsonArray blocks = new JsonArray();
    for (Block block : flow) {
      JsonObject b = new JsonObject().put("type", block.type()).put("id", block.id());
      switch (block) {
        case Block.Instructions i -> b.put("pages", new JsonArray(i.pages().stream()
            .map(p -> new JsonObject().put("title", p.title()).put("text", p.text())).toList()));
        case Block.Practice p -> b.put("text", p.text());
        case Block.ListeningCheck l -> b.put("text", l.text()).put("headphoneCheck", l.headphoneCheck() == null ? null
            : new JsonObject().put("trials", l.headphoneCheck().trials())
                .put("passMinimum", l.headphoneCheck().passMinimum())
                .put("onFail", l.headphoneCheck().onFail().name().toLowerCase(java.util.Locale.ROOT)));
        case Block.Questionnaire q -> b.put("title", q.title()).put("items", items(q.items()));
        case Block.Training t -> b.put("pauseBetweenEpisodes", t.pauseBetweenEpisodes())
            .put("questionnaires", new JsonArray(t.questionnaires().stream().map(a -> new JsonObject()
                .put("every", a.every()).put("id", a.questionnaire().id()).put("title", a.questionnaire().title())
                .put("items", items(a.questionnaire().items()))).toList()))
            .put("breaks", t.breaks() == null ? null : new JsonObject().put("afterMinutes", t.breaks().afterMinutes())
                .put("fatigueAbove", t.breaks().fatigueAbove()).put("identicalRun", t.breaks().identicalRun())
                .put("mode", t.breaks().enforce() ? "enforce" : "suggest").put("seconds", t.breaks().seconds()))
            .put("mustListen", new JsonObject().put("enabled", t.mustListen().enabled())
                .put("toleranceMillis", t.mustListen().toleranceMillis()))
            .put("probes", new JsonArray(t.probes().stream().map(p -> new JsonObject().put("episode", p.episode())
                .put("afterStep", p.afterStep()).put("repeatEpisode", p.repeatEpisode())
                .put("repeatStep", p.repeatStep())).toList()));
        case Block.Evaluation e -> b.put("text", e.text())
            .put("tracks", new JsonArray(e.tracks().stream().map(Block.Source::id).toList()))
            .put("items", items(e.items())).put("toleranceMillis", e.toleranceMillis());
        case Block.Debrief d -> b.put("title", d.title()).put("text", d.text()).put("items", items(d.items()));
      }
      blocks.add(b);
    }
    return blocks;
  }

  /** Items in the protocol file's form; also what the session view shows of them. */
  public static JsonArray items(List<Item> items) {
    JsonArray list = new JsonArray();
    for (Item item : items) {
      JsonObject i = new JsonObject().put("type", item.type()).put("id", item.id()).put("text", item.text())
          .put("required", item.required());
      switch (item) {
        case Item.Likert l -> i.put("points", l.points()).put("anchors", new JsonArray(l.anchors()));
        case Item.SingleChoice c -> i.put("options", new JsonArray(c.options()));
        case Item.MultipleChoice c -> i.put("options", new JsonArray(c.options())).put("min", c.min())
            .put("max", c.max());
        case Item.NumberItem n -> i.put("min", n.min()).put("max", n.max()).put("integer", n.integer());
        case Item.TextItem t -> i.put("maxLength", t.maxLength());
        case Item.AttentionCheck a -> i.put("options", new JsonArray(a.options())).put("expected", a.expected());
        case Item.Fatigue f -> i.put("scale", f.scale().id());
      }
      list.add(i);
    }
    return list;
  }

  /**
   * Reads a stored event of any schema version this code has known: older versions are upcast here, on read, so the
   * stored event (and its hash) never changes. ParticipantEnrolled 1 had no {@code test} flag (there were no test
   * participants then).
   */
  public static ParticipantEvent decode(String type, int schemaVersion, JsonObject d) {
    int current = switch (type) {
      case "ParticipantEnrolled" -> 3;
      case "TrackRated" -> 2;
      case "CompositionCreated" -> 2;
      default -> 1;
    };
    boolean known = schemaVersion >= 1 && schemaVersion <= current;
    if (!known) {
      throw new IllegalArgumentException("no upcaster for " + type + " schema version " + schemaVersion);
    }
    return switch (type) {
      case "ParticipantEnrolled" -> new ParticipantEnrolled(d.getString("participantId"), d.getString("studyId"),
          d.getString("protocolId"), d.getInteger("protocolVersion"), d.getLong("seed"), d.getString("consentVersion"),
          d.getString("consentSha256"), settings(d.getJsonObject("settings")),
          schemaVersion >= 2 && d.getBoolean("test", false),
          schemaVersion >= 3 ? ProtocolFile.flow(d.getJsonArray("flow").encode()) : List.of(Block.Training.plain()),
          schemaVersion >= 3 ? d.getInteger("assignmentIndex") : 0,
          schemaVersion >= 3 ? d.getString("completionCode") : null);
      case "ConsentGiven" -> new ConsentGiven(d.getString("consentVersion"), d.getString("consentSha256"));
      case "ConsentDeclined" -> new ConsentDeclined(d.getString("consentVersion"));
      case "StartParametersChosen" -> new StartParametersChosen(parameters(d));
      case "EpisodeStarted" -> new EpisodeStarted(d.getInteger("episode"), track(d.getJsonArray("track")),
          d.getInteger("baseNote"));
      case "ActionChosen" -> new ActionChosen(d.getInteger("episode"), d.getInteger("step"),
          new TrackEdit(Edit.parse(d.getString("edit")), d.getInteger("note")),
          d.getBoolean("explored"), d.getDouble("epsilon"), d.getDouble("temperature"), d.getDouble("probability"),
          d.getInteger("visits"), d.getDouble("bonus"));
      case "TrackPresented" -> new TrackPresented(d.getInteger("episode"), d.getInteger("step"),
          track(d.getJsonArray("track")), Instant.parse(d.getString("presentedAt")));
      case "TrackRated" -> new TrackRated(d.getInteger("episode"), d.getInteger("step"), d.getInteger("rating"),
          d.getLong("millisToRate"), d.getLong("clientMillisToRate"),
          schemaVersion >= 2 ? d.getDouble("heardShare") : null, schemaVersion >= 2 ? d.getInteger("replays") : null,
          schemaVersion >= 2 ? d.getLong("hiddenMillis") : null, d.getInteger("musicality"),
          d.getInteger("novelty"), d.getInteger("coherence"));
      case "QValueUpdated" -> new QValueUpdated(d.getInteger("episode"), d.getInteger("step"), d.getString("state"),
          d.getString("action"), d.getDouble("before"), d.getDouble("reward"), d.getDouble("maxNext"),
          d.getDouble("alpha"), d.getDouble("gamma"), d.getBoolean("terminal"), d.getDouble("after"),
          doubles(d.getJsonArray("features")), d.getDouble("tdError"), doubles(d.getJsonArray("deltas")));
      case "EpisodeCompleted" -> new EpisodeCompleted(d.getInteger("episode"));
      case "TrainingFinished" -> new TrainingFinished(d.getInteger("episodes"));
      // Version 1 started from a fresh track and did not count learned steps: both read as unknown (null).
      case "CompositionCreated" -> new CompositionCreated(track(d.getJsonArray("start")),
          d.getJsonArray("actions").stream().map(a -> TrackEdit.parse((String) a)).toList(),
          track(d.getJsonArray("result")), schemaVersion >= 2 ? d.getInteger("fromEpisode") : null,
          schemaVersion >= 2 ? d.getInteger("fromStep") : null,
          schemaVersion >= 2 ? d.getInteger("learnedSteps") : null);
      case "ParticipantWithdrew" -> new ParticipantWithdrew(d.getString("phase"));
      case "SessionPaused" -> new SessionPaused(d.getString("by"), d.getString("reason"));
      case "SessionResumed" -> new SessionResumed(d.getString("by"));
      case "ObservationNoted" -> new ObservationNoted(d.getString("by"), d.getString("text"));
      case "SessionEndedEarly" -> new SessionEndedEarly(d.getString("by"), d.getString("reason"), d.getString("phase"));
      case "ParticipantDroppedOut" -> new ParticipantDroppedOut(d.getInteger("idleMinutes"), d.getString("phase"));
      case "IdentifyingDataErased" -> new ParticipantEvent.IdentifyingDataErased(d.getString("by"), d.getInteger("entries"),
          d.getInteger("texts"));
      case "BlockStarted" -> new ParticipantEvent.BlockStarted(d.getInteger("index"), d.getString("block"), d.getString("type"));
      case "BlockCompleted" -> new ParticipantEvent.BlockCompleted(d.getInteger("index"), d.getString("block"));
      case "InstructionsRead" -> new ParticipantEvent.InstructionsRead(d.getString("block"), d.getInteger("pages"));
      case "ListeningSetupRecorded" -> new ParticipantEvent.ListeningSetupRecorded(d.getString("block"), d.getString("browser"),
          d.getInteger("sampleRate"), d.getDouble("outputLatency"), d.getString("deviceType"));
      case "HeadphoneTrialAnswered" -> new ParticipantEvent.HeadphoneTrialAnswered(d.getString("block"), d.getInteger("trial"),
          d.getInteger("answer"), d.getInteger("expected"), d.getBoolean("correct"));
      case "HeadphoneCheckCompleted" -> new ParticipantEvent.HeadphoneCheckCompleted(d.getString("block"), d.getInteger("correct"),
          d.getInteger("trials"), d.getBoolean("passed"));
      case "ParticipantScreenedOut" -> new ParticipantEvent.ParticipantScreenedOut(d.getString("block"), d.getString("reason"));
      case "QuestionnaireAnswered" -> new ParticipantEvent.QuestionnaireAnswered(d.getString("block"), d.getString("item"),
          answer(d.getValue("value")), d.getString("wordingSha256"), d.getInteger("afterEpisode"));
      case "AttentionCheckAnswered" -> new ParticipantEvent.AttentionCheckAnswered(d.getString("block"), d.getString("item"),
          d.getString("answer"), d.getString("expected"), d.getBoolean("passed"), d.getString("wordingSha256"));
      case "FatigueReported" -> new ParticipantEvent.FatigueReported(d.getString("block"), d.getString("item"), d.getString("scale"),
          d.getInteger("level"), d.getString("wordingSha256"), d.getInteger("afterEpisode"));
      case "PracticeTrackPresented" -> new ParticipantEvent.PracticeTrackPresented(d.getString("block"), track(d.getJsonArray("track")),
          d.getInteger("tempo"), instant(d, "presentedAt"));
      case "PracticeTrackRated" -> new ParticipantEvent.PracticeTrackRated(d.getString("block"), d.getInteger("rating"),
          d.getLong("millisToRate"));
      case "EvaluationOrderAssigned" -> new ParticipantEvent.EvaluationOrderAssigned(d.getString("block"), d.getInteger("row"),
          d.getJsonArray("order").stream().map(o -> (JsonObject) o).map(o -> new ParticipantEvent.EvaluationTrack(o.getString("label"),
              o.getString("source"), track(o.getJsonArray("track")), o.getInteger("tempo"))).toList());
      case "EvaluationTrackPresented" -> new ParticipantEvent.EvaluationTrackPresented(d.getString("block"), d.getString("label"),
          instant(d, "presentedAt"));
      case "EvaluationAnswered" -> {
        java.util.Map<String, Integer> answers = new java.util.LinkedHashMap<>();
        d.getJsonObject("answers").forEach(a -> answers.put(a.getKey(), ((Number) a.getValue()).intValue()));
        yield new ParticipantEvent.EvaluationAnswered(d.getString("block"), d.getString("label"), d.getString("source"), answers,
            d.getString("wordingSha256"), d.getLong("millisToRate"));
      }
      case "BreakSuggested" -> new ParticipantEvent.BreakSuggested(d.getString("reason"), d.getInteger("seconds"), instant(d, "at"));
      case "BreakStarted" -> new ParticipantEvent.BreakStarted(d.getString("reason"), d.getInteger("seconds"),
          d.getBoolean("enforced"), instant(d, "endsAt"));
      case "BreakEnded" -> new ParticipantEvent.BreakEnded(instant(d, "endedAt"));
      case "ProbePresented" -> new ParticipantEvent.ProbePresented(d.getInteger("episode"), d.getInteger("afterStep"),
          d.getInteger("repeatEpisode"), d.getInteger("repeatStep"), track(d.getJsonArray("track")),
          instant(d, "presentedAt"));
      case "ProbeRated" -> new ParticipantEvent.ProbeRated(d.getInteger("episode"), d.getInteger("afterStep"), d.getInteger("rating"),
          d.getInteger("earlierRating"), d.getLong("millisToRate"));
      case "ParticipantCompleted" -> new ParticipantEvent.ParticipantCompleted(d.getString("completionCode"));
      default -> throw new IllegalArgumentException("unknown participant event type " + type);
    };
  }

  public static JsonObject encode(StudyEvent event) {
    return switch (event) {
      case StudyEvent.StudyCreated e -> new JsonObject().put("studyId", e.studyId()).put("protocolId", e.protocolId())
          .put("protocolVersion", e.protocolVersion()).put("title", e.title()).put("protocol", e.protocol())
          .put("protocolSha256", e.protocolSha256()).put("seed", e.seed()).put("createdBy", e.createdBy())
          .put("appVersion", e.appVersion()).put("agentVersion", e.agentVersion()).put("openOnCreate", e.openOnCreate());
      case StudyEvent.StudyOpened e -> new JsonObject().put("by", e.by());
      case StudyEvent.StudyPaused e -> new JsonObject().put("by", e.by());
      case StudyEvent.StudyClosed e -> new JsonObject().put("by", e.by());
      case StudyEvent.ParticipantAssigned e -> new JsonObject().put("participantId", e.participantId())
          .put("index", e.index()).put("arm", e.arm()).put("entry", e.entry()).put("test", e.test());
    };
  }

  /**
   * A study event of any known schema version. StudyCreated 1 (before studies had a lifecycle) held only the id,
   * protocol and title: it upcasts to a study open from the start, with a seed derived from its id.
   */
  public static StudyEvent decodeStudy(String type, int schemaVersion, JsonObject d) {
    return switch (type) {
      case "StudyCreated" -> switch (schemaVersion) {
        case 1 -> new StudyEvent.StudyCreated(d.getString("studyId"), d.getString("protocolId"),
            d.getInteger("protocolVersion"), d.getString("title"), d.getString("protocol"),
            org.tuneloop.study.Protocol.sha256Hex(d.getString("protocol")), legacySeed(d.getString("studyId")), null, null, null, true);
        case 2 -> new StudyEvent.StudyCreated(d.getString("studyId"), d.getString("protocolId"),
            d.getInteger("protocolVersion"), d.getString("title"), d.getString("protocol"),
            d.getString("protocolSha256"), d.getLong("seed"), d.getString("createdBy"), d.getString("appVersion"),
            d.getString("agentVersion"), d.getBoolean("openOnCreate", false));
        default -> throw new IllegalArgumentException("no upcaster for StudyCreated schema version " + schemaVersion);
      };
      case "StudyOpened" -> new StudyEvent.StudyOpened(d.getString("by"));
      case "StudyPaused" -> new StudyEvent.StudyPaused(d.getString("by"));
      case "StudyClosed" -> new StudyEvent.StudyClosed(d.getString("by"));
      case "ParticipantAssigned" -> new StudyEvent.ParticipantAssigned(d.getString("participantId"),
          d.getInteger("index"), d.getString("arm"), d.getString("entry"), d.getBoolean("test"));
      default -> throw new IllegalArgumentException("unknown study event type " + type);
    };
  }

  private static long legacySeed(String studyId) {
    return java.util.UUID.nameUUIDFromBytes(("study-seed|" + studyId).getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .getMostSignificantBits();
  }

  public static JsonArray track(Track track) {
    JsonArray notes = new JsonArray();
    for (Note n : track.notes()) {
      notes.add(new JsonObject().put("pitch", n.pitch()).put("beats", n.beats()).put("drum", n.drum()));
    }
    return notes;
  }

  public static Track track(JsonArray notes) {
    return new Track(notes.stream().map(o -> (JsonObject) o)
        .map(n -> new Note(n.getInteger("pitch"), n.getDouble("beats"), n.getInteger("drum"))).toList());
  }

  public static JsonObject parameters(StartParameters p) {
    return new JsonObject().put("baseNote", p.baseNote()).put("scale", p.scale().id()).put("length", p.length())
        .put("tempo", p.tempo());
  }

  public static StartParameters parameters(JsonObject p) {
    return new StartParameters(p.getInteger("baseNote"), Scale.parse(p.getString("scale")), p.getInteger("length"),
        p.getInteger("tempo"));
  }

  public static JsonObject settings(ArmSettings s) {
    AgentSettings agent = s.agent();
    JsonObject policy = switch (agent.policy()) {
      // A constant epsilon keeps the shape it always had, so settings stored before decays existed read the same.
      case Policy.EpsilonGreedy(double epsilon, Policy.Decay decay) -> {
        JsonObject json = new JsonObject().put("type", "epsilon-greedy").put("epsilon", epsilon);
        yield switch (decay) {
          case Policy.Decay.None none -> json;
          case Policy.Decay.PerEpisode(double rate, double floor) -> json.put("decay",
              new JsonObject().put("type", decay.id()).put("rate", rate).put("floor", floor));
          case Policy.Decay.PerStep(double rate, double floor) -> json.put("decay",
              new JsonObject().put("type", decay.id()).put("rate", rate).put("floor", floor));
        };
      }
      case Policy.Softmax(double temperature) -> new JsonObject().put("type", "softmax").put("temperature", temperature);
      case Policy.Ucb(double c) -> new JsonObject().put("type", "ucb").put("c", c);
    };
    StartParameterRules r = s.startParameters();
    JsonObject agentJson = new JsonObject().put("alpha", agent.alpha()).put("gamma", agent.gamma())
        .put("policy", policy).put("encoder", agent.encoder().id());
    // Settings beyond the method are written only when they differ from it, so settings stored before they
    // existed read as the method's and the method's settings keep their shape.
    switch (agent.reward()) {
      case Reward.Rating rating -> { }
      case Reward.ChangeOfRating change -> agentJson.put("reward", new JsonObject().put("type", change.id()));
      case Reward.Compound c -> agentJson.put("reward", new JsonObject().put("type", c.id())
          .put("weights", new JsonObject().put("musicality", c.musicality()).put("novelty", c.novelty())
              .put("coherence", c.coherence())));
    }
    switch (agent.baseline()) {
      case Baseline.None none -> { }
      case Baseline.Centred centred -> agentJson.put("baseline", new JsonObject().put("type", centred.id()));
      case Baseline.OptimisticStart o -> agentJson.put("baseline", new JsonObject().put("type", o.id())
          .put("initialValue", o.initial()));
    }
    if (agent.pitchStep() != PitchStep.Kind.SEMITONE) {
      agentJson.put("pitchStep", agent.pitchStep().id());
    }
    if (!(agent.learner() instanceof Learner.Tabular)) {
      agentJson.put("learner", agent.learner().id());
    }
    JsonObject rules = new JsonObject().put("defaults", parameters(r.defaults()))
        .put("scales", new JsonArray(r.scales().stream().map(Scale::id).toList()))
        .put("baseNote", range(r.minBaseNote(), r.maxBaseNote())).put("length", range(r.minLength(), r.maxLength()))
        .put("tempo", range(r.minTempo(), r.maxTempo())).put("fixed", r.fixed());
    optional(rules, "baseNotesPerEpisode", r.baseNotesPerEpisode() == null ? null
        : new JsonArray(r.baseNotesPerEpisode()));
    JsonObject json = new JsonObject().put("arm", s.arm()).put("agent", agentJson).put("startParameters", rules)
        .put("pitchesBelow", s.pitchesBelow()).put("pitchesAbove", s.pitchesAbove())
        .put("minBeats", s.minBeats()).put("maxBeats", s.maxBeats()).put("beatStep", s.beatStep())
        .put("minNotes", s.minNotes()).put("drums", new JsonArray(s.drums()))
        .put("minEpisodes", s.minEpisodes()).put("stepsPerEpisode", s.stepsPerEpisode())
        .put("maxEpisodes", s.maxEpisodes());
    return s.rateFreshTrack() ? json.put("rateFreshTrack", true) : json;
  }

  public static ArmSettings settings(JsonObject s) {
    JsonObject agent = s.getJsonObject("agent");
    JsonObject policy = agent.getJsonObject("policy");
    Policy p = switch (policy.getString("type")) {
      case "epsilon-greedy" -> new Policy.EpsilonGreedy(policy.getDouble("epsilon"), decay(policy.getJsonObject("decay")));
      case "softmax" -> new Policy.Softmax(policy.getDouble("temperature"));
      case "ucb" -> new Policy.Ucb(policy.getDouble("c"));
      default -> throw new IllegalArgumentException("unknown policy " + policy.getString("type"));
    };
    JsonObject r = s.getJsonObject("startParameters");
    StartParameterRules rules = new StartParameterRules(parameters(r.getJsonObject("defaults")),
        r.getJsonArray("scales").stream().map(x -> Scale.parse((String) x)).toList(),
        r.getJsonArray("baseNote").getInteger(0), r.getJsonArray("baseNote").getInteger(1),
        r.getJsonArray("length").getInteger(0), r.getJsonArray("length").getInteger(1),
        r.getJsonArray("tempo").getInteger(0), r.getJsonArray("tempo").getInteger(1), r.getBoolean("fixed"),
        r.getJsonArray("baseNotesPerEpisode") == null ? null
            : r.getJsonArray("baseNotesPerEpisode").stream().map(x -> ((Number) x).intValue()).toList());
    List<Integer> drums = s.getJsonArray("drums").stream().map(x -> ((Number) x).intValue()).toList();
    JsonObject reward = agent.getJsonObject("reward", new JsonObject().put("type", "rating"));
    JsonObject weights = reward.getJsonObject("weights", new JsonObject());
    Reward chosenReward = switch (reward.getString("type")) {
      case "change-of-rating" -> new Reward.ChangeOfRating();
      case "compound" -> new Reward.Compound(weights.getDouble("musicality", 1.0), weights.getDouble("novelty", 1.0),
          weights.getDouble("coherence", 1.0));
      default -> new Reward.Rating();
    };
    JsonObject baseline = agent.getJsonObject("baseline", new JsonObject().put("type", "none"));
    Baseline chosenBaseline = switch (baseline.getString("type")) {
      case "centred" -> new Baseline.Centred();
      case "optimistic-start" -> new Baseline.OptimisticStart(baseline.getDouble("initialValue"));
      default -> new Baseline.None();
    };
    AgentSettings settings = new AgentSettings(agent.getDouble("alpha"), agent.getDouble("gamma"), p,
        StateEncoder.parse(agent.getString("encoder")), chosenReward, chosenBaseline,
        PitchStep.Kind.parse(agent.getString("pitchStep", "semitone")),
        Learner.parse(agent.getString("learner", "tabular")));
    return new ArmSettings(s.getString("arm"), settings,
        rules, s.getInteger("pitchesBelow"), s.getInteger("pitchesAbove"), s.getDouble("minBeats"),
        s.getDouble("maxBeats"), s.getDouble("beatStep"), s.getInteger("minNotes"), drums, s.getInteger("minEpisodes"),
        s.getInteger("stepsPerEpisode"),
        // Enrolments written before the cap existed get the default one.
        s.getInteger("maxEpisodes", ArmSettings.defaultMaxEpisodes(s.getInteger("minEpisodes"))),
        s.getBoolean("rateFreshTrack", false));
  }

  private static Policy.Decay decay(JsonObject d) {
    if (d == null) {
      return new Policy.Decay.None();
    }
    return switch (d.getString("type")) {
      case "per-episode" -> new Policy.Decay.PerEpisode(d.getDouble("rate"), d.getDouble("floor"));
      case "per-step" -> new Policy.Decay.PerStep(d.getDouble("rate"), d.getDouble("floor"));
      default -> new Policy.Decay.None();
    };
  }

  private static JsonArray range(int min, int max) {
    return new JsonArray().add(min).add(max);
  }
}
