package org.tuneloop.study;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.tuneloop.study.Participant.InBlock;
import org.tuneloop.study.Participant.Journey;
import org.tuneloop.study.Participant.Rest;
import org.tuneloop.study.ParticipantEvent.BreakEnded;
import org.tuneloop.study.ParticipantEvent.BreakStarted;
import org.tuneloop.study.ParticipantEvent.BreakSuggested;
import org.tuneloop.study.ParticipantEvent.ProbePresented;
import org.tuneloop.study.ParticipantEvent.ProbeRated;
import org.tuneloop.agent.AgentSettings;
import org.tuneloop.agent.Choice;
import org.tuneloop.agent.Draws;
import org.tuneloop.agent.Learning;
import org.tuneloop.agent.Learnt;
import org.tuneloop.agent.QKey;
import org.tuneloop.agent.QLearning;
import org.tuneloop.agent.Reward;
import org.tuneloop.agent.RewardInputs;
import org.tuneloop.agent.StepContext;
import org.tuneloop.agent.Update;
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
 * One participant's session as a decider: consent, then the protocol's flow of blocks; training (start parameters,
 * episodes of rated edits, the composition) is one of them, the others are decided in {@link FlowBlocks}.
 * Every random draw comes from (seed, episode, step), so replaying the events needs no random state.
 */
public final class ParticipantDecider implements Decider<ParticipantCommand, Participant, ParticipantEvent> {

  @Override
  public Participant initialState() {
    return new Unknown();
  }

  @Override
  public List<ParticipantEvent> decide(ParticipantCommand command, Participant state) {
    if (state instanceof InBlock in && !(command instanceof Withdraw) && !(command instanceof Enrol)) {
      return FlowBlocks.decide(command, in);
    }
    return switch (command) {
      case Enrol enrol -> enrol(enrol, state);
      case AnswerConsent answer -> answerConsent(answer, state);
      case ChooseStartParameters choose -> chooseStartParameters(choose, state);
      case RateTrack rate -> rate(rate, state);
      case ContinueTraining next -> continueTraining(next, state);
      case FinishTraining finish -> finish(finish, state);
      case Withdraw withdraw -> withdraw(state);
      case ParticipantCommand.SubmitAnswers answers -> answerBetweenEpisodes(answers, state);
      case ParticipantCommand.TakeBreak take -> takeBreak(take, state);
      case ParticipantCommand.EndBreak end -> endBreak(end, state);
      case ParticipantCommand.CompleteInstructions c -> throw notNow(state, "there are no instructions to read now");
      case ParticipantCommand.RecordSetup c -> throw notNow(state, "there is no listening check now");
      case ParticipantCommand.AnswerHeadphoneTrial c -> throw notNow(state, "there is no headphone check now");
      case ParticipantCommand.RatePractice c -> throw notNow(state, "there is no practice track now");
      case ParticipantCommand.RateEvaluation c -> throw notNow(state, "there is no evaluation now");
    };
  }

  private static List<ParticipantEvent> enrol(Enrol enrol, Participant state) {
    if (!(state instanceof Unknown)) {
      throw CommandRejected.notNow("participant " + enrol.participantId() + " is already enrolled");
    }
    Protocol protocol = enrol.protocol();
    ArmSettings arm = protocol.arm(enrol.arm());
    return List.of(new ParticipantEnrolled(enrol.participantId(), enrol.studyId(), protocol.id(), protocol.version(),
        enrol.seed(), protocol.consent().version(), protocol.consent().sha256(), arm, enrol.test(), protocol.flow(),
        enrol.assignmentIndex(), protocol.recruitment().completionCode()));
  }

  private static List<ParticipantEvent> answerConsent(AnswerConsent answer, Participant state) {
    if (!(state instanceof AwaitingConsent(var enrolment))) {
      throw notNow(state, "consent has already been answered");
    }
    if (!enrolment.consentVersion().equals(answer.consentVersion())) {
      throw CommandRejected.invalid("consentVersion", "consentVersion '" + answer.consentVersion()
          + "' is not the current consent text, version '" + enrolment.consentVersion() + "': reload it");
    }
    if (!answer.agree()) {
      return List.of(new ConsentDeclined(enrolment.consentVersion()));
    }
    List<ParticipantEvent> events = new ArrayList<>();
    events.add(new ConsentGiven(enrolment.consentVersion(), enrolment.consentSha256()));
    // A flow that is training alone starts as the paper's study did, with no block events.
    if (!trainingAlone(enrolment)) {
      events.addAll(FlowBlocks.enter(enrolment, Journey.start(), 0, answer.now()));
    }
    return events;
  }

  /** The paper's flow, and every stream enrolled before flows existed. */
  static boolean trainingAlone(ParticipantEnrolled enrolment) {
    return enrolment.flow().size() == 1 && enrolment.flow().getFirst() instanceof Block.Training;
  }

