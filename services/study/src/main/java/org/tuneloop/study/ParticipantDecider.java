package org.tuneloop.study;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.tuneloop.agent.AgentSettings;
import org.tuneloop.agent.Choice;
import org.tuneloop.agent.Draws;
import org.tuneloop.agent.QKey;
import org.tuneloop.agent.QLearning;
import org.tuneloop.agent.QTable;
import org.tuneloop.music.EditBounds;
import org.tuneloop.music.StartParameters;
import org.tuneloop.music.Track;
import org.tuneloop.music.TrackGenerator;
import org.tuneloop.study.Participant.AwaitingConsent;
import org.tuneloop.study.Participant.BetweenEpisodes;
import org.tuneloop.study.Participant.ChoosingParameters;
import org.tuneloop.study.Participant.Declined;
import org.tuneloop.study.Participant.Finished;
import org.tuneloop.study.Participant.Training;
import org.tuneloop.study.Participant.Unknown;
import org.tuneloop.study.Participant.Withdrawn;
import org.tuneloop.study.ParticipantCommand.AnswerConsent;
import org.tuneloop.study.ParticipantCommand.ChooseStartParameters;
import org.tuneloop.study.ParticipantCommand.ContinueTraining;
import org.tuneloop.study.ParticipantCommand.Enrol;
import org.tuneloop.study.ParticipantCommand.FinishTraining;
import org.tuneloop.study.ParticipantCommand.RateTrack;
import org.tuneloop.study.ParticipantCommand.Withdraw;
import org.tuneloop.study.ParticipantEvent.ActionChosen;
import org.tuneloop.study.ParticipantEvent.CompositionCreated;
import org.tuneloop.study.ParticipantEvent.ConsentDeclined;
import org.tuneloop.study.ParticipantEvent.ConsentGiven;
import org.tuneloop.study.ParticipantEvent.EpisodeCompleted;
import org.tuneloop.study.ParticipantEvent.EpisodeStarted;
import org.tuneloop.study.ParticipantEvent.ParticipantEnrolled;
import org.tuneloop.study.ParticipantEvent.ParticipantWithdrew;
import org.tuneloop.study.ParticipantEvent.QValueUpdated;
import org.tuneloop.study.ParticipantEvent.StartParametersChosen;
import org.tuneloop.study.ParticipantEvent.TrackPresented;
import org.tuneloop.study.ParticipantEvent.TrackRated;
import org.tuneloop.study.ParticipantEvent.TrainingFinished;

/**
 * One participant's session as a decider: consent, start parameters, episodes of rated edits, composition.
 * Every random draw comes from (seed, episode, step), so replaying the events needs no random state.
 */
public final class ParticipantDecider implements Decider<ParticipantCommand, Participant, ParticipantEvent> {

  @Override
  public Participant initialState() {
    return new Unknown();
  }

  @Override
  public List<ParticipantEvent> decide(ParticipantCommand command, Participant state) {
    return switch (command) {
      case Enrol enrol -> enrol(enrol, state);
      case AnswerConsent answer -> answerConsent(answer, state);
      case ChooseStartParameters choose -> chooseStartParameters(choose, state);
      case RateTrack rate -> rate(rate, state);
      case ContinueTraining next -> continueTraining(next, state);
      case FinishTraining finish -> finish(state);
      case Withdraw withdraw -> withdraw(state);
    };
  }

  private static List<ParticipantEvent> enrol(Enrol enrol, Participant state) {
    if (!(state instanceof Unknown)) {
      throw CommandRejected.notNow("participant " + enrol.participantId() + " is already enrolled");
    }
    Protocol protocol = enrol.protocol();
    ArmSettings arm = protocol.arm(enrol.arm());
    return List.of(new ParticipantEnrolled(enrol.participantId(), enrol.studyId(), protocol.id(), protocol.version(),
        enrol.seed(), protocol.consent().version(), protocol.consent().sha256(), arm, enrol.test()));
  }

