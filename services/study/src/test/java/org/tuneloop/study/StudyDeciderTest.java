package org.tuneloop.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tuneloop.study.StudyDecider.Command;
import org.tuneloop.study.StudyDecider.Status;
import org.tuneloop.study.StudyEvent.ParticipantAssigned;

/** Given a study's events, when a command, then its events or a rejection; and the block randomisation. */
class StudyDeciderTest {
  private static final String TEXT = "a protocol file";

  private static Protocol protocol(Integer maxParticipants, Integer capOfB, int weightOfB, int blockSize) {
    return new Protocol("p", 1, "P", new Protocol.Consent("1", "Consent."),
        new Protocol.Recruitment(maxParticipants, Protocol.WhilePaused.HOLD, 30, "DONE", null), blockSize,
        List.of(new Protocol.Arm(arm("A"), 1, null), new Protocol.Arm(arm("B"), weightOfB, capOfB)));
  }

  private static ArmSettings arm(String id) {
    ArmSettings paper = ArmSettings.paper();
    return new ArmSettings(id, paper.agent(), paper.startParameters(), 12, 24, 0.25, 1.0, 0.25, 2, List.of(35, 38),
        10, 0);
  }

  /** A study's events so far and the commands that grow them, with the protocol the reader returns. */
  private static final class Given {
    final StudyDecider decider;
    final List<StudyEvent> events = new ArrayList<>();

    Given(Protocol protocol) {
      decider = new StudyDecider(text -> protocol);
    }

    List<StudyEvent> when(Command command) {
      List<StudyEvent> decided = decider.decide(command, state());
      events.addAll(decided);
      return decided;
    }

    StudyDecider.Study state() {
      return decider.fold(decider.initialState(), events);
    }

    String assign(String participant, String entry) {
      return ((ParticipantAssigned) when(new Command.Assign(participant, entry, false, null)).getFirst()).arm();
    }
  }

  private static Given created(Protocol protocol) {
    Given g = new Given(protocol);
    g.when(new Command.Create("s1", TEXT, 42L, "r1", "0.1.0", "tabular-q/1"));
    return g;
  }

  @Test
  void aStudyPinsItsProtocolTextAndStartsPaused() {
    Given g = created(protocol(null, null, 1, 2));
    StudyEvent.StudyCreated created = (StudyEvent.StudyCreated) g.events.getFirst();
    assertThat(created.protocol()).isEqualTo(TEXT);
    assertThat(created.protocolSha256()).isEqualTo(Protocol.sha256Hex(TEXT)).hasSize(64);
    assertThat(created.appVersion()).isEqualTo("0.1.0");
    assertThat(created.agentVersion()).isEqualTo("tabular-q/1");
    assertThat(g.state().status()).isEqualTo(Status.PAUSED);
    assertRejected(() -> g.when(new Command.Create("s1", TEXT, 1L, "r1", "x", "y")), null);
  }

  @Test
  void openPauseAndCloseFollowTheLifecycleAndClosingIsFinal() {
    Given g = created(protocol(null, null, 1, 2));
    assertRejected(() -> g.when(new Command.Pause("r1")), null);
    g.when(new Command.Open("r1"));
    assertThat(g.state().status()).isEqualTo(Status.OPEN);
    assertRejected(() -> g.when(new Command.Open("r1")), null);
    g.when(new Command.Pause("r1"));
    g.when(new Command.Open("r1"));
    g.when(new Command.Close("r1"));
    assertThat(g.state().status()).isEqualTo(Status.CLOSED);
    assertRejected(() -> g.when(new Command.Open("r1")), "closed");
    assertRejected(() -> g.when(new Command.Close("r1")), "closed");
    assertRejected(() -> g.when(new Command.Assign("p", "personal", false, null)), "closed");
    assertRejected(() -> g.when(new Command.Assign("p", "preview", true, null)), "closed");
  }