  private static List<ParticipantEvent> chooseStartParameters(ChooseStartParameters choose, Participant state) {
    if (!(state instanceof ChoosingParameters(var enrolment, var journey))) {
      throw notNow(state, "start parameters can be chosen once, after consent");
    }
    StartParameters parameters = enrolment.settings().startParameters()
        .check(choose.baseNote(), choose.scale(), choose.length(), choose.tempo());
    List<ParticipantEvent> events = new ArrayList<>();
    events.add(new StartParametersChosen(parameters));
    startEpisode(enrolment, parameters, Learning.start(enrolment.settings().agent()), 1, choose.now(), events);
    return events;
  }

  private static Block.Training training(ParticipantEnrolled enrolment, Journey journey) {
    return (Block.Training) enrolment.flow().get(journey.block());
  }

  private static List<ParticipantEvent> rate(RateTrack rate, Participant state) {
    if (!(state instanceof Training t)) {
      throw notNow(state, "there is no track waiting for a rating");
    }
    if (t.probe() != null) {
      return rateProbe(rate, t);
    }
    if (rate.episode() != t.episode() || rate.step() != t.step()) {
      throw CommandRejected.notNow("episode " + rate.episode() + " step " + rate.step()
          + " is not the track waiting for a rating (episode " + t.episode() + " step " + t.step() + ")");
    }
    FlowBlocks.rating(rate.rating());
    signals(rate);
    ParticipantEnrolled enrolment = t.enrolment();
    Block.Training block = training(enrolment, t.journey());
    mustListen(block, t.current(), t.parameters().tempo(), t.presentedAt(), rate.now());
    AgentSettings agent = enrolment.settings().agent();
    RewardInputs.Aspects aspects = aspects(rate, agent);
    List<ParticipantEvent> events = new ArrayList<>();
    long millis = Math.max(0, Duration.between(t.presentedAt(), rate.now()).toMillis());
    TrackRated rated = new TrackRated(t.episode(), t.step(), rate.rating(), millis, rate.clientMillisToRate(),
        rate.heardShare(), rate.replays(), rate.hiddenMillis(), rate.musicality(), rate.novelty(), rate.coherence());
    events.add(rated);
    if (t.step() == 0) {
      // The fresh track's rating: no edit to credit, only what step 1's change of rating compares with.
      presentNext(enrolment, t.parameters(), t.learnt(), t.episode(), 1, t.current(), rate.now(), events);
      return events;
    }
    EditBounds bounds = t.bounds();
    boolean terminal = t.step() >= t.stepsPerEpisode();

    // The rating of s_k is the reward of a_k taken at s_(k-1); the max term looks at s_k (docs/method.md).
    Update update = Learning.update(t.learnt(), new Learning.Transition(t.previous(), t.action(), t.current(),
        terminal, rewardInputs(agent, rate.rating(), previousRating(t.journey(), t.episode(), t.step()), aspects)),
        t.parameters(), bounds, agent);
    Learnt q = update.applyTo(t.learnt());
    events.add(updated(t.episode(), t.step(), update));
    Journey journey = evolveJourney(t.journey(), t, events.getFirst());
    if (!terminal) {
      ProbePresented probe = probe(block, journey, t.episode(), t.step(), rate.now());
      if (probe != null) {
        events.add(probe);
      } else {
        presentNext(enrolment, t.parameters(), q, t.episode(), t.step() + 1, t.current(), rate.now(), events);
      }
      return events;
    }
    events.add(new EpisodeCompleted(t.episode()));
    afterEpisode(enrolment, block, journey, t.parameters(), q, t.episode(), rate.now(), events);
    return events;
  }

  /** What the arm's reward is computed from: the rating, and the previous rating or the aspects where it needs them. */
  static RewardInputs rewardInputs(AgentSettings agent, int rating, Integer previous, RewardInputs.Aspects aspects) {
    RewardInputs inputs = RewardInputs.of(rating);
    if (agent.reward() instanceof Reward.ChangeOfRating) {
      if (previous == null) {
        throw new IllegalStateException("a change of rating needs the previous track's rating; the arm must rate "
            + "the fresh track");
      }
      inputs = inputs.withPrevious(previous);
    }
    if (agent.reward() instanceof Reward.Compound && aspects != null) {
      inputs = inputs.withAspects(aspects);
    }
    return inputs;
  }

  /** The rating of s_(step-1) in this episode (step 1: the fresh track's), or null when it was not rated. */
  static Integer previousRating(Journey journey, int episode, int step) {
    for (int i = journey.rated().size() - 1; i >= 0; i--) {
      Participant.Rated r = journey.rated().get(i);
      if (r.episode() == episode && r.step() == step - 1) {
        return r.rating();
      }
    }
    return null;
  }

