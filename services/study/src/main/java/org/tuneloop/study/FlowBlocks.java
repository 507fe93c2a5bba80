package org.tuneloop.study;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.tuneloop.agent.Draws;
import org.tuneloop.music.StartParameters;
import org.tuneloop.music.Track;
import org.tuneloop.music.TrackGenerator;
import org.tuneloop.study.Participant.BlockState;
import org.tuneloop.study.Participant.BlockState.Answering;
import org.tuneloop.study.Participant.BlockState.Checking;
import org.tuneloop.study.Participant.BlockState.Debriefing;
import org.tuneloop.study.Participant.BlockState.Evaluating;
import org.tuneloop.study.Participant.BlockState.Practising;
import org.tuneloop.study.Participant.BlockState.Reading;
import org.tuneloop.study.Participant.InBlock;
import org.tuneloop.study.Participant.Journey;
import org.tuneloop.study.ParticipantCommand.AnswerHeadphoneTrial;
import org.tuneloop.study.ParticipantCommand.CompleteInstructions;
import org.tuneloop.study.ParticipantCommand.RateEvaluation;
import org.tuneloop.study.ParticipantCommand.RatePractice;
import org.tuneloop.study.ParticipantCommand.RecordSetup;
import org.tuneloop.study.ParticipantCommand.SubmitAnswers;
import org.tuneloop.study.ParticipantEvent.AttentionCheckAnswered;
import org.tuneloop.study.ParticipantEvent.BlockCompleted;
import org.tuneloop.study.ParticipantEvent.BlockStarted;
import org.tuneloop.study.ParticipantEvent.EvaluationAnswered;
import org.tuneloop.study.ParticipantEvent.EvaluationOrderAssigned;
import org.tuneloop.study.ParticipantEvent.EvaluationTrack;
import org.tuneloop.study.ParticipantEvent.EvaluationTrackPresented;
import org.tuneloop.study.ParticipantEvent.FatigueReported;
import org.tuneloop.study.ParticipantEvent.HeadphoneCheckCompleted;
import org.tuneloop.study.ParticipantEvent.HeadphoneTrialAnswered;
import org.tuneloop.study.ParticipantEvent.InstructionsRead;
import org.tuneloop.study.ParticipantEvent.ListeningSetupRecorded;
import org.tuneloop.study.ParticipantEvent.ParticipantCompleted;
import org.tuneloop.study.ParticipantEvent.ParticipantEnrolled;
import org.tuneloop.study.ParticipantEvent.ParticipantScreenedOut;
import org.tuneloop.study.ParticipantEvent.PracticeTrackPresented;
import org.tuneloop.study.ParticipantEvent.PracticeTrackRated;
import org.tuneloop.study.ParticipantEvent.QuestionnaireAnswered;

/**
 * The flow's blocks other than training: entering a block, each block type's decisions and its evolution. Pure,
 * like {@link ParticipantDecider}, which hands every command about such a block here.
 */
public final class FlowBlocks {
  private FlowBlocks() {}

  /** Draw coordinates outside training: episodes no training episode has (see Draws.Purpose.FLOW). */
  static final int BASELINE_EPISODE = -2;
  static final int HEADPHONE_EPISODE = -3;
  static final int PRACTICE_EPISODE = -4;

  /** The headphone check's three tones, in the order of a trial's layout. */
  public static final String REFERENCE = "reference";
  public static final String QUIET = "quiet";
  public static final String ANTIPHASE = "antiphase";

  private static final String DEVICE_TYPES = "desktop laptop tablet phone other";

  // ---- entering and leaving blocks ------------------------------------------------------------------------------

  /** The events that leave block {@code index} and enter the next one, or end the flow. */
  static List<ParticipantEvent> advance(ParticipantEnrolled enrolment, Journey journey, int index, Instant now) {
    List<ParticipantEvent> events = new ArrayList<>();
    events.add(new BlockCompleted(index, enrolment.flow().get(index).id()));
    events.addAll(enter(enrolment, journey, index + 1, now));
    return events;
  }

