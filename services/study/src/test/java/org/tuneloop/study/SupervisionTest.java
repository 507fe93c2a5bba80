package org.tuneloop.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tuneloop.study.ParticipantEvent.ParticipantDroppedOut;
import org.tuneloop.study.ParticipantEvent.SessionEndedEarly;
import org.tuneloop.study.ParticipantEvent.SessionPaused;

/** A researcher's pause, resume, note and early end, and the dropout mark, over a participant's stream. */
class SupervisionTest {
  private static final Supervision SUPERVISION = new Supervision();
  private static final ParticipantDecider DECIDER = new ParticipantDecider();

  private final List<ParticipantEvent> events = new ArrayList<>(List.of(new ParticipantEvent.ParticipantEnrolled(
      "p", "s", "proto", 1, 7L, "1", "hash", ArmSettings.paper(), false)));

  private Supervision.State state() {
    return SUPERVISION.fold(SUPERVISION.initialState(), events);
  }

  private void when(Supervision.Command command) {
    events.addAll(SUPERVISION.decide(command, state()));
  }

  @Test
  void aPausedSessionHoldsTheParticipantsCommandsButNotTheirWithdrawal() {
    when(new Supervision.Command.Pause("r1", "a break"));
    assertThat(events.getLast()).isEqualTo(new SessionPaused("r1", "a break"));
    assertThatThrownBy(() -> Supervision.admit(state(), new ParticipantCommand.AnswerConsent("1", true)))
        .isInstanceOfSatisfying(CommandRejected.class, e -> assertThat(e.code()).isEqualTo("paused-by-researcher"));
    Supervision.admit(state(), new ParticipantCommand.Withdraw());
    assertThatThrownBy(() -> when(new Supervision.Command.Pause("r1", null))).isInstanceOf(CommandRejected.class);
    when(new Supervision.Command.Resume("r1"));
    Supervision.admit(state(), new ParticipantCommand.AnswerConsent("1", true));
    assertThatThrownBy(() -> when(new Supervision.Command.Resume("r1"))).isInstanceOf(CommandRejected.class);
  }

  @Test
  void notesNeedTextAndEndingEarlyIsFinalWithTheReasonAndPhase() {
    assertThatThrownBy(() -> when(new Supervision.Command.Note("r1", " "))).isInstanceOfSatisfying(
        CommandRejected.class, e -> assertThat(e.field()).isEqualTo("text"));
    assertThatThrownBy(() -> when(new Supervision.Command.Note("r1", "x".repeat(Supervision.MAX_TEXT + 1))))
        .isInstanceOf(CommandRejected.class);
    when(new Supervision.Command.Note("r1", "asked about the drums"));
    when(new Supervision.Command.End("r1", "felt unwell"));
    assertThat(events.getLast()).isEqualTo(new SessionEndedEarly("r1", "felt unwell", "consent"));
    Participant phase = DECIDER.fold(DECIDER.initialState(), events);
    assertThat(phase).isInstanceOf(Participant.Ended.class);
    assertThat(phase.isOver()).isTrue();
    assertThatThrownBy(() -> when(new Supervision.Command.Pause("r1", null))).isInstanceOf(CommandRejected.class);
    assertThatThrownBy(() -> DECIDER.decide(new ParticipantCommand.Withdraw(), phase))
        .isInstanceOf(CommandRejected.class);
  }

  @Test
  void aDropoutIsMarkedOnceAndClearedWhenTheParticipantActsAgain() {
    when(new Supervision.Command.MarkDroppedOut(30));
    assertThat(events.getLast()).isEqualTo(new ParticipantDroppedOut(30, "consent"));
    assertThat(state().droppedOut()).isTrue();
    assertThatThrownBy(() -> when(new Supervision.Command.MarkDroppedOut(30))).isInstanceOf(CommandRejected.class);
    Participant before = DECIDER.fold(DECIDER.initialState(), events);
    events.addAll(DECIDER.decide(new ParticipantCommand.AnswerConsent("1", true), before));
    assertThat(state().droppedOut()).isFalse();
    assertThat(state().phase()).isEqualTo("parameters");
  }
}