  /** The aspect ratings the command carries; required, each 1 to 10, when the arm's reward is compound. */
  private static RewardInputs.Aspects aspects(RateTrack rate, AgentSettings agent) {
    Integer[] given = {rate.musicality(), rate.novelty(), rate.coherence()};
    String[] names = {"musicality", "novelty", "coherence"};
    for (int i = 0; i < 3; i++) {
      if (given[i] == null && agent.reward() instanceof Reward.Compound) {
        throw CommandRejected.invalid(names[i], "this study asks how you rate the track's " + names[i]
            + " too (musicality, novelty and coherence, each from " + MIN_RATING + " to " + MAX_RATING + ")");
      }
      if (given[i] != null && (given[i] < MIN_RATING || given[i] > MAX_RATING)) {
        throw CommandRejected.invalid(names[i], names[i] + " must be from " + MIN_RATING + " to " + MAX_RATING);
      }
    }
    return given[0] == null || given[1] == null || given[2] == null ? null
        : new RewardInputs.Aspects(given[0], given[1], given[2]);
  }

  /** The event of an update: a Q-table's, or a linear learner's with its features, TD error and weight changes. */
  static QValueUpdated updated(int episode, int step, Update update) {
    return switch (update) {
      case Update.Tabular u -> new QValueUpdated(episode, step, u.key().state(), u.key().action(), u.before(),
          u.reward(), u.maxNext(), u.alpha(), u.gamma(), u.terminal(), u.after());
      case Update.Linear u -> new QValueUpdated(episode, step, u.key().state(), u.key().action(), u.before(),
          u.reward(), u.maxNext(), u.alpha(), u.gamma(), u.terminal(), u.after(), u.features(), u.tdError(),
          u.deltas());
    };
  }

  /** The update an event records, to fold into what was learnt (no recomputation: the event is the fact). */
  static Update update(QValueUpdated e) {
    QKey key = new QKey(e.state(), e.action());
    return e.deltas() == null
        ? new Update.Tabular(key, e.before(), e.reward(), e.maxNext(), e.alpha(), e.gamma(), e.terminal(), e.after(), 0)
        : new Update.Linear(key, e.features(), e.before(), e.reward(), e.maxNext(), e.alpha(), e.gamma(),
            e.terminal(), e.tdError() == null ? 0.0 : e.tdError(), e.deltas(), e.after(), 0);
  }

  /** The event of a choice, with the policy's figures. */
  static ActionChosen chosen(int episode, int step, Choice choice) {
    return switch (choice.pick()) {
      case Choice.Pick.EpsilonGreedy p -> new ActionChosen(episode, step, choice.action(), choice.explored(),
          choice.epsilon());
      case Choice.Pick.Softmax p -> new ActionChosen(episode, step, choice.action(), choice.explored(),
          choice.epsilon(), p.temperature(), p.probability(), null, null);
      case Choice.Pick.Ucb p -> new ActionChosen(episode, step, choice.action(), choice.explored(), choice.epsilon(),
          null, null, p.visits(), p.bonus());
    };
  }

  /** The passive signals as the client sent them: each within its range, or absent. */
  private static void signals(RateTrack rate) {
    if (rate.heardShare() != null && (rate.heardShare() < 0 || rate.heardShare() > 1)) {
      throw CommandRejected.invalid("heardShare", "heardShare must be from 0 to 1");
    }
    if (rate.replays() != null && rate.replays() < 0) {
      throw CommandRejected.invalid("replays", "replays must not be negative");
    }
    if (rate.hiddenMillis() != null && rate.hiddenMillis() < 0) {
      throw CommandRejected.invalid("hiddenMillis", "hiddenMillis must not be negative");
    }
  }

  /** The must-listen rule: no rating before the track could have played to its end, less the tolerance. */
  private static void mustListen(Block.Training block, Track track, int tempo, Instant presentedAt, Instant now) {
    if (!block.mustListen().enabled() || presentedAt == null || now == null) {
      return;
    }
    Instant heard = presentedAt.plusMillis(FlowBlocks.durationMillis(track, tempo) - block.mustListen().toleranceMillis());
    if (now.isBefore(heard)) {
      throw CommandRejected.notNow("must-listen", "please listen to the whole track before rating it ("
          + FlowBlocks.secondsLeft(now, heard) + " s left)");
    }
  }

  /** A probe due after this step whose earlier track has been rated, or null. */
  private static ProbePresented probe(Block.Training block, Journey journey, int episode, int step, Instant now) {
    for (Block.Probe p : block.probes()) {
      if (p.episode() == episode && p.afterStep() == step) {
        for (Participant.Rated r : journey.rated()) {
          if (r.episode() == p.repeatEpisode() && r.step() == p.repeatStep()) {
            return new ProbePresented(episode, step, p.repeatEpisode(), p.repeatStep(), r.track(), now);
          }
        }
      }
    }
    return null;
  }