  /** The events that enter block {@code index}; past the last block, the flow's completion. */
  static List<ParticipantEvent> enter(ParticipantEnrolled enrolment, Journey journey, int index, Instant now) {
    if (index >= enrolment.flow().size()) {
      return List.of(new ParticipantCompleted(enrolment.completionCode()));
    }
    Block block = enrolment.flow().get(index);
    List<ParticipantEvent> events = new ArrayList<>();
    events.add(new BlockStarted(index, block.id(), block.type()));
    switch (block) {
      case Block.Practice p -> {
        StartParameters parameters = enrolment.settings().startParameters().defaults();
        Track track = TrackGenerator.generate(parameters, enrolment.settings().bounds(parameters),
            Draws.of(enrolment.seed(), PRACTICE_EPISODE, 0, Draws.Purpose.FLOW));
        events.add(new PracticeTrackPresented(p.id(), track, parameters.tempo(), required(now)));
      }
      case Block.Evaluation e -> {
        EvaluationOrderAssigned order = order(enrolment, journey, e);
        events.add(order);
        events.add(new EvaluationTrackPresented(e.id(), order.order().getFirst().label(), required(now)));
      }
      default -> { }
    }
    return events;
  }

  private static Instant required(Instant now) {
    if (now == null) {
      throw new IllegalArgumentException("this command needs the time: the block it leads to presents a track");
    }
    return now;
  }

  /** The initial state of block {@code index} (training's is the start-parameter choice). */
  static Participant stateFor(ParticipantEnrolled enrolment, Journey journey, int index) {
    Block block = enrolment.flow().get(index);
    Journey j = journey.at(index);
    return switch (block) {
      case Block.Training t -> new Participant.ChoosingParameters(enrolment, j);
      case Block.Instructions b -> new InBlock(enrolment, j, new Reading(b));
      case Block.Practice b -> new InBlock(enrolment, j, new Practising(b, null, 0, null));
      case Block.ListeningCheck b -> new InBlock(enrolment, j, new Checking(b, false, 1, 0));
      case Block.Questionnaire b -> new InBlock(enrolment, j, new Answering(b));
      case Block.Evaluation b -> new InBlock(enrolment, j, new Evaluating(b, 0, List.of(), 0, null));
      case Block.Debrief b -> new InBlock(enrolment, j, new Debriefing(b));
    };
  }

  // ---- deciding ----------------------------------------------------------------------------------------------------

  static List<ParticipantEvent> decide(ParticipantCommand command, InBlock in) {
    BlockState block = in.block();
    String id = block.definition().id();
    String named = switch (command) {
      case CompleteInstructions c -> c.block();
      case RecordSetup c -> c.block();
      case AnswerHeadphoneTrial c -> c.block();
      case SubmitAnswers c -> c.block();
      case RatePractice c -> c.block();
      case RateEvaluation c -> c.block();
      default -> null;
    };
    if (named != null && !named.equals(id)) {
      throw CommandRejected.notNow("block '" + named + "' is not the one under way ('" + id + "'): reload the page");
    }
    return switch (command) {
      case CompleteInstructions c when block instanceof Reading r -> {
        List<ParticipantEvent> events = new ArrayList<>();
        events.add(new InstructionsRead(id, r.definition().pages().size()));
        events.addAll(advance(in.enrolment(), in.journey(), in.journey().block(), c.now()));
        yield events;
      }
      case RecordSetup c when block instanceof Checking ch -> setup(c, ch, in);
      case AnswerHeadphoneTrial c when block instanceof Checking ch -> headphoneTrial(c, ch, in);
      case SubmitAnswers c when block instanceof Answering a -> {
        List<ParticipantEvent> events = new ArrayList<>(answers(id, a.definition().items(), c, null));
        events.addAll(advance(in.enrolment(), in.journey(), in.journey().block(), c.now()));
        yield events;
      }
      case SubmitAnswers c when block instanceof Debriefing d -> {
        List<ParticipantEvent> events = new ArrayList<>(answers(id, d.definition().items(), c, null));
        events.addAll(advance(in.enrolment(), in.journey(), in.journey().block(), c.now()));
        yield events;
      }
      case RatePractice c when block instanceof Practising p -> {
        rating(c.rating());
        List<ParticipantEvent> events = new ArrayList<>();
        events.add(new PracticeTrackRated(id, c.rating(), millis(p.presentedAt(), c.now())));
        events.addAll(advance(in.enrolment(), in.journey(), in.journey().block(), c.now()));
        yield events;
      }
      case RateEvaluation c when block instanceof Evaluating e -> evaluate(c, e, in);
      default -> throw CommandRejected.notNow("this does not fit the study's current step, '"
          + block.definition().type() + "' (block '" + id + "')");
    };
  }