  private static List<ParticipantEvent> answerConsent(AnswerConsent answer, Participant state) {
    if (!(state instanceof AwaitingConsent(var enrolment))) {
      throw notNow(state, "consent has already been answered");
    }
    if (!enrolment.consentVersion().equals(answer.consentVersion())) {
      throw CommandRejected.invalid("consentVersion", "consentVersion '" + answer.consentVersion()
          + "' is not the current consent text, version '" + enrolment.consentVersion() + "': reload it");
    }
    return answer.agree()
        ? List.of(new ConsentGiven(enrolment.consentVersion(), enrolment.consentSha256()))
        : List.of(new ConsentDeclined(enrolment.consentVersion()));
  }

  private static List<ParticipantEvent> chooseStartParameters(ChooseStartParameters choose, Participant state) {
    if (!(state instanceof ChoosingParameters(var enrolment))) {
      throw notNow(state, "start parameters can be chosen once, after consent");
    }
    StartParameters parameters = enrolment.settings().startParameters()
        .check(choose.baseNote(), choose.scale(), choose.length(), choose.tempo());
    List<ParticipantEvent> events = new ArrayList<>();
    events.add(new StartParametersChosen(parameters));
    startEpisode(enrolment, parameters, QTable.empty(), 1, choose.now(), events);
    return events;
  }

  private static List<ParticipantEvent> rate(RateTrack rate, Participant state) {
    if (!(state instanceof Training t)) {
      throw notNow(state, "there is no track waiting for a rating");
    }
    if (rate.episode() != t.episode() || rate.step() != t.step()) {
      throw CommandRejected.notNow("episode " + rate.episode() + " step " + rate.step()
          + " is not the track waiting for a rating (episode " + t.episode() + " step " + t.step() + ")");
    }
    if (rate.rating() < MIN_RATING || rate.rating() > MAX_RATING) {
      throw CommandRejected.invalid("rating", "rating must be a whole number from " + MIN_RATING + " to " + MAX_RATING);
    }
    ParticipantEnrolled enrolment = t.enrolment();
    AgentSettings agent = enrolment.settings().agent();
    EditBounds bounds = t.bounds();
    boolean terminal = t.step() >= t.stepsPerEpisode();

    // The rating of s_k is the reward of a_k taken at s_(k-1); the max term looks at s_k (docs/method.md).
    QKey key = agent.encoder().key(t.previous(), t.action(), t.parameters());
    double before = t.q().value(key);
    double reward = rate.rating();
    double maxNext = terminal ? 0.0 : QLearning.maxNext(t.q(), t.current(), t.parameters(), bounds, agent.encoder());
    double after = QLearning.update(before, reward, maxNext, agent.alpha(), agent.gamma(), terminal);
    QTable q = t.q().with(key, after);

    List<ParticipantEvent> events = new ArrayList<>();
    long millis = Math.max(0, Duration.between(t.presentedAt(), rate.now()).toMillis());
    events.add(new TrackRated(t.episode(), t.step(), rate.rating(), millis, rate.clientMillisToRate()));
    events.add(new QValueUpdated(t.episode(), t.step(), key.state(), key.action(), before, reward, maxNext,
        agent.alpha(), agent.gamma(), terminal, after));
    if (!terminal) {
      presentNext(enrolment, t.parameters(), q, t.episode(), t.step() + 1, t.current(), rate.now(), events);
      return events;
    }
    events.add(new EpisodeCompleted(t.episode()));
    if (t.episode() < enrolment.settings().minEpisodes()) {
      startEpisode(enrolment, t.parameters(), q, t.episode() + 1, rate.now(), events);
    }
    return events;
  }