  /** The probe's rating: recorded beside the earlier one, never a reward; then the next step is presented. */
  private static List<ParticipantEvent> rateProbe(RateTrack rate, Training t) {
    ProbePresented probe = t.probe();
    if (rate.episode() != t.episode() || rate.step() != t.step() + 1) {
      throw CommandRejected.notNow("episode " + rate.episode() + " step " + rate.step()
          + " is not the track waiting for a rating (episode " + t.episode() + " step " + (t.step() + 1) + ")");
    }
    FlowBlocks.rating(rate.rating());
    mustListen(training(t.enrolment(), t.journey()), probe.track(), t.parameters().tempo(), probe.presentedAt(),
        rate.now());
    int earlier = t.journey().rated().stream()
        .filter(r -> r.episode() == probe.repeatEpisode() && r.step() == probe.repeatStep())
        .findFirst().orElseThrow().rating();
    List<ParticipantEvent> events = new ArrayList<>();
    events.add(new ProbeRated(probe.episode(), probe.afterStep(), rate.rating(), earlier,
        FlowBlocks.millis(probe.presentedAt(), rate.now())));
    presentNext(t.enrolment(), t.parameters(), t.learnt(), t.episode(), t.step() + 1, t.current(), rate.now(), events);
    return events;
  }

  /**
   * After an episode: a questionnaire due, else a break due, else the next episode at once (the paper's flow) until
   * the required ones are done.
   */
  private static void afterEpisode(ParticipantEnrolled enrolment, Block.Training block, Journey journey,
                                   StartParameters parameters, Learnt q, int episode, Instant now,
                                   List<ParticipantEvent> events) {
    if (questionnaireDue(block, episode) != null) {
      return;
    }
    if (breakDue(block, journey, now, events)) {
      return;
    }
    if (!block.pauseBetweenEpisodes() && episode < enrolment.settings().minEpisodes()) {
      startEpisode(enrolment, parameters, q, episode + 1, now, events);
    }
  }

  private static Block.Questionnaire questionnaireDue(Block.Training block, int episode) {
    for (Block.Attached a : block.questionnaires()) {
      if (episode % a.every() == 0) {
        return a.questionnaire();
      }
    }
    return null;
  }

  /** Adds the break the policy calls for now, if any; true when one was added. */
  private static boolean breakDue(Block.Training block, Journey journey, Instant now, List<ParticipantEvent> events) {
    Block.BreakPolicy policy = block.breaks();
    if (policy == null || now == null) {
      return false;
    }
    String reason = null;
    if (policy.identicalRun() != null && journey.identicalRun() >= policy.identicalRun()) {
      reason = "identical-ratings";
    } else if (policy.fatigueAbove() != null && journey.lastFatigue() != null
        && journey.lastFatigue() > policy.fatigueAbove()) {
      reason = "fatigue";
    } else if (policy.afterMinutes() != null) {
      Instant since = journey.lastBreakAt() != null ? journey.lastBreakAt() : journey.trainingStartedAt();
      if (since != null && !now.isBefore(since.plus(Duration.ofMinutes(policy.afterMinutes())))) {
        reason = "time";
      }
    }
    if (reason == null) {
      return false;
    }
    events.add(policy.enforce()
        ? new BreakStarted(reason, policy.seconds(), true, now.plusSeconds(policy.seconds()))
        : new BreakSuggested(reason, policy.seconds(), now));
    return true;
  }

  /** Answers to the questionnaire due between episodes; then a break or the next episode as after an episode. */
  private static List<ParticipantEvent> answerBetweenEpisodes(ParticipantCommand.SubmitAnswers answers,
                                                              Participant state) {
    if (!(state instanceof BetweenEpisodes b) || b.questionnaire() == null) {
      throw notNow(state, "there are no questions to answer now");
    }
    if (!b.questionnaire().id().equals(answers.block())) {
      throw CommandRejected.notNow("block '" + answers.block() + "' is not the one under way ('"
          + b.questionnaire().id() + "'): reload the page");
    }
    List<ParticipantEvent> events = new ArrayList<>(FlowBlocks.answers(b.questionnaire().id(),
        b.questionnaire().items(), answers, b.completedEpisodes()));
    events.add(new ParticipantEvent.BlockCompleted(b.journey().block(), b.questionnaire().id()));
    Journey journey = b.journey();
    for (ParticipantEvent e : events) {
      journey = evolveJourney(journey, null, e);
    }
    Block.Training block = training(b.enrolment(), journey);
    if (!breakDue(block, journey, answers.now(), events) && !block.pauseBetweenEpisodes()
        && b.completedEpisodes() < b.enrolment().settings().minEpisodes()) {
      startEpisode(b.enrolment(), b.parameters(), b.learnt(), b.completedEpisodes() + 1, answers.now(), events);
    }
    return events;
  }

