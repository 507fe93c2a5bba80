package org.tuneloop.server;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.tuneloop.agent.QKey;
import org.tuneloop.agent.QTable;
import org.tuneloop.music.Scale;
import org.tuneloop.study.ArmSettings;
import org.tuneloop.study.Audit;
import org.tuneloop.study.LearningTrace;
import org.tuneloop.study.StudyLearning;
import org.tuneloop.study.DataQuality;
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
      // A probe shows as the next step's track: it is not announced.
      case Training t -> view.put("parameters", EventCodec.parameters(t.parameters()))
          .put("progress", progress(t.completedEpisodes(), settings.minEpisodes(), t.episode(), t.step(),
              t.stepsPerEpisode()))
          .put("track", t.probe() == null
              ? new JsonObject().put("episode", t.episode()).put("step", t.step())
                  .put("tempo", t.parameters().tempo()).put("presentedAt", t.presentedAt().toString())
                  .put("notes", EventCodec.track(t.current()))
              : new JsonObject().put("episode", t.episode()).put("step", t.step() + 1)
                  .put("tempo", t.parameters().tempo()).put("presentedAt", t.probe().presentedAt().toString())
                  .put("notes", EventCodec.track(t.probe().track())))
          .put("mustListen", mustListen(t.enrolment(), t.journey()))
          // A compound reward needs three more ratings of each track, by these names.
          .put("aspects", settings.agent().reward() instanceof org.tuneloop.agent.Reward.Compound
              ? new JsonArray(java.util.List.of("musicality", "novelty", "coherence")) : null)
          .put("time", time(t.journey(), settings, t.parameters(), t.completedEpisodes(), protocol));
      case BetweenEpisodes b -> view.put("parameters", EventCodec.parameters(b.parameters()))
          .put("progress", progress(b.completedEpisodes(), settings.minEpisodes(), b.completedEpisodes(), 0,
              settings.steps(b.parameters())))
          .put("canFinish", b.completedEpisodes() >= settings.minEpisodes() && b.questionnaire() == null)
          .put("questionnaire", b.questionnaire() == null ? null : new JsonObject().put("block", b.questionnaire().id())
              .put("title", b.questionnaire().title()).put("items", shownItems(b.questionnaire().items())))
          .put("rest", rest(b.rest()))
          .put("time", time(b.journey(), settings, b.parameters(), b.completedEpisodes(), protocol));
      case Participant.InBlock in -> block(view, in);
      case Participant.ScreenedOut s -> view.put("screenedOut", new JsonObject().put("block", s.block()));
      case Finished f -> view.put("parameters", EventCodec.parameters(f.parameters()))
          .put("progress", progress(f.completedEpisodes(), settings.minEpisodes(), f.completedEpisodes(), 0,
              settings.steps(f.parameters())))
          .put("composition", composition(f))
          .put("completion", new JsonObject().put("code", protocol.recruitment().completionCode())
              .put("redirectUrl", protocol.recruitment().redirectUrl()))
          .put("canWithdrawData", true);
      case Declined s -> { }
      case Withdrawn s -> { }
      case Participant.Ended s -> { }
    }
    if (state instanceof Participant.InBlock || state instanceof Participant.ChoosingParameters
        || state instanceof Training || state instanceof BetweenEpisodes) {
      Participant.Journey journey = journey(state);
      view.put("flow", new JsonObject().put("index", journey.block()).put("blocks", new JsonArray(enrolment.flow()
          .stream().map(b -> new JsonObject().put("id", b.id()).put("type", b.type())).toList())));
    }
    return view;
  }

  private static Participant.Journey journey(Participant state) {
    return switch (state) {
      case Participant.InBlock s -> s.journey();
      case Participant.ChoosingParameters s -> s.journey();
      case Training s -> s.journey();
      case BetweenEpisodes s -> s.journey();
      default -> throw new IllegalStateException(state.phase());
    };
  }

  /** A participant's data-quality and fatigue figures and the flags the protocol's thresholds raise (researchers). */
  public static JsonObject dataQuality(String participantId, DataQuality q, Protocol.Thresholds t) {
    return new JsonObject().put("participantId", participantId)
        .put("identicalRatings", new JsonObject().put("longestRun", q.longestIdenticalRun())
            .put("currentRun", q.identicalRun()))
        .put("millisOnTask", q.millisOnTask())
        .put("lastActionAt", q.lastActionAt() == null ? null : q.lastActionAt().toString())
        .put("attentionChecks", new JsonObject().put("passed", q.attentionPassed()).put("failed", q.attentionFailed()))
        .put("probes", new JsonObject().put("count", q.probes()).put("meanDifference", q.probeDifferenceMean())
            .put("maxDifference", q.probes() == 0 ? null : q.probeDifferenceMax()))
        .put("fatigue", new JsonObject().put("latest", q.latestFatigue()).put("scale", q.fatigueScale())
            .put("aboveThreshold", q.fatigued(t)))
        .put("headphoneCheck", q.headphonesPassed() == null ? null : q.headphonesPassed() ? "passed" : "flagged")
        .put("flags", new JsonArray(q.flags(t)))
        .put("thresholds", new JsonObject().put("breakMinutes", t.breakMinutes()).put("identicalRun", t.identicalRun())
            .put("attentionFailures", t.attentionFailures()).put("probeDifference", t.probeDifference())
            .put("fatigueAbove", t.fatigueAbove()));
  }

  /** Items as the participant's page shows them: an attention check's right answer stays on the server. */
  private static JsonArray shownItems(java.util.List<org.tuneloop.study.Item> items) {
    JsonArray shown = EventCodec.items(items);
    shown.forEach(item -> ((JsonObject) item).remove("expected"));
    return shown;
  }

  /** What the page of a block needs: its texts and items, and the track to play if any (never where it came from). */
  private static void block(JsonObject view, Participant.InBlock in) {
    JsonObject b = new JsonObject().put("id", in.block().definition().id()).put("type", in.block().definition().type());
    switch (in.block()) {
      case Participant.BlockState.Reading r -> b.put("pages", new JsonArray(r.definition().pages().stream()
          .map(p -> new JsonObject().put("title", p.title()).put("text", p.text())).toList()));
      case Participant.BlockState.Practising p -> b.put("text", p.definition().text())
          .put("track", new JsonObject().put("tempo", p.tempo()).put("notes", EventCodec.track(p.track()))
              .put("presentedAt", p.presentedAt().toString()));
      case Participant.BlockState.Checking c -> {
        b.put("text", c.definition().text()).put("setupRecorded", c.setupRecorded());
        org.tuneloop.study.Block.HeadphoneCheck h = c.definition().headphoneCheck();
        b.put("headphoneCheck", h == null ? null : new JsonObject().put("trials", h.trials()).put("trial", c.trial())
            .put("layout", new JsonArray(org.tuneloop.study.FlowBlocks.headphoneLayout(in.enrolment().seed(),
                Math.min(c.trial(), h.trials())))));
      }
      case Participant.BlockState.Answering a -> b.put("title", a.definition().title())
          .put("items", shownItems(a.definition().items()));
      case Participant.BlockState.Evaluating e -> {
        var current = e.order().get(e.current());
        b.put("text", e.definition().text()).put("items", shownItems(e.definition().items()))
            .put("labels", new JsonArray(e.order().stream().map(t -> t.label()).toList()))
            .put("position", e.current() + 1)
            .put("track", new JsonObject().put("label", current.label()).put("tempo", current.tempo())
                .put("notes", EventCodec.track(current.track())).put("presentedAt", e.presentedAt().toString())
                .put("ratableAt", e.presentedAt().plusMillis(org.tuneloop.study.FlowBlocks.durationMillis(
                    current.track(), current.tempo()) - e.definition().toleranceMillis()).toString()));
      }
      case Participant.BlockState.Debriefing d -> b.put("title", d.definition().title()).put("text", d.definition().text())
          .put("items", shownItems(d.definition().items()));
    }
    view.put("block", b);
  }

  private static JsonObject mustListen(ParticipantEnrolled enrolment, Participant.Journey journey) {
    var block = (org.tuneloop.study.Block.Training) enrolment.flow().get(journey.block());
    return new JsonObject().put("enabled", block.mustListen().enabled())
        .put("toleranceMillis", block.mustListen().toleranceMillis());
  }

  private static JsonObject rest(Participant.Rest rest) {
    if (rest == null) {
      return null;
    }
    long left = rest.endsAt() == null ? rest.seconds()
        : Math.max(0, java.time.Duration.between(java.time.Instant.now(), rest.endsAt()).toSeconds());
    return new JsonObject().put("reason", rest.reason()).put("seconds", rest.seconds()).put("started", rest.started())
        .put("enforced", rest.enforced()).put("endsAt", rest.endsAt() == null ? null : rest.endsAt().toString())
        .put("secondsLeft", left);
  }

  /** Time on training so far, and an estimate of what is left of the required episodes. */
  private static JsonObject time(Participant.Journey journey, ArmSettings settings,
                                 org.tuneloop.music.StartParameters parameters, int completedEpisodes, Protocol protocol) {
    long elapsed = journey.trainingStartedAt() == null ? 0
        : Math.max(0, java.time.Duration.between(journey.trainingStartedAt(), java.time.Instant.now()).toSeconds());
    double trackSeconds = parameters.length() * (settings.minBeats() + settings.maxBeats()) / 2 * 60.0 / parameters.tempo();
    int episodesLeft = Math.max(0, settings.minEpisodes() - completedEpisodes);
    long left = Math.round(episodesLeft * settings.steps(parameters)
        * (trackSeconds + protocol.timing().secondsPerRating()));
    return new JsonObject().put("elapsedSeconds", elapsed).put("estimatedSecondsLeft", left);
  }

  public static JsonObject composition(Finished f) {
    return new JsonObject().put("tempo", f.parameters().tempo())
        .put("start", EventCodec.track(f.composition().start()))
        .put("actions", new JsonArray(f.composition().actions().stream().map(a -> a.key()).toList()))
        .put("notes", EventCodec.track(f.composition().result()))
        .put("fromEpisode", f.composition().fromEpisode()).put("fromStep", f.composition().fromStep())
        .put("learnedSteps", f.composition().learnedSteps());
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

  /**
   * The Q-table rebuilt by replay as of the trace's last event, one row per state-action pair (a linear learner's
   * weights, one per feature), with the greedy action of each state, for researchers, and how much the agent could
   * learn: the state revisit rate, the table's size and the share of greedy steps at whose track anything learnt
   * bore on the pick. {@code at} is the position of the last event applied.
   */
  public static JsonObject qTable(Participants.Loaded loaded, LearningTrace trace) {
    Audit.Learned learned = trace.learned();
    org.tuneloop.agent.Learnt learnt = trace.learnt();
    QTable q = trace.qTable();
    JsonObject learning = new JsonObject().put("updates", learned.updates())
        .put("revisitedStates", learned.revisitedStates()).put("stateRevisitRate", learned.revisitRate())
        .put("qTableSize", q.size()).put("greedySteps", learned.greedySteps())
        .put("informedGreedySteps", learned.informedGreedySteps())
        .put("informedGreedyShare", learned.informedGreedyShare());
    if (learnt instanceof org.tuneloop.agent.Learnt.Linear l) {
      JsonObject weights = new JsonObject();
      for (String feature : org.tuneloop.agent.LinearQ.FEATURES) {
        weights.put(feature, l.weights().of(feature));
      }
      learning.put("weights", weights);
    }
    JsonArray rows = new JsonArray();
    for (Map.Entry<QKey, Double> e : q.entries().entrySet()) {
      rows.add(new JsonObject().put("state", e.getKey().state()).put("action", e.getKey().action())
          .put("value", e.getValue()));
    }
    JsonArray policy = new JsonArray(trace.policy().stream().map(g -> new JsonObject().put("state", g.state())
        .put("greedyAction", g.greedyAction()).put("value", g.value())).toList());
    return new JsonObject().put("participantId", loaded.participantId()).put("version", loaded.version())
        .put("phase", loaded.state().phase()).put("at", trace.lastPosition()).put("entries", rows.size())
        .put("values", rows).put("policy", policy).put("learning", learning);
  }

  /** A participant's learning, step by step, with the episodes, the kinds of edit chosen and the diagnostics. */
  public static JsonObject learning(Participants.Loaded loaded, LearningTrace trace, Protocol.Diagnostics thresholds) {
    JsonArray steps = new JsonArray();
    for (LearningTrace.Step s : trace.steps()) {
      steps.add(new JsonObject().put("position", s.position()).put("episode", s.episode()).put("step", s.step())
          .put("track", new JsonObject().put("episode", s.episode()).put("step", s.step()).put("tempo", s.tempo())
              .put("presentedAt", s.presentedAt() == null ? null : s.presentedAt().toString())
              .put("notes", EventCodec.track(s.track())))
          .put("tempo", s.tempo())
          .put("action", s.action() == null ? null : s.action().key()).put("actionText", s.actionText())
          .put("explored", s.explored()).put("epsilon", s.epsilon())
          .put("rating", s.rating()).put("millisToRate", s.millisToRate())
          .put("clientMillisToRate", s.clientMillisToRate()).put("heardShare", s.heardShare())
          .put("reward", s.reward()).put("qBefore", s.qBefore()).put("qAfter", s.qAfter()).put("tdError", s.tdError())
          .put("state", s.state()).put("qTableSize", s.qTableSize()).put("revisit", s.revisit())
          .put("revisitRate", s.revisitRate()));
    }
    JsonArray episodes = new JsonArray(trace.episodes().stream().map(e -> new JsonObject()
        .put("episode", e.episode()).put("meanRating", e.meanRating()).put("ratings", e.ratings())
        .put("explored", e.explored()).put("exploited", e.exploited())).toList());
    JsonArray actions = new JsonArray(trace.actions().stream().map(a -> new JsonObject().put("action", a.kind())
        .put("text", a.text()).put("chosen", a.chosen()).put("greedy", a.greedy())).toList());
    ParticipantEnrolled enrolment = ParticipantDecider.enrolment(loaded.state());
    return new JsonObject().put("participantId", loaded.participantId()).put("arm", enrolment.settings().arm())
        .put("phase", loaded.state().phase()).put("steps", steps).put("episodes", episodes).put("actions", actions)
        .put("diagnostics", diagnostics(trace.diagnostics(thresholds)));
  }

  /** The flags raised, the figures they were judged on, and the protocol's thresholds. */
  public static JsonObject diagnostics(LearningTrace.Diagnostics d) {
    LearningTrace.Figures f = d.figures();
    Protocol.Diagnostics t = d.thresholds();
    return new JsonObject()
        .put("flags", new JsonArray(d.flags().stream().map(flag -> new JsonObject().put("kind", flag.kind())
            .put("message", flag.message())).toList()))
        .put("steps", d.steps())
        .put("figures", new JsonObject().put("meanAbsTdErrorFirst", f.meanAbsTdErrorFirst())
            .put("meanAbsTdErrorLast", f.meanAbsTdErrorLast()).put("topActionGreedyShare", f.topActionGreedyShare())
            .put("neverSeenStateShare", f.neverSeenStateShare())
            .put("ratingSlopePerEpisode", f.ratingSlopePerEpisode()))
        .put("thresholds", new JsonObject().put("minSteps", t.minSteps())
            .put("policyCollapseShare", t.policyCollapseShare()).put("neverSeenStateShare", t.neverSeenStateShare())
            .put("ratingDriftPerEpisode", t.ratingDriftPerEpisode()));
  }

  /** Every update of one state-action, and its value after the last. */
  public static JsonObject provenance(String participantId, String state, String action,
                                      java.util.List<LearningTrace.Update> updates) {
    return new JsonObject().put("participantId", participantId).put("state", state).put("action", action)
        .put("value", updates.getLast().after())
        .put("updates", new JsonArray(updates.stream().map(u -> new JsonObject().put("position", u.position())
            .put("episode", u.episode()).put("step", u.step()).put("rating", u.rating()).put("reward", u.reward())
            .put("before", u.before()).put("after", u.after()).put("delta", u.delta()).put("tdError", u.tdError()))
            .toList()));
  }

  /** A study's learning per arm and the participants the diagnostics flag. */
  public static JsonObject studyLearning(String studyId, StudyLearning.Result r) {
    JsonArray arms = new JsonArray();
    for (StudyLearning.Arm arm : r.arms()) {
      JsonObject flags = new JsonObject();
      arm.flags().forEach(flags::put);
      arms.add(new JsonObject().put("arm", arm.arm()).put("participants", arm.participants())
          .put("episodes", new JsonArray(arm.episodes().stream().map(e -> new JsonObject().put("episode", e.episode())
              .put("n", e.n()).put("mean", e.mean()).put("low", e.low()).put("high", e.high())).toList()))
          .put("flags", flags));
    }
    return new JsonObject().put("studyId", studyId).put("arms", arms)
        .put("participants", new JsonArray(r.flagged().stream().map(f -> new JsonObject()
            .put("participantId", f.participantId()).put("arm", f.arm()).put("flags", new JsonArray(f.flags())))
            .toList()));
  }
}