  private static List<ParticipantEvent> continueTraining(ContinueTraining next, Participant state) {
    if (!(state instanceof BetweenEpisodes b)) {
      throw notNow(state, "another episode can start only between episodes");
    }
    int cap = b.enrolment().settings().maxEpisodes();
    if (b.completedEpisodes() >= cap) {
      throw CommandRejected.notNow("this study allows at most " + cap + " episodes, and all " + cap
          + " are done: finish training to hear the composition");
    }
    List<ParticipantEvent> events = new ArrayList<>();
    startEpisode(b.enrolment(), b.parameters(), b.q(), b.completedEpisodes() + 1, next.now(), events);
    return events;
  }

  private static List<ParticipantEvent> finish(Participant state) {
    if (!(state instanceof BetweenEpisodes b)) {
      throw notNow(state, "training can finish after the required episodes, between episodes");
    }
    if (b.completedEpisodes() < b.enrolment().settings().minEpisodes()) {
      throw CommandRejected.notNow("training can finish after " + b.enrolment().settings().minEpisodes()
          + " episodes; " + b.completedEpisodes() + " are done");
    }
    ParticipantEnrolled enrolment = b.enrolment();
    EditBounds bounds = enrolment.settings().bounds(b.parameters());
    Track start = TrackGenerator.generate(b.parameters(), bounds,
        Draws.of(enrolment.seed(), COMPOSITION_EPISODE, 0, Draws.Purpose.TRACK));
    QLearning.Rollout rollout = QLearning.rollout(b.q(), start, b.parameters(), bounds,
        enrolment.settings().agent().encoder(), enrolment.settings().steps(b.parameters()), enrolment.seed());
    return List.of(new TrainingFinished(b.completedEpisodes()),
        new CompositionCreated(start, rollout.choices().stream().map(Choice::action).toList(), rollout.result()));
  }

  private static List<ParticipantEvent> withdraw(Participant state) {
    return switch (state) {
      case Unknown u -> throw CommandRejected.notNow("nobody is enrolled here");
      case Withdrawn w -> throw CommandRejected.notNow("the participant has already withdrawn");
      case Participant.Ended e -> throw CommandRejected.notNow("the researcher has ended this session");
      default -> List.of(new ParticipantWithdrew(state.phase()));
    };
  }

  /** The rating scale (docs/method.md): the one place that says what a rating may be. */
  public static final int MIN_RATING = 1;
  public static final int MAX_RATING = 10;

  /** The composition's draws use this episode number, which no training episode has. */
  public static final int COMPOSITION_EPISODE = -1;

  private static void startEpisode(ParticipantEnrolled enrolment, StartParameters parameters, QTable q, int episode,
                                   Instant now, List<ParticipantEvent> events) {
    EditBounds bounds = enrolment.settings().bounds(parameters);
    Track start = TrackGenerator.generate(parameters, bounds,
        Draws.of(enrolment.seed(), episode, 0, Draws.Purpose.TRACK));
    events.add(new EpisodeStarted(episode, start));
    presentNext(enrolment, parameters, q, episode, 1, start, now, events);
  }

  /** Chooses a_step at s_(step-1) and presents s_step. */
  private static void presentNext(ParticipantEnrolled enrolment, StartParameters parameters, QTable q, int episode,
                                  int step, Track state, Instant now, List<ParticipantEvent> events) {
    EditBounds bounds = enrolment.settings().bounds(parameters);
    Choice choice = QLearning.choose(q, state, parameters, bounds, enrolment.settings().agent(),
        Draws.of(enrolment.seed(), episode, step, Draws.Purpose.POLICY));
    Track next = choice.action().applyTo(state, bounds)
        .orElseThrow(() -> new IllegalStateException("the policy chose an invalid action " + choice.action()));
    events.add(new ActionChosen(episode, step, choice.action(), choice.explored(), choice.epsilon()));
    events.add(new TrackPresented(episode, step, next, now));
  }

  private static CommandRejected notNow(Participant state, String message) {
    return CommandRejected.notNow(message + " (the participant is at '" + state.phase() + "')");
  }

