package org.tuneloop.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Long loops of asynchronous steps (the audit's lanes over a large log, the benchmark's rating and raw loops): they
 * finish with every step done, without overflowing the stack, whether the steps complete later or at once.
 */
@Timeout(60)
class RepeatTest {
  @Test
  void aMillionStepsThatCompleteLaterFinish() {
    Vertx vertx = Vertx.vertx();
    try {
      AtomicInteger steps = new AtomicInteger();
      Platform.await(Repeat.whileTrue(() -> {
        Promise<Boolean> answer = Promise.promise();
        // Answered in a later task of the event loop, as a database read or an HTTP answer is.
        vertx.runOnContext(v -> answer.complete(steps.incrementAndGet() < 1_000_000));
        return answer.future();
      }));
      assertThat(steps.get()).isEqualTo(1_000_000);
    } finally {
      Platform.await(vertx.close());
    }
  }

  @Test
  void aMillionStepsThatCompleteAtOnceFinish() {
    AtomicInteger steps = new AtomicInteger();
    Future<Void> done = Repeat.whileTrue(() -> Future.succeededFuture(steps.incrementAndGet() < 1_000_000));
    assertThat(done.succeeded()).isTrue();
    assertThat(steps.get()).isEqualTo(1_000_000);
  }

  @Test
  void aFailedStepEndsTheLoopWithItsCause() {
    AtomicInteger steps = new AtomicInteger();
    Future<Void> done = Repeat.whileTrue(() -> steps.incrementAndGet() == 3
        ? Future.failedFuture(new IllegalStateException("step 3 refused")) : Future.succeededFuture(true));
    assertThat(done.failed()).isTrue();
    assertThat(done.cause()).hasMessage("step 3 refused");
    assertThat(steps.get()).isEqualTo(3);
  }

  @Test
  void theAuditsLanesOverAHundredThousandStreamsFinishWithEveryResult() {
    Vertx vertx = Vertx.vertx();
    try {
      List<String> ids = IntStream.range(0, 100_000).mapToObj(Integer::toString).toList();
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
  void aFailedCheckFailsTheAuditsLanes() {
    Future<List<String>> lanes = AuditRun.lanes(List.of("a", "b", "c"), 2,
        id -> id.equals("b") ? Future.failedFuture(new IllegalStateException("stream b unreadable"))
            : Future.succeededFuture(id));
    assertThat(lanes.failed()).isTrue();
    assertThat(lanes.cause()).hasMessage("stream b unreadable");
  }
}
