package org.tuneloop.server;

import com.github.benmanes.caffeine.cache.Caffeine;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.tuneloop.eventstore.StoredEvent;
import org.tuneloop.study.LearningTrace;
import org.tuneloop.study.ParticipantDecider;
import org.tuneloop.study.Protocol;
import org.tuneloop.study.StudyEvent;
import org.tuneloop.study.StudyLearning;

/**
 * What the agent learnt, for researchers (docs/audit.md): a participant's learning trace and diagnostics, the
 * provenance of a Q-value, the Q-table and greedy policy at a point of the log, and a study's learning per arm.
 * Each call is recorded in the access log before it is answered.
 */
final class LearningRoutes {
  /** Participants whose part of a study's learning is kept between calls (small: figures per episode). */
  private static final int FOLDED_SIZE = 50_000;

  private final Participants participants;
  private final Studies studies;
  private final StudyRoutes.Access access;
  private final AccessLog log;
  // A study's view folds only the streams that moved since they were last folded here (a cache, never the truth:
  // each entry is checked against the log on every call, so another process's appends are never missed).
  private final Map<String, Folded> folded = Caffeine.newBuilder().maximumSize(FOLDED_SIZE)
      .executor(Runnable::run).<String, Folded>build().asMap();

  /** A participant's part of a study's learning as of a version of their stream; null when they withdrew. */
  private record Folded(int version, Protocol.Diagnostics thresholds, StudyLearning.Participant participant) {}

  LearningRoutes(Participants participants, Studies studies, StudyRoutes.Access access, AccessLog log) {
    this.participants = participants;
    this.studies = studies;
    this.access = access;
    this.log = log;
  }

  /** A participant's events as the fold reads them, and their study. */
  private record Seen(Participants.Loaded loaded, Studies.Loaded study, List<LearningTrace.Logged> events) {
    Protocol.Diagnostics thresholds() { return study.protocol().thresholds().diagnostics(); }
  }

  void mount(Router router) {
    String p = "/api/participants/:participantId";
    router.get(p + "/learning").respond(ctx -> seen(ctx, AccessLog.Action.LEARNING, JsonObject::new)
        .map(seen -> Views.learning(seen.loaded(), LearningTrace.ofLogged(seen.events()), seen.thresholds())));
    router.get(p + "/provenance").respond(ctx -> {
      String state = ctx.queryParams().get("state");
      String action = ctx.queryParams().get("action");
      return seen(ctx, AccessLog.Action.PROVENANCE, () -> {
        if (state == null || state.isEmpty()) {
          throw ApiError.badRequest("state", "name the state: ?state=...&action=...");
        }
        if (action == null || action.isEmpty()) {
          throw ApiError.badRequest("action", "name the action: ?state=...&action=...");
        }
        return new JsonObject().put("state", state).put("action", action);
      }).map(seen -> {
        List<LearningTrace.Update> updates = LearningTrace.ofLogged(seen.events()).provenance(state, action);
        if (updates.isEmpty()) {
          throw ApiError.notFound("the Q-value of action '" + action + "' at state '" + state
              + "' was never updated for this participant");
        }
        return Views.provenance(seen.loaded().participantId(), state, action, updates);
      });
    });
    router.get(p + "/q-table").respond(ctx -> seen(ctx, AccessLog.Action.REPLAY,
        () -> new JsonObject().put("at", at(ctx)))
        .map(seen -> {
          Long at = at(ctx);
          return Views.qTable(seen.loaded(), at == null ? LearningTrace.ofLogged(seen.events())
              : LearningTrace.at(seen.events(), at));
        }));
    router.get("/api/studies/:studyId/learning").respond(ctx -> reachable(ctx)
        .compose(study -> log.record(Authentication.caller(ctx), AccessLog.Action.STUDY_LEARNING, study.studyId(),
            null, null).compose(recorded -> studyLearning(ctx.vertx(), study))));
  }

  /** `at`: absent, or a whole number of 0 or more; 400 otherwise. */
  private static Long at(RoutingContext ctx) {
    String text = ctx.queryParams().get("at");
    if (text == null) {
      return null;
    }
    try {
      long at = Long.parseLong(text);
      if (at >= 0) {
        return at;
      }
    } catch (NumberFormatException ignored) {
      // answered below
    }
    throw ApiError.badRequest("at", "at must be a position in the log: a whole number of 0 or more, not '" + text
        + "'");
  }

