package org.tuneloop.study;

import java.util.List;
import org.tuneloop.study.ParticipantEvent.ConsentDeclined;
import org.tuneloop.study.ParticipantEvent.CompositionCreated;
import org.tuneloop.study.ParticipantEvent.ObservationNoted;
import org.tuneloop.study.ParticipantEvent.ParticipantDroppedOut;
import org.tuneloop.study.ParticipantEvent.ParticipantEnrolled;
import org.tuneloop.study.ParticipantEvent.ParticipantWithdrew;
import org.tuneloop.study.ParticipantEvent.SessionEndedEarly;
import org.tuneloop.study.ParticipantEvent.SessionPaused;
import org.tuneloop.study.ParticipantEvent.SessionResumed;

/**
 * What researchers (and the dropout sweep) do about a participant's session, as a second decider over the same
 * stream: pause for a break and resume, note an observation, end the session early, mark a dropout. It keeps only
 * the flags it needs; the participant's phase stays the {@link ParticipantDecider}'s.
 */
public final class Supervision implements Decider<Supervision.Command, Supervision.State, ParticipantEvent> {

  /** The longest observation note or reason, in characters. */
  public static final int MAX_TEXT = 2000;

  public sealed interface Command {
    record Pause(String by, String reason) implements Command {}

    record Resume(String by) implements Command {}

    record Note(String by, String text) implements Command {}

    record End(String by, String reason) implements Command {}

    /**
     * Identifying data kept outside the log was deleted (by the participant's withdrawal after finishing, or a
     * researcher's erasure): the rows deleted of each kind.
     */
    record RecordErasure(String by, int entries, int texts) implements Command {}

    /** From the dropout sweep: the participant has been idle this many minutes. */
    record MarkDroppedOut(int idleMinutes) implements Command {}
  }

  /**
   * @param phase the phase as of the last event (for the records of pause, end and dropout)
   */
  public record State(boolean enrolled, boolean over, boolean paused, boolean droppedOut, String phase,
                      boolean trainingLast) {
    public State(boolean enrolled, boolean over, boolean paused, boolean droppedOut, String phase) {
      this(enrolled, over, paused, droppedOut, phase, true);
    }
  }

  @Override
  public State initialState() {
    return new State(false, false, false, false, "unknown", true);
  }

  @Override
  public List<ParticipantEvent> decide(Command command, State s) {
    if (!s.enrolled()) {
      throw CommandRejected.notNow("nobody is enrolled here");
    }
    return switch (command) {
      case Command.Pause p -> {
        requireActive(s, "paused");
        if (s.paused()) {
          throw CommandRejected.notNow("the session is paused already");
        }
        yield List.of(new SessionPaused(p.by(), text(p.reason(), "reason", false)));
      }
      case Command.Resume r -> {
        if (!s.paused()) {
          throw CommandRejected.notNow("the session is not paused");
        }
        yield List.of(new SessionResumed(r.by()));
      }
      case Command.Note n -> List.of(new ObservationNoted(n.by(), text(n.text(), "text", true)));
      case Command.RecordErasure e -> List.of(new ParticipantEvent.IdentifyingDataErased(e.by(), e.entries(),
          e.texts()));
      case Command.End e -> {
        requireActive(s, "ended");
        yield List.of(new SessionEndedEarly(e.by(), text(e.reason(), "reason", true), s.phase()));
      }
      case Command.MarkDroppedOut d -> {
        requireActive(s, "marked dropped out");
        if (s.droppedOut()) {
          throw CommandRejected.notNow("the participant is marked dropped out already");
        }
        yield List.of(new ParticipantDroppedOut(d.idleMinutes(), s.phase()));
      }
    };
  }

  /** The participant's own commands wait while a researcher has paused the session; withdrawing never waits. */
  public static void admit(State s, ParticipantCommand command) {
    if (s.paused() && !(command instanceof ParticipantCommand.Withdraw)) {
      throw CommandRejected.notNow("paused-by-researcher",
          "your session is paused by the researcher; it continues when they resume it");
    }
  }

  @Override
  public State evolve(State s, ParticipantEvent event) {
    String phase = phaseAfter(s.phase(), event);
    boolean last = s.trainingLast();
    return switch (event) {
      case ParticipantEnrolled e -> new State(true, false, false, false, phase,
          e.flow().getLast() instanceof Block.Training);
      case SessionPaused e -> new State(s.enrolled(), s.over(), true, s.droppedOut(), phase, last);
      case SessionResumed e -> new State(s.enrolled(), s.over(), false, s.droppedOut(), phase, last);
      case ObservationNoted e -> s;
      case ParticipantEvent.IdentifyingDataErased e -> s;
      case ParticipantDroppedOut e -> new State(s.enrolled(), s.over(), s.paused(), true, phase, last);
      case ConsentDeclined e -> new State(s.enrolled(), true, false, false, phase, last);
      // The composition ends a flow whose last block is training (every stream from before flows).
      case CompositionCreated e -> new State(s.enrolled(), s.over() || last, false, false, phase, last);
      case ParticipantEvent.ParticipantCompleted e -> new State(s.enrolled(), true, false, false, phase, last);
      case ParticipantEvent.ParticipantScreenedOut e -> new State(s.enrolled(), true, false, false, phase, last);
      case ParticipantWithdrew e -> new State(s.enrolled(), true, false, false, phase, last);
      case SessionEndedEarly e -> new State(s.enrolled(), true, false, false, phase, last);
      // Any other event is the participant acting: they are back, whatever the sweep said.
      default -> new State(s.enrolled(), s.over(), s.paused(), false, phase, last);
    };
  }

  /** The phase name after an event, as the monitor and these records show it (the decider's names). */
  public static String phaseAfter(String phase, ParticipantEvent event) {
    return switch (event) {
      case ParticipantEnrolled e -> "consent";
      case ParticipantEvent.ConsentGiven e -> "parameters";
      case ConsentDeclined e -> "declined";
      case ParticipantEvent.EpisodeStarted e -> "training";
      case ParticipantEvent.EpisodeCompleted e -> "between-episodes";
      case CompositionCreated e -> "finished";
      case ParticipantEvent.BlockStarted e -> e.type().equals("training") ? "parameters" : e.type();
      case ParticipantEvent.ParticipantCompleted e -> "finished";
      case ParticipantEvent.ParticipantScreenedOut e -> "screened-out";
      case ParticipantWithdrew e -> "withdrawn";
      case SessionEndedEarly e -> "ended";
      default -> phase;
    };
  }

  private static void requireActive(State s, String what) {
    if (s.over()) {
      throw CommandRejected.notNow("the session is over (" + s.phase() + ") and cannot be " + what);
    }
  }

  private static String text(String value, String field, boolean required) {
    if (value == null || value.isBlank()) {
      if (required) {
        throw CommandRejected.invalid(field, field + " must not be empty");
      }
      return null;
    }
    if (value.length() > MAX_TEXT) {
      throw CommandRejected.invalid(field, field + " must be at most " + MAX_TEXT + " characters");
    }
    return value.strip();
  }
}
