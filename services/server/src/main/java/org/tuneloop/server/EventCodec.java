package org.tuneloop.server;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import org.tuneloop.agent.AgentSettings;
import org.tuneloop.agent.Policy;
import org.tuneloop.agent.StateEncoder;
import org.tuneloop.music.Edit;
import org.tuneloop.music.Note;
import org.tuneloop.music.Scale;
import org.tuneloop.music.StartParameters;
import org.tuneloop.music.Track;
import org.tuneloop.music.TrackEdit;
import org.tuneloop.study.ArmSettings;
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
          .put("settings", settings(e.settings())).put("test", e.test());
      case ConsentGiven e -> new JsonObject().put("consentVersion", e.consentVersion())
          .put("consentSha256", e.consentSha256());
      case ConsentDeclined e -> new JsonObject().put("consentVersion", e.consentVersion());
      case StartParametersChosen e -> parameters(e.parameters());
      case EpisodeStarted e -> new JsonObject().put("episode", e.episode()).put("track", track(e.track()));
      case ActionChosen e -> new JsonObject().put("episode", e.episode()).put("step", e.step())
          .put("edit", e.action().edit().id()).put("note", e.action().note()).put("explored", e.explored())
          .put("epsilon", e.epsilon());
      case TrackPresented e -> new JsonObject().put("episode", e.episode()).put("step", e.step())
          .put("track", track(e.track())).put("presentedAt", e.presentedAt().toString());
      case TrackRated e -> new JsonObject().put("episode", e.episode()).put("step", e.step())
          .put("rating", e.rating()).put("millisToRate", e.millisToRate())
          .put("clientMillisToRate", e.clientMillisToRate());
      case QValueUpdated e -> new JsonObject().put("episode", e.episode()).put("step", e.step())
          .put("state", e.state()).put("action", e.action()).put("before", e.before()).put("reward", e.reward())
          .put("maxNext", e.maxNext()).put("alpha", e.alpha()).put("gamma", e.gamma())
          .put("terminal", e.terminal()).put("after", e.after());
      case EpisodeCompleted e -> new JsonObject().put("episode", e.episode());
      case TrainingFinished e -> new JsonObject().put("episodes", e.episodes());
      case CompositionCreated e -> new JsonObject().put("start", track(e.start()))
          .put("actions", new JsonArray(e.actions().stream().map(TrackEdit::key).toList()))
          .put("result", track(e.result()));
      case ParticipantWithdrew e -> new JsonObject().put("phase", e.phase());
      case SessionPaused e -> new JsonObject().put("by", e.by()).put("reason", e.reason());
      case SessionResumed e -> new JsonObject().put("by", e.by());
      case ObservationNoted e -> new JsonObject().put("by", e.by()).put("text", e.text());
      case SessionEndedEarly e -> new JsonObject().put("by", e.by()).put("reason", e.reason()).put("phase", e.phase());
      case ParticipantDroppedOut e -> new JsonObject().put("idleMinutes", e.idleMinutes()).put("phase", e.phase());
    };
  }

  /**
   * Reads a stored event of any schema version this code has known: older versions are upcast here, on read, so the
   * stored event (and its hash) never changes. ParticipantEnrolled 1 had no {@code test} flag (there were no test
   * participants then).
   */
  public static ParticipantEvent decode(String type, int schemaVersion, JsonObject d) {
    int current = "ParticipantEnrolled".equals(type) ? 2 : 1;
    boolean known = schemaVersion == current || ("ParticipantEnrolled".equals(type) && schemaVersion == 1);
    if (!known) {
      throw new IllegalArgumentException("no upcaster for " + type + " schema version " + schemaVersion);
    }
    return switch (type) {
      case "ParticipantEnrolled" -> new ParticipantEnrolled(d.getString("participantId"), d.getString("studyId"),
          d.getString("protocolId"), d.getInteger("protocolVersion"), d.getLong("seed"), d.getString("consentVersion"),
          d.getString("consentSha256"), settings(d.getJsonObject("settings")),
          schemaVersion >= 2 && d.getBoolean("test", false));
      case "ConsentGiven" -> new ConsentGiven(d.getString("consentVersion"), d.getString("consentSha256"));
      case "ConsentDeclined" -> new ConsentDeclined(d.getString("consentVersion"));
      case "StartParametersChosen" -> new StartParametersChosen(parameters(d));
      case "EpisodeStarted" -> new EpisodeStarted(d.getInteger("episode"), track(d.getJsonArray("track")));
      case "ActionChosen" -> new ActionChosen(d.getInteger("episode"), d.getInteger("step"),
          new TrackEdit(Edit.parse(d.getString("edit")), d.getInteger("note")),
          d.getBoolean("explored"), d.getDouble("epsilon"));
      case "TrackPresented" -> new TrackPresented(d.getInteger("episode"), d.getInteger("step"),
          track(d.getJsonArray("track")), Instant.parse(d.getString("presentedAt")));
      case "TrackRated" -> new TrackRated(d.getInteger("episode"), d.getInteger("step"), d.getInteger("rating"),
          d.getLong("millisToRate"), d.getLong("clientMillisToRate"));
      case "QValueUpdated" -> new QValueUpdated(d.getInteger("episode"), d.getInteger("step"), d.getString("state"),
          d.getString("action"), d.getDouble("before"), d.getDouble("reward"), d.getDouble("maxNext"),
          d.getDouble("alpha"), d.getDouble("gamma"), d.getBoolean("terminal"), d.getDouble("after"));
      case "EpisodeCompleted" -> new EpisodeCompleted(d.getInteger("episode"));
      case "TrainingFinished" -> new TrainingFinished(d.getInteger("episodes"));
      case "CompositionCreated" -> new CompositionCreated(track(d.getJsonArray("start")),
          d.getJsonArray("actions").stream().map(a -> TrackEdit.parse((String) a)).toList(),
          track(d.getJsonArray("result")));
      case "ParticipantWithdrew" -> new ParticipantWithdrew(d.getString("phase"));
      case "SessionPaused" -> new SessionPaused(d.getString("by"), d.getString("reason"));
      case "SessionResumed" -> new SessionResumed(d.getString("by"));
      case "ObservationNoted" -> new ObservationNoted(d.getString("by"), d.getString("text"));
      case "SessionEndedEarly" -> new SessionEndedEarly(d.getString("by"), d.getString("reason"), d.getString("phase"));
      case "ParticipantDroppedOut" -> new ParticipantDroppedOut(d.getInteger("idleMinutes"), d.getString("phase"));
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
      case Policy.EpsilonGreedy(double epsilon) -> new JsonObject().put("type", "epsilon-greedy").put("epsilon", epsilon);
    };
    StartParameterRules r = s.startParameters();
    return new JsonObject().put("arm", s.arm())
        .put("agent", new JsonObject().put("alpha", agent.alpha()).put("gamma", agent.gamma()).put("policy", policy)
            .put("encoder", agent.encoder().id()))
        .put("startParameters", new JsonObject().put("defaults", parameters(r.defaults()))
            .put("scales", new JsonArray(r.scales().stream().map(Scale::id).toList()))
            .put("baseNote", range(r.minBaseNote(), r.maxBaseNote())).put("length", range(r.minLength(), r.maxLength()))
            .put("tempo", range(r.minTempo(), r.maxTempo())).put("fixed", r.fixed()))
        .put("pitchesBelow", s.pitchesBelow()).put("pitchesAbove", s.pitchesAbove())
        .put("minBeats", s.minBeats()).put("maxBeats", s.maxBeats()).put("beatStep", s.beatStep())
        .put("minNotes", s.minNotes()).put("drums", new JsonArray(s.drums()))
        .put("minEpisodes", s.minEpisodes()).put("stepsPerEpisode", s.stepsPerEpisode())
        .put("maxEpisodes", s.maxEpisodes());
  }

  public static ArmSettings settings(JsonObject s) {
    JsonObject agent = s.getJsonObject("agent");
    JsonObject policy = agent.getJsonObject("policy");
    Policy p = switch (policy.getString("type")) {
      case "epsilon-greedy" -> new Policy.EpsilonGreedy(policy.getDouble("epsilon"));
      default -> throw new IllegalArgumentException("unknown policy " + policy.getString("type"));
    };
    JsonObject r = s.getJsonObject("startParameters");
    StartParameterRules rules = new StartParameterRules(parameters(r.getJsonObject("defaults")),
        r.getJsonArray("scales").stream().map(x -> Scale.parse((String) x)).toList(),
        r.getJsonArray("baseNote").getInteger(0), r.getJsonArray("baseNote").getInteger(1),
        r.getJsonArray("length").getInteger(0), r.getJsonArray("length").getInteger(1),
        r.getJsonArray("tempo").getInteger(0), r.getJsonArray("tempo").getInteger(1), r.getBoolean("fixed"));
    List<Integer> drums = s.getJsonArray("drums").stream().map(x -> ((Number) x).intValue()).toList();
    return new ArmSettings(s.getString("arm"),
        new AgentSettings(agent.getDouble("alpha"), agent.getDouble("gamma"), p, StateEncoder.parse(agent.getString("encoder"))),
        rules, s.getInteger("pitchesBelow"), s.getInteger("pitchesAbove"), s.getDouble("minBeats"),
        s.getDouble("maxBeats"), s.getDouble("beatStep"), s.getInteger("minNotes"), drums, s.getInteger("minEpisodes"),
        s.getInteger("stepsPerEpisode"),
        // Enrolments written before the cap existed get the default one.
        s.getInteger("maxEpisodes", ArmSettings.defaultMaxEpisodes(s.getInteger("minEpisodes"))));
  }

  private static JsonArray range(int min, int max) {
    return new JsonArray().add(min).add(max);
  }
}