  /**
   * The participant in the path with their events and study, if the caller is a researcher of the study (a
   * participant of another study answers as absent). Then the query is read ({@code detail} fails with 400 on a
   * bad one, so nobody else learns what it would say) and the access recorded before anything is read.
   */
  private Future<Seen> seen(RoutingContext ctx, AccessLog.Action action, Supplier<JsonObject> detail) {
    String id = ctx.pathParam("participantId");
    return access.participant(ctx, participants).compose(loaded -> {
      String studyId = ParticipantDecider.enrolment(loaded.state()).studyId();
      return log.record(Authentication.caller(ctx), action, studyId, id, detail.get())
          .compose(recorded -> studies.get(studyId))
          .compose(study -> participants.stored(id).map(stored -> new Seen(loaded, study, logged(stored))));
    });
  }

  private static List<LearningTrace.Logged> logged(List<StoredEvent> stored) {
    return stored.stream().map(e -> new LearningTrace.Logged(e.position(), Participants.decode(e))).toList();
  }

  /** The study in the path, if the caller is a researcher who may see it. */
  private Future<Studies.Loaded> reachable(RoutingContext ctx) {
    String studyId = ctx.pathParam("studyId");
    return access.researcher(ctx).compose(by -> access.study(ctx, studyId)).compose(ok -> studies.get(studyId));
  }

  /** Every participant but test and withdrawn ones, as the export leaves them out by default. */
  private Future<JsonObject> studyLearning(Vertx vertx, Studies.Loaded study) {
    Protocol.Diagnostics thresholds = study.protocol().thresholds().diagnostics();
    return studies.assignments(study.studyId()).compose(assigned -> {
      List<Future<StudyLearning.Participant>> parts = assigned.stream().filter(a -> !a.test())
          .map(a -> part(vertx, a, thresholds)).toList();
      return Future.all(parts).map(all -> {
        List<StudyLearning.Participant> included = parts.stream().map(Future::result)
            .filter(java.util.Objects::nonNull).toList();
        List<String> arms = study.protocol().arms().stream().map(Protocol.Arm::id).toList();
        return Views.studyLearning(study.studyId(), StudyLearning.of(arms, included));
      });
    });
  }

  /**
   * One participant's part, from what was folded before if their stream has not moved since; null if withdrawn. The
   * fold runs on a worker thread: a study's streams together would hold up the event loop that serves participants.
   */
  private Future<StudyLearning.Participant> part(Vertx vertx, StudyEvent.ParticipantAssigned a,
                                                 Protocol.Diagnostics thresholds) {
    Folded known = folded.get(a.participantId());
    Future<Boolean> moved = known == null || !known.thresholds().equals(thresholds) ? Future.succeededFuture(true)
        : participants.movedSince(a.participantId(), known.version());
    return moved.compose(again -> !again ? Future.succeededFuture(known.participant())
        : participants.stored(a.participantId()).compose(stored -> vertx.executeBlocking(() -> {
          StudyLearning.Participant part = fold(a, stored, thresholds);
          folded.put(a.participantId(), new Folded(stored.isEmpty() ? 0 : stored.getLast().version(), thresholds,
              part));
          return part;
        }, false)));
  }

  /** A participant's part of a study's learning from their whole stream; null if they withdrew. */
  private static StudyLearning.Participant fold(StudyEvent.ParticipantAssigned a, List<StoredEvent> stored,
                                                Protocol.Diagnostics thresholds) {
    if (stored.stream().anyMatch(e -> e.type().equals("ParticipantWithdrew"))) {
      return null;
    }
    // The figures alone: no per-step rows are kept for a study's view.
    LearningTrace.Fold fold = new LearningTrace.Fold(false);
    stored.forEach(e -> fold.next(e.position(), Participants.decode(e)));
    LearningTrace trace = fold.result();
    return new StudyLearning.Participant(a.participantId(), a.arm(), trace.episodes(), trace.diagnostics(thresholds));
  }
}