  private static List<ParticipantEvent> takeBreak(ParticipantCommand.TakeBreak take, Participant state) {
    if (!(state instanceof BetweenEpisodes b)) {
      throw notNow(state, "a break can be taken between episodes");
    }
    if (b.rest() != null && b.rest().started()) {
      throw CommandRejected.notNow("the break is under way already");
    }
    Block.BreakPolicy policy = training(b.enrolment(), b.journey()).breaks();
    int seconds = b.rest() != null ? b.rest().seconds() : policy != null ? policy.seconds() : DEFAULT_BREAK_SECONDS;
    String reason = b.rest() != null ? b.rest().reason() : "chosen";
    return List.of(new BreakStarted(reason, seconds, false, take.now().plusSeconds(seconds)));
  }

  private static List<ParticipantEvent> endBreak(ParticipantCommand.EndBreak end, Participant state) {
    if (!(state instanceof BetweenEpisodes b) || b.rest() == null || !b.rest().started()) {
      throw notNow(state, "there is no break under way");
    }
    enforcedBreak(b, end.now());
    return List.of(new BreakEnded(end.now()));
  }

  /** An enforced break refuses every command but withdrawal until it is over. */
  private static void enforcedBreak(BetweenEpisodes b, Instant now) {
    Rest rest = b.rest();
    if (rest != null && rest.started() && rest.enforced() && now != null && now.isBefore(rest.endsAt())) {
      throw CommandRejected.notNow("break", "please take a break: the study continues in "
          + FlowBlocks.secondsLeft(now, rest.endsAt()) + " s");
    }
  }

  /** Leaving the between-episodes page: the questions due answered, an enforced break over, a break ended. */
  private static void leaveBetween(BetweenEpisodes b, Instant now, List<ParticipantEvent> events) {
    if (b.questionnaire() != null) {
      throw CommandRejected.notNow("please answer the questions first");
    }
    enforcedBreak(b, now);
    if (b.rest() != null && b.rest().started()) {
      events.add(new BreakEnded(now));
    }
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
    leaveBetween(b, next.now(), events);
    startEpisode(b.enrolment(), b.parameters(), b.learnt(), b.completedEpisodes() + 1, next.now(), events);
    return events;
  }

  private static List<ParticipantEvent> finish(FinishTraining finish, Participant state) {
    if (!(state instanceof BetweenEpisodes b)) {
      throw notNow(state, "training can finish after the required episodes, between episodes");
    }
    if (b.completedEpisodes() < b.enrolment().settings().minEpisodes()) {
      throw CommandRejected.notNow("training can finish after " + b.enrolment().settings().minEpisodes()
          + " episodes; " + b.completedEpisodes() + " are done");
    }
    List<ParticipantEvent> events = new ArrayList<>();
    leaveBetween(b, finish.now(), events);
    ParticipantEnrolled enrolment = b.enrolment();
    CompositionCreated composition = compose(enrolment, b.parameters(), b.learnt(), b.journey().rated());
    events.add(new TrainingFinished(b.completedEpisodes()));
    events.add(composition);
    if (!trainingAlone(enrolment)) {
      Journey journey = new Journey(b.journey().block(), b.parameters(), b.learnt(), b.completedEpisodes(), composition,
          b.journey().rated(), 0, b.journey().lastFatigue(), b.journey().trainingStartedAt(),
          b.journey().lastBreakAt());
      events.addAll(FlowBlocks.advance(enrolment, journey, journey.block(), finish.now()));
    }
    return events;
  }

