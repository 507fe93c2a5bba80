package org.tuneloop.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The audit's lanes over streams, on a log of many streams (a stack overflow leaves the lanes unfinished). */
@Timeout(60)
class AuditLanesTest {
  @Test
  void lanesOverAHundredThousandStreamsFinishWithEveryResultAndNoStackOverflow() {
    Vertx vertx = Vertx.vertx();
    try {
      List<String> ids = IntStream.range(0, 100_000).mapToObj(Integer::toString).toList();
      // Each check answers later on the event loop, as a database read does.
      List<String> checked = Platform.await(AuditRun.lanes(ids, 2, id -> {
        Promise<String> answer = Promise.promise();
        vertx.runOnContext(v -> answer.complete(id));
        return answer.future();
      }));
      assertThat(checked).hasSize(ids.size()).containsExactlyInAnyOrderElementsOf(ids);
    } finally {
      Platform.await(vertx.close());
    }
  }

  @Test
  void aFailedCheckFailsTheLanes() {
    Vertx vertx = Vertx.vertx();
    try {
      Future<List<String>> lanes = AuditRun.lanes(List.of("a", "b", "c"), 2,
          id -> id.equals("b") ? Future.failedFuture(new IllegalStateException("stream b unreadable"))
              : Future.succeededFuture(id));
      assertThat(lanes.failed()).isTrue();
      assertThat(lanes.cause()).hasMessage("stream b unreadable");
    } finally {
      Platform.await(vertx.close());
    }
  }
}