  private static List<ParticipantEvent> setup(RecordSetup c, Checking ch, InBlock in) {
    if (ch.setupRecorded()) {
      throw CommandRejected.notNow("the listening setup is recorded already");
    }
    String id = ch.definition().id();
    if (c.browser() == null || c.browser().isBlank() || c.browser().length() > 200) {
      throw CommandRejected.invalid("browser", "browser must be 1 to 200 characters");
    }
    if (c.sampleRate() != null && (c.sampleRate() < 3000 || c.sampleRate() > 768000)) {
      throw CommandRejected.invalid("sampleRate", "sampleRate must be from 3000 to 768000 (Hz), or left out");
    }
    if (c.outputLatency() != null && (c.outputLatency() < 0 || c.outputLatency() > 10)) {
      throw CommandRejected.invalid("outputLatency", "outputLatency must be from 0 to 10 (seconds), or left out");
    }
    if (c.deviceType() == null || !Set.of(DEVICE_TYPES.split(" ")).contains(c.deviceType())) {
      throw CommandRejected.invalid("deviceType", "deviceType must be one of " + DEVICE_TYPES.replace(" ", ", "));
    }
    List<ParticipantEvent> events = new ArrayList<>();
    events.add(new ListeningSetupRecorded(id, c.browser().strip(), c.sampleRate(), c.outputLatency(), c.deviceType()));
    if (ch.definition().headphoneCheck() == null) {
      events.addAll(advance(in.enrolment(), in.journey(), in.journey().block(), c.now()));
    }
    return events;
  }

  private static List<ParticipantEvent> headphoneTrial(AnswerHeadphoneTrial c, Checking ch, InBlock in) {
    Block.HeadphoneCheck check = ch.definition().headphoneCheck();
    if (check == null || !ch.setupRecorded()) {
      throw CommandRejected.notNow(check == null ? "this listening check has no headphone check"
          : "record the listening setup first");
    }
    if (c.trial() != ch.trial()) {
      throw CommandRejected.notNow("trial " + c.trial() + " is not the one waiting for an answer (trial " + ch.trial()
          + ")");
    }
    if (c.answer() < 1 || c.answer() > 3) {
      throw CommandRejected.invalid("answer", "answer must be the position of the quietest tone: 1, 2 or 3");
    }
    String id = ch.definition().id();
    int expected = headphoneLayout(in.enrolment().seed(), c.trial()).indexOf(QUIET) + 1;
    boolean correct = c.answer() == expected;
    List<ParticipantEvent> events = new ArrayList<>();
    events.add(new HeadphoneTrialAnswered(id, c.trial(), c.answer(), expected, correct));
    if (c.trial() < check.trials()) {
      return events;
    }
    int total = ch.correct() + (correct ? 1 : 0);
    boolean passed = total >= check.passMinimum();
    events.add(new HeadphoneCheckCompleted(id, total, check.trials(), passed));
    if (!passed && check.onFail() == Block.OnFail.END) {
      events.add(new ParticipantScreenedOut(id, "headphone-check"));
    } else {
      events.addAll(advance(in.enrolment(), in.journey(), in.journey().block(), c.now()));
    }
    return events;
  }

