package org.tuneloop.server;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.tuneloop.eventstore.Checkpoints;

/**
 * Writes a checkpoint of every stream's head at a steady interval while the server runs; a tick when the log has not
 * moved writes nothing (docs/audit.md). Several server processes may each run one: the writes are serialised.
 */
final class CheckpointSchedule {
  private static final Logger LOG = Logger.getLogger(CheckpointSchedule.class.getName());
  /** The interval unless TUNELOOP_CHECKPOINT_SECONDS says otherwise. */
  static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(60);

  private final Vertx vertx;
  private final Checkpoints checkpoints;
  private final String by;
  private long timer = -1;

  CheckpointSchedule(Vertx vertx, Checkpoints checkpoints, String by) {
    this.vertx = vertx;
    this.checkpoints = checkpoints;
    this.by = by;
  }

  /** The interval from the environment (whole seconds, at least 1), else the default. */
  static Duration interval() {
    String seconds = System.getenv("TUNELOOP_CHECKPOINT_SECONDS");
    try {
      return seconds == null ? DEFAULT_INTERVAL : Duration.ofSeconds(Math.max(1, Long.parseLong(seconds.strip())));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("TUNELOOP_CHECKPOINT_SECONDS must be a whole number of seconds, not '"
          + seconds + "'");
    }
  }

  void start(Duration every) {
    timer = vertx.setPeriodic(every.toMillis(), id -> checkpoints.write(by)
        .onFailure(failure -> LOG.log(Level.WARNING, "could not write a checkpoint; trying again at the next tick",
            failure)));
  }

  void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }
}