  /**
   * The composition: a greedy rollout from the participant's best-rated track (the highest rating, the latest of
   * equals), in that track's episode's parameters, counting the steps at whose track something learnt bore on the
   * pick ({@link Learning#informed}). Without a rated track, from a fresh track drawn for the composition.
   */
  static CompositionCreated compose(ParticipantEnrolled enrolment, StartParameters chosen, Learnt learnt,
                                    List<Participant.Rated> rated) {
    Participant.Rated best = null;
    for (Participant.Rated r : rated) {
      if (best == null || r.rating() >= best.rating()) {
        best = r;
      }
    }
    StartParameters parameters = best != null && best.parameters() != null ? best.parameters() : chosen;
    EditBounds bounds = enrolment.settings().bounds(parameters);
    Track start = best != null ? best.track() : TrackGenerator.generate(parameters, bounds,
        Draws.of(enrolment.seed(), COMPOSITION_EPISODE, 0, Draws.Purpose.TRACK));
    AgentSettings agent = enrolment.settings().agent();
    QLearning.Rollout rollout = Learning.rollout(learnt, start, parameters, bounds, agent,
        enrolment.settings().steps(parameters), enrolment.seed());
    int learned = 0;
    Track at = start;
    for (Choice choice : rollout.choices()) {
      if (Learning.informed(learnt, at, parameters, bounds, agent)) {
        learned++;
      }
      at = choice.action().applyTo(at, bounds).orElseThrow();
    }
    return new CompositionCreated(start, rollout.choices().stream().map(Choice::action).toList(), rollout.result(),
        best == null ? null : best.episode(), best == null ? null : best.step(), learned);
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

  /** A break the participant takes when the protocol has no break policy. */
  static final int DEFAULT_BREAK_SECONDS = 60;

  /**
   * Draws the episode's fresh track s0 (and its base note, when the arm draws one per episode); then presents s0
   * for its rating when the arm rates the fresh track, else the first edit.
   */
  private static void startEpisode(ParticipantEnrolled enrolment, StartParameters chosen, Learnt learnt, int episode,
                                   Instant now, List<ParticipantEvent> events) {
    ArmSettings settings = enrolment.settings();
    StartParameters parameters = settings.episodeParameters(chosen, enrolment.seed(), episode);
    EditBounds bounds = settings.bounds(parameters);
    Track start = TrackGenerator.generate(parameters, bounds,
        Draws.of(enrolment.seed(), episode, 0, Draws.Purpose.TRACK));
    events.add(new EpisodeStarted(episode, start, settings.baseNote(enrolment.seed(), episode)));
    if (settings.rateFreshTrack()) {
      events.add(new TrackPresented(episode, 0, start, now));
    } else {
      presentNext(enrolment, parameters, learnt, episode, 1, start, now, events);
    }
  }

  /** Chooses a_step at s_(step-1) by the arm's policy and presents s_step. */
  private static void presentNext(ParticipantEnrolled enrolment, StartParameters parameters, Learnt learnt, int episode,
                                  int step, Track state, Instant now, List<ParticipantEvent> events) {
    EditBounds bounds = enrolment.settings().bounds(parameters);
    Choice choice = Learning.choose(learnt, state, parameters, bounds, enrolment.settings().agent(),
        new StepContext(episode, step, enrolment.settings().steps(parameters)),
        Draws.of(enrolment.seed(), episode, step, Draws.Purpose.POLICY));
    Track next = choice.action().applyTo(state, bounds)
        .orElseThrow(() -> new IllegalStateException("the policy chose an invalid action " + choice.action()));
    events.add(chosen(episode, step, choice));
    events.add(new TrackPresented(episode, step, next, now));
  }

  /** The parameters of the episode an EpisodeStarted begins: the participant's, with its drawn base note. */
  private static StartParameters episodeParameters(StartParameters chosen, EpisodeStarted e) {
    return e.baseNote() == null ? chosen
        : new StartParameters(e.baseNote(), chosen.scale(), chosen.length(), chosen.tempo());
  }

  private static CommandRejected notNow(Participant state, String message) {
    return CommandRejected.notNow(message + " (the participant is at '" + state.phase() + "')");
  }

  // ---- evolving ------------------------------------------------------------------------------------------------------

  /** What an event changes of the journey; {@code t} is the training state a rating is about (else null). */
  private static Journey evolveJourney(Journey j, Training t, ParticipantEvent event) {
    return switch (event) {
      case TrackRated e when t != null -> {
        List<Participant.Rated> rated = new ArrayList<>(j.rated());
        int run = !rated.isEmpty() && rated.getLast().rating() == e.rating() ? j.identicalRun() + 1 : 1;
        rated.add(new Participant.Rated(e.episode(), e.step(), t.current(), e.rating(), t.parameters()));
        yield new Journey(j.block(), j.parameters(), j.learnt(), j.completedEpisodes(), j.composition(), rated, run,
            j.lastFatigue(), j.trainingStartedAt(), j.lastBreakAt());
      }
      case TrackPresented e when j.trainingStartedAt() == null -> new Journey(j.block(), j.parameters(), j.learnt(),
          j.completedEpisodes(), j.composition(), j.rated(), j.identicalRun(), j.lastFatigue(), e.presentedAt(),
          j.lastBreakAt());
      case ParticipantEvent.FatigueReported e -> new Journey(j.block(), j.parameters(), j.learnt(), j.completedEpisodes(),
          j.composition(), j.rated(), j.identicalRun(), e.level(), j.trainingStartedAt(), j.lastBreakAt());
      // A break answers what called for it: the run and the fatigue report are spent, the clock starts again.
      case BreakSuggested e -> new Journey(j.block(), j.parameters(), j.learnt(), j.completedEpisodes(), j.composition(),
          j.rated(), 0, null, j.trainingStartedAt(), e.at());
      case BreakStarted e -> new Journey(j.block(), j.parameters(), j.learnt(), j.completedEpisodes(), j.composition(),
          j.rated(), 0, null, j.trainingStartedAt(), e.endsAt());
      case BreakEnded e -> new Journey(j.block(), j.parameters(), j.learnt(), j.completedEpisodes(), j.composition(),
          j.rated(), j.identicalRun(), j.lastFatigue(), j.trainingStartedAt(), e.endedAt());
      default -> j;
    };
  }

  @Override
  public Participant evolve(Participant state, ParticipantEvent event) {
    return switch (event) {
      case ParticipantEnrolled e -> new AwaitingConsent(e);
      case ConsentGiven e -> FlowBlocks.stateFor(enrolment(state), Journey.start(), 0);
      case ConsentDeclined e -> new Declined(enrolment(state));
      case StartParametersChosen e -> {
        ChoosingParameters c = (ChoosingParameters) state;
        Journey j = c.journey();
        Learnt nothing = Learning.start(c.enrolment().settings().agent());
        yield new BetweenEpisodes(c.enrolment(), e.parameters(), nothing, 0,
            new Journey(j.block(), e.parameters(), nothing, 0, null, j.rated(), 0, j.lastFatigue(), null, null),
            null, null);
      }
      case EpisodeStarted e -> switch (state) {
        case BetweenEpisodes b -> new Training(b.enrolment(), episodeParameters(b.parameters(), e), b.learnt(),
            b.completedEpisodes(), e.episode(), 0, null, null, e.track(), null, b.journey(), null);
        case Training t -> new Training(t.enrolment(), episodeParameters(t.journey().parameters(), e), t.learnt(),
            t.completedEpisodes(), e.episode(), 0, null, null, e.track(), null, t.journey(), null);
        default -> throw unexpected(state, event);
      };
      case ActionChosen e -> {
        Training t = training(state, event);
        yield new Training(t.enrolment(), t.parameters(), t.learnt(), t.completedEpisodes(), t.episode(), t.step(),
            t.current(), e.action(), t.current(), t.presentedAt(), t.journey(), null);
      }
      case TrackPresented e -> {
        Training t = training(state, event);
        yield new Training(t.enrolment(), t.parameters(), t.learnt(), t.completedEpisodes(), t.episode(), e.step(),
            t.previous(), t.action(), e.track(), e.presentedAt(), evolveJourney(t.journey(), t, e), null);
      }
      case TrackRated e -> {
        Training t = training(state, event);
        yield new Training(t.enrolment(), t.parameters(), t.learnt(), t.completedEpisodes(), t.episode(), t.step(),
            t.previous(), t.action(), t.current(), t.presentedAt(), evolveJourney(t.journey(), t, e), t.probe());
      }
      case QValueUpdated e -> {
        Training t = training(state, event);
        Learnt q = update(e).applyTo(t.learnt());
        yield new Training(t.enrolment(), t.parameters(), q, t.completedEpisodes(), t.episode(), t.step(),
            t.previous(), t.action(), t.current(), t.presentedAt(), t.journey(), t.probe());
      }
      case ProbePresented e -> {
        Training t = training(state, event);
        yield new Training(t.enrolment(), t.parameters(), t.learnt(), t.completedEpisodes(), t.episode(), t.step(),
            t.previous(), t.action(), t.current(), t.presentedAt(), t.journey(), e);
      }
      case ProbeRated e -> {
        Training t = training(state, event);
        yield new Training(t.enrolment(), t.parameters(), t.learnt(), t.completedEpisodes(), t.episode(), t.step(),
            t.previous(), t.action(), t.current(), t.presentedAt(), t.journey(), null);
      }
      case EpisodeCompleted e -> {
        Training t = training(state, event);
        Block.Questionnaire due = questionnaireDue(training(t.enrolment(), t.journey()), e.episode());
        yield new BetweenEpisodes(t.enrolment(), t.journey().parameters(), t.learnt(), t.completedEpisodes() + 1,
            t.journey(), due, null);
      }
      case BreakSuggested e -> between(state, event, b -> new BetweenEpisodes(b.enrolment(), b.parameters(), b.learnt(),
          b.completedEpisodes(), evolveJourney(b.journey(), null, e), b.questionnaire(),
          new Rest(e.reason(), e.seconds(), false, false, null)));
      case BreakStarted e -> between(state, event, b -> new BetweenEpisodes(b.enrolment(), b.parameters(), b.learnt(),
          b.completedEpisodes(), evolveJourney(b.journey(), null, e), b.questionnaire(),
          new Rest(e.reason(), e.seconds(), true, e.enforced(), e.endsAt())));
      case BreakEnded e -> between(state, event, b -> new BetweenEpisodes(b.enrolment(), b.parameters(), b.learnt(),
          b.completedEpisodes(), evolveJourney(b.journey(), null, e), b.questionnaire(), null));
      case TrainingFinished e -> state;
      case CompositionCreated e -> {
        if (!(state instanceof BetweenEpisodes b)) {
          throw unexpected(state, event);
        }
        Journey j = b.journey();
        yield new Finished(b.enrolment(), b.parameters(), b.learnt(), b.completedEpisodes(), e,
            new Journey(j.block(), b.parameters(), b.learnt(), b.completedEpisodes(), e, j.rated(), 0, j.lastFatigue(),
                j.trainingStartedAt(), j.lastBreakAt()));
      }
      case ParticipantWithdrew e -> new Withdrawn(enrolment(state));
      case ParticipantEvent.SessionEndedEarly e -> new Participant.Ended(enrolment(state), e.reason());
      // Supervision's events leave the phase as it is (see Supervision).
      case ParticipantEvent.SessionPaused e -> state;
      case ParticipantEvent.SessionResumed e -> state;
      case ParticipantEvent.ObservationNoted e -> state;
      case ParticipantEvent.ParticipantDroppedOut e -> state;
      case ParticipantEvent.IdentifyingDataErased e -> state;
      // The flow.
      case ParticipantEvent.BlockStarted e -> FlowBlocks.stateFor(enrolment(state), journey(state), e.index());
      // Between episodes, a questionnaire asked there is done.
      case ParticipantEvent.BlockCompleted e -> state instanceof BetweenEpisodes b
          ? new BetweenEpisodes(b.enrolment(), b.parameters(), b.learnt(), b.completedEpisodes(), b.journey(), null, b.rest())
          : state;
      case ParticipantEvent.ParticipantCompleted e -> {
        Journey j = journey(state);
        yield state instanceof Finished ? state : new Finished(enrolment(state), j.parameters(), j.learnt(),
            j.completedEpisodes(), j.composition(), j);
      }
      case ParticipantEvent.ParticipantScreenedOut e -> new Participant.ScreenedOut(enrolment(state), e.block());
      case ParticipantEvent.QuestionnaireAnswered e -> state;
      case ParticipantEvent.AttentionCheckAnswered e -> state;
      case ParticipantEvent.FatigueReported e -> switch (state) {
        case BetweenEpisodes b -> new BetweenEpisodes(b.enrolment(), b.parameters(), b.learnt(), b.completedEpisodes(),
            evolveJourney(b.journey(), null, e), b.questionnaire(), b.rest());
        case InBlock in -> new InBlock(in.enrolment(), evolveJourney(in.journey(), null, e), in.block());
        default -> state;
      };
      case ParticipantEvent.InstructionsRead e -> state;
      case ParticipantEvent.HeadphoneCheckCompleted e -> state;
      case ParticipantEvent.PracticeTrackRated e -> state;
      case ParticipantEvent.EvaluationAnswered e -> state;
      case ParticipantEvent.ListeningSetupRecorded e -> inBlock(state, event);
      case ParticipantEvent.HeadphoneTrialAnswered e -> inBlock(state, event);
      case ParticipantEvent.PracticeTrackPresented e -> inBlock(state, event);
      case ParticipantEvent.EvaluationOrderAssigned e -> inBlock(state, event);
      case ParticipantEvent.EvaluationTrackPresented e -> inBlock(state, event);
    };
  }

  private static Participant between(Participant state, ParticipantEvent event,
                                     java.util.function.Function<BetweenEpisodes, Participant> next) {
    if (state instanceof BetweenEpisodes b) {
      return next.apply(b);
    }
    throw unexpected(state, event);
  }

  private static Participant inBlock(Participant state, ParticipantEvent event) {
    if (state instanceof InBlock in) {
      return FlowBlocks.evolve(in, event);
    }
    throw unexpected(state, event);
  }

  private static Training training(Participant state, ParticipantEvent event) {
    if (state instanceof Training t) {
      return t;
    }
    throw unexpected(state, event);
  }

  /** The journey of any phase after consent. */
  static Journey journey(Participant state) {
    return switch (state) {
      case ChoosingParameters s -> s.journey();
      case Training s -> s.journey();
      case BetweenEpisodes s -> s.journey();
      case Finished s -> s.journey();
      case InBlock s -> s.journey();
      default -> throw new IllegalStateException("no flow under way at '" + state.phase() + "'");
    };
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
      case InBlock s -> s.enrolment();
      case Participant.ScreenedOut s -> s.enrolment();
      case Withdrawn s -> s.enrolment();
      case Participant.Ended s -> s.enrolment();
    };
  }

  /** Events are facts, so a misfit means a corrupted or foreign stream, never a user error. */
  private static IllegalStateException unexpected(Participant state, ParticipantEvent event) {
    return new IllegalStateException(ParticipantEvent.type(event) + " cannot follow phase '" + state.phase() + "'");
  }
}
