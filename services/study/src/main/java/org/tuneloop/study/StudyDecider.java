package org.tuneloop.study;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.tuneloop.study.StudyEvent.ParticipantAssigned;
import org.tuneloop.study.StudyEvent.StudyClosed;
import org.tuneloop.study.StudyEvent.StudyCreated;
import org.tuneloop.study.StudyEvent.StudyOpened;
import org.tuneloop.study.StudyEvent.StudyPaused;

/**
 * A study's own stream as a decider: created from a protocol (paused until a researcher opens it), opened, paused,
 * closed for good, and each participant's arm assignment. Protocol text is read by the function given, which the
 * edge supplies (the schema-checked reader), so the decider stays pure.
 */
public final class StudyDecider implements Decider<StudyDecider.Command, StudyDecider.Study, StudyEvent> {

  public enum Status { OPEN, PAUSED, CLOSED }

  /** What researchers (and joining participants) ask of a study. */
  public sealed interface Command {
    record Create(String studyId, String protocolText, long seed, String by, String appVersion, String agentVersion)
        implements Command {}

    record Open(String by) implements Command {}

    record Pause(String by) implements Command {}

    record Close(String by) implements Command {}

    /**
     * A participant joins. {@code arm} null means randomised; test participants (previews) may join a paused study
     * and are never counted or randomised with the others; a paused study turns away only {@link #SELF_ENTRIES}.
     */
    record Assign(String participantId, String entry, boolean test, String arm) implements Command {}
  }

  /**
   * The study as its events leave it; {@code created} is null until it exists.
   *
   * @param assigned non-test participants so far (the next randomisation index)
   * @param perArm   non-test participants per arm
   * @param tests    test participants so far
   */
  public record Study(StudyCreated created, Protocol protocol, Status status, int assigned, Map<String, Integer> perArm,
                      int tests) {
    public Study {
      perArm = Map.copyOf(perArm);
    }

    public boolean exists() { return created != null; }

    public String studyId() { return created.studyId(); }
  }

  private final Function<String, Protocol> protocolReader;

  public StudyDecider(Function<String, Protocol> protocolReader) {
    this.protocolReader = protocolReader;
  }

  @Override
  public Study initialState() {
    return new Study(null, null, null, 0, Map.of(), 0);
  }

  @Override
  public List<StudyEvent> decide(Command command, Study study) {
    if (!(command instanceof Command.Create) && !study.exists()) {
      throw CommandRejected.notNow("there is no such study");
    }
    return switch (command) {
      case Command.Create c -> {
        if (study.exists()) {
          throw CommandRejected.notNow("a study '" + c.studyId() + "' exists already; choose another id");
        }
        Protocol protocol = protocolReader.apply(c.protocolText());
        yield List.of(new StudyCreated(c.studyId(), protocol.id(), protocol.version(), protocol.title(),
            c.protocolText(), Protocol.sha256Hex(c.protocolText()), c.seed(), c.by(), c.appVersion(), c.agentVersion(),
            false));
      }
      case Command.Open o -> switch (study.status()) {
        case PAUSED -> List.of(new StudyOpened(o.by()));
        case OPEN -> throw CommandRejected.notNow("the study is open already");
        case CLOSED -> throw closed();
      };
      case Command.Pause p -> switch (study.status()) {
        case OPEN -> List.of(new StudyPaused(p.by()));
        case PAUSED -> throw CommandRejected.notNow("the study is paused already");
        case CLOSED -> throw closed();
      };
      case Command.Close c -> {
        if (study.status() == Status.CLOSED) {
          throw closed();
        }
        yield List.of(new StudyClosed(c.by()));
      }
      case Command.Assign a -> List.of(assign(a, study));
    };
  }

  private static ParticipantAssigned assign(Command.Assign a, Study study) {
    Protocol protocol = study.protocol();
    if (study.status() == Status.CLOSED) {
      throw CommandRejected.notNow("closed", "This study has ended and takes no more participants. Thank you for your"
          + " interest.");
    }
    if (a.test()) {
      String arm = a.arm() != null ? protocol.arm(a.arm()).arm()
          : protocol.arms().get(study.tests() % protocol.arms().size()).id();
      return new ParticipantAssigned(a.participantId(), study.tests(), arm, a.entry(), true);
    }
    if (study.status() == Status.PAUSED && SELF_ENTRIES.contains(a.entry())) {
      throw CommandRejected.notNow("paused", "This study is paused at the moment. Please try again later.");
    }
    Integer cap = protocol.recruitment().maxParticipants();
    if (cap != null && study.assigned() >= cap) {
      throw full();
    }
    String arm;
    if (a.arm() != null) {
      arm = protocol.arm(a.arm()).arm();
    } else {
      arm = Randomisation.arm(study.created().seed(), study.assigned(), protocol.blockSize(), protocol.arms(),
          study.perArm());
      if (arm == null) {
        throw full();
      }
    }
    return new ParticipantAssigned(a.participantId(), study.assigned(), arm, a.entry(), false);
  }

  /** Entries a participant makes alone (a paused study turns them away); researchers' entries (personal links,
   *  enrolment by hand) may be prepared while a study is paused. */
  public static final java.util.Set<String> SELF_ENTRIES = java.util.Set.of("link", "prolific");

  private static CommandRejected full() {
    return CommandRejected.notNow("full", "This study has all the participants it needs. Thank you for your interest.");
  }

  private static CommandRejected closed() {
    return CommandRejected.notNow("closed", "the study is closed, which is final");
  }

  /**
   * Whether the study lets an enrolled participant's command through: nothing once closed, and nothing while paused
   * if the protocol holds participants then. Withdrawing is always possible. A test participant (a preview) is never
   * held: a study starts paused, and previewing is how researchers try it before opening it.
   */
  public static void admit(Study study, ParticipantCommand command, boolean test) {
    if (command instanceof ParticipantCommand.Withdraw || command instanceof ParticipantCommand.Enrol) {
      return;
    }
    if (study.status() == Status.CLOSED) {
      throw CommandRejected.notNow("closed", "this study has ended, so nothing more can be saved");
    }
    if (!test && study.status() == Status.PAUSED
        && study.protocol().recruitment().whilePaused() == Protocol.WhilePaused.HOLD) {
      throw CommandRejected.notNow("paused", "the study is paused at the moment; please come back later");
    }
  }

  @Override
  public Study evolve(Study study, StudyEvent event) {
    return switch (event) {
      case StudyCreated e -> new Study(e, protocolReader.apply(e.protocol()),
          e.openOnCreate() ? Status.OPEN : Status.PAUSED, 0, Map.of(), 0);
      case StudyOpened e -> with(study, Status.OPEN);
      case StudyPaused e -> with(study, Status.PAUSED);
      case StudyClosed e -> with(study, Status.CLOSED);
      case ParticipantAssigned e -> {
        if (e.test()) {
          yield new Study(study.created(), study.protocol(), study.status(), study.assigned(), study.perArm(),
              study.tests() + 1);
        }
        Map<String, Integer> perArm = new HashMap<>(study.perArm());
        perArm.merge(e.arm(), 1, Integer::sum);
        yield new Study(study.created(), study.protocol(), study.status(), study.assigned() + 1, perArm, study.tests());
      }
    };
  }

  private static Study with(Study study, Status status) {
    return new Study(study.created(), study.protocol(), status, study.assigned(), study.perArm(), study.tests());
  }
}
