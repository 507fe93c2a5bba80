package org.tuneloop.server;

import io.vertx.core.Future;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.tuneloop.eventstore.EventStore;
import org.tuneloop.eventstore.HashChain;
import org.tuneloop.eventstore.StoredEvent;
import org.tuneloop.study.Audit;
import org.tuneloop.study.ParticipantEvent;

/** `study audit verify`: every stream's hash chain, then every participant replayed and recomputed. */
public final class AuditRun {
  private AuditRun() {}

  /** Totals and every problem found. */
  public record Result(int streams, int events, int updates, int choices, List<String> problems) {
    public boolean ok() { return problems.isEmpty(); }
  }

  public static Future<Result> verify(EventStore store, String studyId) {
    return store.streamIds("").compose(ids -> {
      Future<Result> result = Future.succeededFuture(new Result(0, 0, 0, 0, List.of()));
      for (String id : ids) {
        result = result.compose(sofar -> store.readStream(id, 0).map(events -> add(sofar, id, events, studyId)));
      }
      return result;
    });
  }

  private static Result add(Result sofar, String streamId, List<StoredEvent> events, String studyId) {
    if (studyId != null && !belongsTo(streamId, events, studyId)) {
      return sofar;
    }
    List<String> problems = new ArrayList<>(sofar.problems());
    HashChain.verify(events).forEach(p -> problems.add(streamId + ": " + p));
    int updates = 0;
    int choices = 0;
    if (streamId.startsWith("participant-")) {
      try {
        List<ParticipantEvent> decoded = events.stream().map(Participants::decode).toList();
        Audit.Report report = Audit.replay(decoded);
        updates = report.updates();
        choices = report.choices();
        report.mismatches().forEach(m -> problems.add(streamId + ": " + m));
      } catch (RuntimeException e) {
        problems.add(streamId + ": cannot be replayed: " + e.getMessage());
      }
    }
    return new Result(sofar.streams() + 1, sofar.events() + events.size(), sofar.updates() + updates,
        sofar.choices() + choices, List.copyOf(problems));
  }

  private static boolean belongsTo(String streamId, List<StoredEvent> events, String studyId) {
    if (streamId.equals(Studies.streamId(studyId))) {
      return true;
    }
    return !events.isEmpty() && studyId.equals(events.getFirst().data().getString("studyId"));
  }

  public static void print(Result r, PrintStream out) {
    out.printf("Audited %d streams, %d events: %d Q-value updates recomputed, %d action choices re-derived.%n",
        r.streams(), r.events(), r.updates(), r.choices());
    if (r.ok()) {
      out.println("OK: every hash chain is intact and every recorded result matches its recomputation.");
    } else {
      out.printf("FAILED: %d problem(s):%n", r.problems().size());
      r.problems().forEach(p -> out.println("  " + p));
    }
  }
}