  @Override
  public Participant evolve(Participant state, ParticipantEvent event) {
    return switch (event) {
      case ParticipantEnrolled e -> new AwaitingConsent(e);
      case ConsentGiven e -> new ChoosingParameters(enrolment(state));
      case ConsentDeclined e -> new Declined(enrolment(state));
      case StartParametersChosen e -> new BetweenEpisodes(enrolment(state), e.parameters(), QTable.empty(), 0);
      case EpisodeStarted e -> switch (state) {
        case BetweenEpisodes b -> new Training(b.enrolment(), b.parameters(), b.q(), b.completedEpisodes(),
            e.episode(), 0, null, null, e.track(), null);
        case Training t -> new Training(t.enrolment(), t.parameters(), t.q(), t.completedEpisodes(),
            e.episode(), 0, null, null, e.track(), null);
        default -> throw unexpected(state, event);
      };
      case ActionChosen e -> {
        Training t = training(state, event);
        yield new Training(t.enrolment(), t.parameters(), t.q(), t.completedEpisodes(), t.episode(), t.step(),
            t.current(), e.action(), t.current(), t.presentedAt());
      }
      case TrackPresented e -> {
        Training t = training(state, event);
        yield new Training(t.enrolment(), t.parameters(), t.q(), t.completedEpisodes(), t.episode(), e.step(),
            t.previous(), t.action(), e.track(), e.presentedAt());
      }
      case TrackRated e -> training(state, event);
      case QValueUpdated e -> {
        Training t = training(state, event);
        QTable q = t.q().with(new QKey(e.state(), e.action()), e.after());
        yield new Training(t.enrolment(), t.parameters(), q, t.completedEpisodes(), t.episode(), t.step(),
            t.previous(), t.action(), t.current(), t.presentedAt());
      }
      case EpisodeCompleted e -> {
        Training t = training(state, event);
        yield new BetweenEpisodes(t.enrolment(), t.parameters(), t.q(), t.completedEpisodes() + 1);
      }
      case TrainingFinished e -> state;
      case CompositionCreated e -> {
        if (!(state instanceof BetweenEpisodes b)) {
          throw unexpected(state, event);
        }
        yield new Finished(b.enrolment(), b.parameters(), b.q(), b.completedEpisodes(), e);
      }
      case ParticipantWithdrew e -> new Withdrawn(enrolment(state));
      case ParticipantEvent.SessionEndedEarly e -> new Participant.Ended(enrolment(state), e.reason());
      // Supervision's events leave the phase as it is (see Supervision).
      case ParticipantEvent.SessionPaused e -> state;
      case ParticipantEvent.SessionResumed e -> state;
      case ParticipantEvent.ObservationNoted e -> state;
      case ParticipantEvent.ParticipantDroppedOut e -> state;
    };
  }

  private static Training training(Participant state, ParticipantEvent event) {
    if (state instanceof Training t) {
      return t;
    }
    throw unexpected(state, event);
  }

  /** The enrolment behind any phase after it. */
  public static ParticipantEnrolled enrolment(Participant state) {
    return switch (state) {
      case Unknown u -> throw new IllegalStateException("no enrolment yet");
      case AwaitingConsent s -> s.enrolment();
      case Declined s -> s.enrolment();
      case ChoosingParameters s -> s.enrolment();
      case Training s -> s.enrolment();
      case BetweenEpisodes s -> s.enrolment();
      case Finished s -> s.enrolment();
      case Withdrawn s -> s.enrolment();
      case Participant.Ended s -> s.enrolment();
    };
  }

  /** Events are facts, so a misfit means a corrupted or foreign stream, never a user error. */
  private static IllegalStateException unexpected(Participant state, ParticipantEvent event) {
    return new IllegalStateException(ParticipantEvent.type(event) + " cannot follow phase '" + state.phase() + "'");
  }
}
