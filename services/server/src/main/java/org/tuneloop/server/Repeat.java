package org.tuneloop.server;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.function.Supplier;

/**
 * Asynchronous steps run one after another, each started once the last one has completed. Composing each step on
 * the last would build a chain of futures as long as the loop, which completes through one stack frame per step and
 * overflows the stack in a long loop (a full benchmark, an audit of a large log); here each step starts from the
 * last one's callback, and steps that complete at once are run in a plain loop rather than one frame deeper each.
 */
final class Repeat {
  private Repeat() {}

  /** Runs {@code step} again while it answers true; done when it answers false, failed when it fails. */
  static Future<Void> whileTrue(Supplier<Future<Boolean>> step) {
    Promise<Void> done = Promise.promise();
    run(step, done);
    return done.future();
  }

  private static void run(Supplier<Future<Boolean>> step, Promise<Void> done) {
    while (true) {
      Future<Boolean> next;
      try {
        next = step.get();
      } catch (RuntimeException e) {
        done.tryFail(e);
        return;
      }
      if (!next.isComplete()) {
        next.onComplete(result -> {
          if (goOn(result, done)) {
            run(step, done);
          }
        });
        return;
      }
      if (!goOn(next, done)) {
        return;
      }
    }
  }

  private static boolean goOn(AsyncResult<Boolean> result, Promise<Void> done) {
    if (result.failed()) {
      done.tryFail(result.cause());
      return false;
    }
    if (!Boolean.TRUE.equals(result.result())) {
      done.tryComplete();
      return false;
    }
    return true;
  }
}