  @Test
  void aPausedStudyTurnsAwaySelfEntriesButTakesResearchersEntriesAndPreviews() {
    Given g = created(protocol(null, null, 1, 2));
    assertRejected(() -> g.when(new Command.Assign("p1", "link", false, null)), "paused");
    assertRejected(() -> g.when(new Command.Assign("p1", "prolific", false, null)), "paused");
    assertThat(g.assign("p1", "personal")).isIn("A", "B");
    ParticipantAssigned preview = (ParticipantAssigned) g.when(new Command.Assign("t1", "preview", true, null)).getFirst();
    assertThat(preview.test()).isTrue();
    assertThat(g.state().assigned()).as("tests are not counted").isEqualTo(1);
    assertThat(g.state().tests()).isEqualTo(1);
  }

  @Test
  void everyCompleteBlockIsBalancedAndTheOrderComesFromTheSeedAlone() {
    Given g = created(protocol(null, null, 1, 4));
    g.when(new Command.Open("r1"));
    List<String> arms = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      arms.add(g.assign("p" + i, "link"));
      Map<String, Integer> counts = new HashMap<>(g.state().perArm());
      if ((i + 1) % 4 == 0) {
        assertThat(counts.get("A")).as("after block " + (i + 1) / 4).isEqualTo(counts.get("B"));
      }
      assertThat(Math.abs(counts.getOrDefault("A", 0) - counts.getOrDefault("B", 0))).isLessThanOrEqualTo(4);
    }
    Given again = created(protocol(null, null, 1, 4));
    again.when(new Command.Open("r1"));
    for (int i = 0; i < 40; i++) {
      assertThat(again.assign("q" + i, "link")).as("assignment " + i + " re-derived").isEqualTo(arms.get(i));
    }
    assertThat(arms).as("not simply alternating").isNotEqualTo(alternating(40));
  }

  @Test
  void weightsShareTheBlockAndCapsSendTheRestElsewhereUntilTheStudyIsFull() {
    Given g = created(protocol(5, 2, 2, 6));
    g.when(new Command.Open("r1"));
    for (int i = 0; i < 5; i++) {
      g.assign("p" + i, "link");
    }
    assertThat(g.state().perArm()).containsEntry("B", 2).containsEntry("A", 3);
    assertRejected(() -> g.when(new Command.Assign("p9", "link", false, null)), "full");

    Given weighted = created(protocol(null, null, 2, 6));
    weighted.when(new Command.Open("r1"));
    for (int i = 0; i < 12; i++) {
      weighted.assign("p" + i, "link");
    }
    assertThat(weighted.state().perArm()).containsEntry("A", 4).containsEntry("B", 8);
  }

  @Test
  void aRequestedArmIsHonouredAndAnUnknownOneRejected() {
    Given g = created(protocol(null, null, 1, 2));
    assertThat(((ParticipantAssigned) g.when(new Command.Assign("p", "researcher", false, "B")).getFirst()).arm())
        .isEqualTo("B");
    assertThatThrownBy(() -> g.when(new Command.Assign("q", "researcher", false, "C")))
        .isInstanceOf(CommandRejected.class).hasMessageContaining("no arm 'C'");
  }

  @Test
  void theStudyAdmitsParticipantCommandsByItsStatus() {
    Given g = created(protocol(null, null, 1, 2));
    g.when(new Command.Open("r1"));
    ParticipantCommand rate = new ParticipantCommand.RateTrack(1, 1, 5, null, java.time.Instant.EPOCH);
    StudyDecider.admit(g.state(), rate, false);
    g.when(new Command.Pause("r1"));
    assertRejected(() -> StudyDecider.admit(g.state(), rate, false), "paused");
    StudyDecider.admit(g.state(), rate, true);   // a preview is never held
    StudyDecider.admit(g.state(), new ParticipantCommand.Withdraw(), false);
    g.when(new Command.Close("r1"));
    assertRejected(() -> StudyDecider.admit(g.state(), rate, false), "closed");
    assertRejected(() -> StudyDecider.admit(g.state(), rate, true), "closed");
    StudyDecider.admit(g.state(), new ParticipantCommand.Withdraw(), false);
  }

  private static List<String> alternating(int n) {
    List<String> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      list.add(i % 2 == 0 ? "A" : "B");
    }
    return list;
  }

  private static void assertRejected(Runnable command, String code) {
    assertThatThrownBy(command::run).isInstanceOfSatisfying(CommandRejected.class,
        e -> assertThat(e.code()).isEqualTo(code));
  }
}
