package org.tuneloop.server;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.tuneloop.agent.QKey;
import org.tuneloop.agent.QTable;
import org.tuneloop.music.Scale;
import org.tuneloop.study.ArmSettings;
import org.tuneloop.study.Participant;
import org.tuneloop.study.Participant.AwaitingConsent;
import org.tuneloop.study.Participant.BetweenEpisodes;
import org.tuneloop.study.Participant.ChoosingParameters;
import org.tuneloop.study.Participant.Declined;
import org.tuneloop.study.Participant.Finished;
import org.tuneloop.study.Participant.Training;
import org.tuneloop.study.Participant.Unknown;
import org.tuneloop.study.Participant.Withdrawn;
import org.tuneloop.study.ParticipantDecider;
import org.tuneloop.study.ParticipantEvent.ParticipantEnrolled;
import org.tuneloop.study.Protocol;
import org.tuneloop.study.StudyDecider;
import org.tuneloop.study.StartParameterRules;

/** JSON the API returns. Participants never see Q-values; {@link #qTable} is for researchers only. */
public final class Views {
  private Views() {}

  /** What the participant's page needs to show the current phase. */
  public static JsonObject session(Participants.Loaded loaded, Protocol protocol, StudyDecider.Status studyStatus) {
    Participant state = loaded.state();
    ParticipantEnrolled enrolment = ParticipantDecider.enrolment(state);
    ArmSettings settings = enrolment.settings();
    JsonObject view = new JsonObject().put("participantId", loaded.participantId())
        .put("studyId", enrolment.studyId()).put("phase", state.phase()).put("version", loaded.version())
        .put("pausedByResearcher", loaded.supervision().paused())
        .put("studyStatus", studyStatus.name().toLowerCase(java.util.Locale.ROOT));
    switch (state) {
      case Unknown u -> { }
      case AwaitingConsent s -> view.put("consent", new JsonObject().put("version", protocol.consent().version())
          .put("text", protocol.consent().text()).put("title", protocol.title()));
      case ChoosingParameters s -> view.put("parameterRules", rules(settings.startParameters())
          .put("minEpisodes", settings.minEpisodes()).put("stepsPerEpisode", settings.stepsPerEpisode()));
      case Training t -> view.put("parameters", EventCodec.parameters(t.parameters()))
          .put("progress", progress(t.completedEpisodes(), settings.minEpisodes(), t.episode(), t.step(),
              t.stepsPerEpisode()))
          .put("track", new JsonObject().put("episode", t.episode()).put("step", t.step())
              .put("tempo", t.parameters().tempo()).put("presentedAt", t.presentedAt().toString())
              .put("notes", EventCodec.track(t.current())));
      case BetweenEpisodes b -> view.put("parameters", EventCodec.parameters(b.parameters()))
          .put("progress", progress(b.completedEpisodes(), settings.minEpisodes(), b.completedEpisodes(), 0,
              settings.steps(b.parameters())))
          .put("canFinish", b.completedEpisodes() >= settings.minEpisodes());
      case Finished f -> view.put("parameters", EventCodec.parameters(f.parameters()))
          .put("progress", progress(f.completedEpisodes(), settings.minEpisodes(), f.completedEpisodes(), 0,
              settings.steps(f.parameters())))
          .put("composition", composition(f))
          .put("completion", new JsonObject().put("code", protocol.recruitment().completionCode())
              .put("redirectUrl", protocol.recruitment().redirectUrl()));
      case Declined s -> { }
      case Withdrawn s -> { }
      case Participant.Ended s -> { }
    }
    return view;
  }

  public static JsonObject composition(Finished f) {
    return new JsonObject().put("tempo", f.parameters().tempo())
        .put("start", EventCodec.track(f.composition().start()))
        .put("actions", new JsonArray(f.composition().actions().stream().map(a -> a.key()).toList()))
        .put("notes", EventCodec.track(f.composition().result()));
  }

  private static JsonObject progress(int completed, int minimum, int episode, int step, int stepsPerEpisode) {
    return new JsonObject().put("completedEpisodes", completed).put("minEpisodes", minimum).put("episode", episode)
        .put("step", step).put("stepsPerEpisode", stepsPerEpisode);
  }

  private static JsonObject rules(StartParameterRules r) {
    return new JsonObject().put("defaults", EventCodec.parameters(r.defaults()))
        .put("scales", new JsonArray(r.scales().stream().map(Scale::id).toList()))
        .put("baseNote", new JsonObject().put("min", r.minBaseNote()).put("max", r.maxBaseNote()))
        .put("length", new JsonObject().put("min", r.minLength()).put("max", r.maxLength()))
        .put("tempo", new JsonObject().put("min", r.minTempo()).put("max", r.maxTempo()))
        .put("fixed", r.fixed());
  }

  /** The Q-table rebuilt by replay, one row per state-action pair, for researchers. */
  public static JsonObject qTable(Participants.Loaded loaded) {
    QTable q = switch (loaded.state()) {
      case Training t -> t.q();
      case BetweenEpisodes b -> b.q();
      case Finished f -> f.q();
      default -> QTable.empty();
    };
    JsonArray rows = new JsonArray();
    for (Map.Entry<QKey, Double> e : q.entries().entrySet()) {
      rows.add(new JsonObject().put("state", e.getKey().state()).put("action", e.getKey().action())
          .put("value", e.getValue()));
    }
    return new JsonObject().put("participantId", loaded.participantId()).put("version", loaded.version())
        .put("phase", loaded.state().phase()).put("entries", rows.size()).put("values", rows);
  }
}
