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
          .put("settings", settings(e.settings()));
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
    };
  }

  public static ParticipantEvent decode(String type, int schemaVersion, JsonObject d) {
    if (schemaVersion != 1) {
      throw new IllegalArgumentException("no upcaster for " + type + " schema version " + schemaVersion);
    }
    return switch (type) {
      case "ParticipantEnrolled" -> new ParticipantEnrolled(d.getString("participantId"), d.getString("studyId"),
          d.getString("protocolId"), d.getInteger("protocolVersion"), d.getLong("seed"), d.getString("consentVersion"),
          d.getString("consentSha256"), settings(d.getJsonObject("settings")));
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
      default -> throw new IllegalArgumentException("unknown participant event type " + type);
    };
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
        .put("minEpisodes", s.minEpisodes()).put("stepsPerEpisode", s.stepsPerEpisode());
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
        s.getInteger("stepsPerEpisode"));
  }

  private static JsonArray range(int min, int max) {
    return new JsonArray().add(min).add(max);
  }
}