  /** The three tones of a headphone trial in playing order, drawn from the seed and the trial number alone. */
  public static List<String> headphoneLayout(long seed, int trial) {
    List<String> tones = new ArrayList<>(List.of(REFERENCE, QUIET, ANTIPHASE));
    RandomGenerator random = Draws.of(seed, HEADPHONE_EPISODE, trial, Draws.Purpose.FLOW);
    for (int i = tones.size() - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      tones.set(j, tones.set(i, tones.get(j)));
    }
    return List.copyOf(tones);
  }

  // ---- answers to items ------------------------------------------------------------------------------------------

  /** The events of a set of answers, one per item answered, in the items' order; every answer checked. */
  static List<ParticipantEvent> answers(String block, List<Item> items, SubmitAnswers c, Integer afterEpisode) {
    Set<String> known = new HashSet<>();
    items.forEach(i -> known.add(i.id()));
    for (String id : c.answers().keySet()) {
      if (!known.contains(id)) {
        throw CommandRejected.invalid("answers." + id, "there is no item '" + id + "' in block '" + block + "'");
      }
    }
    List<ParticipantEvent> events = new ArrayList<>();
    for (Item item : items) {
      Answer answer = c.answers().get(item.id());
      String field = "answers." + item.id();
      if (answer instanceof Answer.Choice(String text) && item instanceof Item.TextItem) {
        answer = new Answer.Text(text);
      }
      if (answer instanceof Answer.Text(String text) && text.isBlank()) {
        answer = null;
      }
      if (answer == null) {
        if (item.required()) {
          throw CommandRejected.invalid(field, "'" + item.text() + "' needs an answer");
        }
        continue;
      }
      String sha = item.wordingSha256();
      switch (item) {
        case Item.Likert l -> events.add(new QuestionnaireAnswered(block, item.id(),
            new Answer.NumberAnswer(point(answer, l.points(), field)), sha, afterEpisode));
        case Item.Fatigue f -> events.add(new FatigueReported(block, item.id(), f.scale().id(),
            point(answer, f.scale().points(), field), sha, afterEpisode));
        case Item.SingleChoice s -> events.add(new QuestionnaireAnswered(block, item.id(),
            new Answer.Choice(option(answer, s.options(), field)), sha, afterEpisode));
        case Item.AttentionCheck a -> {
          String chosen = option(answer, a.options(), field);
          events.add(new AttentionCheckAnswered(block, item.id(), chosen, a.expected(), chosen.equals(a.expected()),
              sha));
        }
        case Item.MultipleChoice m -> {
          if (!(answer instanceof Answer.Choices(List<String> chosen))) {
            throw CommandRejected.invalid(field, "must be a list of the options chosen");
          }
          if (new HashSet<>(chosen).size() != chosen.size() || !m.options().containsAll(chosen)) {
            throw CommandRejected.invalid(field, "must list options of " + m.options() + ", each at most once");
          }
          if (chosen.size() < m.min() || chosen.size() > m.max()) {
            throw CommandRejected.invalid(field, "choose from " + m.min() + " to " + m.max() + " options");
          }
          events.add(new QuestionnaireAnswered(block, item.id(), new Answer.Choices(chosen), sha, afterEpisode));
        }
        case Item.NumberItem n -> {
          if (!(answer instanceof Answer.NumberAnswer(double value)) || value < n.min() || value > n.max()
              || (n.integer() && value != Math.rint(value))) {
            throw CommandRejected.invalid(field, "must be " + (n.integer() ? "a whole number" : "a number") + " from "
                + trim(n.min()) + " to " + trim(n.max()));
          }
          events.add(new QuestionnaireAnswered(block, item.id(), answer, sha, afterEpisode));
        }
        case Item.TextItem t -> {
          if (!(answer instanceof Answer.Text(String text))) {
            throw CommandRejected.invalid(field, "must be text");
          }
          int length = text.strip().codePointCount(0, text.strip().length());
          if (length > t.maxLength()) {
            throw CommandRejected.invalid(field, "must be at most " + t.maxLength() + " characters, got " + length);
          }
          events.add(new QuestionnaireAnswered(block, item.id(), new Answer.TextReference(textReference(c, item),
              length), sha, afterEpisode));
        }
      }
    }
    return events;
  }

  /** Where a free-text answer of this command is kept outside the log. */
  public static String textReference(SubmitAnswers c, Item item) {
    return c.textKey() + ":" + item.id();
  }

  private static int point(Answer answer, int points, String field) {
    if (!(answer instanceof Answer.NumberAnswer(double value)) || value != Math.rint(value) || value < 1
        || value > points) {
      throw CommandRejected.invalid(field, "must be a whole number from 1 to " + points);
    }
    return (int) value;
  }

  private static String option(Answer answer, List<String> options, String field) {
    if (!(answer instanceof Answer.Choice(String chosen)) || !options.contains(chosen)) {
      throw CommandRejected.invalid(field, "must be one of " + options);
    }
    return chosen;
  }

  private static String trim(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  // ---- evaluation --------------------------------------------------------------------------------------------------

  private static List<ParticipantEvent> evaluate(RateEvaluation c, Evaluating e, InBlock in) {
    EvaluationTrack current = e.order().get(e.current());
    if (!current.label().equals(c.label())) {
      throw CommandRejected.notNow("Track " + c.label() + " is not the one to rate now (Track " + current.label()
          + ")");
    }
    Instant heard = e.presentedAt().plusMillis(durationMillis(current.track(), current.tempo())
        - e.definition().toleranceMillis());
    if (c.now().isBefore(heard)) {
      throw CommandRejected.notNow("must-listen", "please listen to Track " + current.label()
          + " to its end before rating it (" + secondsLeft(c.now(), heard) + " s left)");
    }
    Map<String, Integer> answers = new LinkedHashMap<>();
    StringBuilder wording = new StringBuilder();
    for (Item item : e.definition().items()) {
      Integer value = c.answers().get(item.id());
      int points = item instanceof Item.Likert l ? l.points() : 7;
      if (value == null || value < 1 || value > points) {
        throw CommandRejected.invalid("answers." + item.id(), "'" + item.text() + "' needs a whole number from 1 to "
            + points);
      }
      answers.put(item.id(), value);
      wording.append(item.wording()).append('\n');
    }
    for (String id : c.answers().keySet()) {
      if (!answers.containsKey(id)) {
        throw CommandRejected.invalid("answers." + id, "there is no item '" + id + "' in the evaluation");
      }
    }
    String id = e.definition().id();
    List<ParticipantEvent> events = new ArrayList<>();
    events.add(new EvaluationAnswered(id, current.label(), current.source(), answers,
        Protocol.sha256Hex(wording.toString()), millis(e.presentedAt(), c.now())));
    if (e.current() + 1 < e.order().size()) {
      events.add(new EvaluationTrackPresented(id, e.order().get(e.current() + 1).label(), c.now()));
    } else {
      events.addAll(advance(in.enrolment(), in.journey(), in.journey().block(), c.now()));
    }
    return events;
  }

  /** The blinded order: the participant's row of a balanced Latin square over the block's tracks. */
  static EvaluationOrderAssigned order(ParticipantEnrolled enrolment, Journey journey, Block.Evaluation block) {
    List<List<Integer>> square = balancedLatinSquare(block.tracks().size());
    int row = Math.floorMod(enrolment.assignmentIndex(), square.size());
    int tempo = journey.parameters().tempo();
    List<EvaluationTrack> order = new ArrayList<>();
    for (int position = 0; position < block.tracks().size(); position++) {
      Block.Source source = block.tracks().get(square.get(row).get(position));
      order.add(new EvaluationTrack(String.valueOf((char) ('A' + position)), source.id(),
          track(enrolment, journey, source), tempo));
    }
    return new EvaluationOrderAssigned(block.id(), row, order);
  }

  private static Track track(ParticipantEnrolled enrolment, Journey journey, Block.Source source) {
    return switch (source) {
      case FIRST -> journey.rated().getFirst().track();
      case BEST -> journey.rated().stream().max(Comparator.comparingInt(Participant.Rated::rating)
          .thenComparing(r -> -r.episode() * 10000 - r.step())).orElseThrow().track();
      case COMPOSITION -> journey.composition().result();
      case BASELINE -> TrackGenerator.generate(journey.parameters(), enrolment.settings().bounds(journey.parameters()),
          Draws.of(enrolment.seed(), BASELINE_EPISODE, 0, Draws.Purpose.FLOW));
    };
  }

  /**
   * Rows of a balanced Latin square (Williams design) for {@code n} conditions: each condition comes at each
   * position, and follows each other condition, equally often over the rows. Even n: n rows; odd n: 2n (each row and
   * its reverse).
   */
  public static List<List<Integer>> balancedLatinSquare(int n) {
    // Williams' first row is 0, 1, n-1, 2, n-2, ...; each further row adds 1 (mod n).
    List<Integer> first = new ArrayList<>();
    first.add(0);
    for (int k = 1, low = 1, high = n - 1; k < n; k++) {
      first.add(k % 2 == 1 ? low++ : high--);
    }
    List<List<Integer>> rows = new ArrayList<>();
    for (int r = 0; r < n; r++) {
      List<Integer> row = new ArrayList<>();
      for (int c : first) {
        row.add((c + r) % n);
      }
      rows.add(List.copyOf(row));
    }
    if (n % 2 == 1) {
      for (int r = 0; r < n; r++) {
        rows.add(rows.get(r).reversed());
      }
    }
    return List.copyOf(rows);
  }

  // ---- shared -------------------------------------------------------------------------------------------------------

  /** How long a track plays, in milliseconds, at its tempo. */
  public static long durationMillis(Track track, int tempo) {
    return Math.round(track.beats() * 60_000.0 / tempo);
  }

  static long secondsLeft(Instant now, Instant until) {
    return Math.max(1, (Duration.between(now, until).toMillis() + 999) / 1000);
  }

  static void rating(int rating) {
    if (rating < ParticipantDecider.MIN_RATING || rating > ParticipantDecider.MAX_RATING) {
      throw CommandRejected.invalid("rating", "rating must be a whole number from " + ParticipantDecider.MIN_RATING
          + " to " + ParticipantDecider.MAX_RATING);
    }
  }

  static long millis(Instant from, Instant to) {
    return from == null || to == null ? 0 : Math.max(0, Duration.between(from, to).toMillis());
  }

  // ---- evolving ----------------------------------------------------------------------------------------------------

  /** A block's own event applied to its state; events of other blocks never reach here. */
  static Participant evolve(InBlock in, ParticipantEvent event) {
    BlockState block = in.block();
    BlockState next = switch (event) {
      case PracticeTrackPresented e when block instanceof Practising p ->
          new Practising(p.definition(), e.track(), e.tempo(), e.presentedAt());
      case ListeningSetupRecorded e when block instanceof Checking c ->
          new Checking(c.definition(), true, c.trial(), c.correct());
      case HeadphoneTrialAnswered e when block instanceof Checking c ->
          new Checking(c.definition(), c.setupRecorded(), e.trial() + 1, c.correct() + (e.correct() ? 1 : 0));
      case EvaluationOrderAssigned e when block instanceof Evaluating v ->
          new Evaluating(v.definition(), e.row(), e.order(), 0, null);
      case EvaluationTrackPresented e when block instanceof Evaluating v -> {
        int index = 0;
        while (!v.order().get(index).label().equals(e.label())) {
          index++;
        }
        yield new Evaluating(v.definition(), v.row(), v.order(), index, e.presentedAt());
      }
      default -> block;
    };
    return new InBlock(in.enrolment(), in.journey(), next);
  }
}
