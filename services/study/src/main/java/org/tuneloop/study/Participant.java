package org.tuneloop.study;

import java.time.Instant;
import org.tuneloop.agent.Learnt;
import org.tuneloop.agent.QTable;
import org.tuneloop.music.EditBounds;
import org.tuneloop.music.StartParameters;
import org.tuneloop.music.Track;
import org.tuneloop.music.TrackEdit;
import org.tuneloop.study.ParticipantEvent.ParticipantEnrolled;

/** A participant's state, one record per phase of the session. */
public sealed interface Participant {

  /** The phase's name as the API shows it. */
  String phase();

  /** No events yet. */
  record Unknown() implements Participant {
    public String phase() { return "unknown"; }
  }

  record AwaitingConsent(ParticipantEnrolled enrolment) implements Participant {
    public String phase() { return "consent"; }
  }

  record Declined(ParticipantEnrolled enrolment) implements Participant {
    public String phase() { return "declined"; }
  }

  record ChoosingParameters(ParticipantEnrolled enrolment, Journey journey) implements Participant {
    public String phase() { return "parameters"; }
  }

  /**
   * In an episode. {@code current} is s_step, the track waiting for a rating; {@code previous} and
   * {@code action} are s_(step-1) and a_step, the pair the rating will be credited to; at step 0 (an arm that rates
   * the fresh track) both are null and {@code current} is s0. {@code parameters} are the episode's (its base note
   * drawn when the arm draws one per episode).
   */
  record Training(ParticipantEnrolled enrolment, StartParameters parameters, Learnt learnt, int completedEpisodes,
                  int episode, int step, Track previous, TrackEdit action, Track current, Instant presentedAt,
                  Journey journey, ParticipantEvent.ProbePresented probe)
      implements Participant {
    public String phase() { return "training"; }

    /** The Q-table (empty for a linear learner, whose values are weights). */
    public QTable q() { return table(learnt); }

    public EditBounds bounds() { return enrolment.settings().bounds(parameters); }

    public int stepsPerEpisode() { return enrolment.settings().steps(parameters); }
  }

  /**
   * Between episodes: after the required ones the participant may continue or finish; before them when the
   * protocol pauses between episodes, or a questionnaire or a break is due.
   *
   * @param questionnaire a questionnaire due before the next episode, or null
   * @param rest          a break suggested or under way, or null
   */
  record BetweenEpisodes(ParticipantEnrolled enrolment, StartParameters parameters, Learnt learnt,
                         int completedEpisodes, Journey journey, Block.Questionnaire questionnaire, Rest rest)
      implements Participant {
    public String phase() { return "between-episodes"; }

    public QTable q() { return table(learnt); }
  }

  record Finished(ParticipantEnrolled enrolment, StartParameters parameters, Learnt learnt, int completedEpisodes,
                  ParticipantEvent.CompositionCreated composition, Journey journey) implements Participant {
    public String phase() { return "finished"; }

    public QTable q() { return table(learnt); }
  }

  /** The Q-table of what was learnt; empty for linear weights. */
  static QTable table(Learnt learnt) {
    return learnt instanceof Learnt.Tabular t ? t.q() : QTable.empty();
  }

  /** In a block of the flow other than training; {@code block} is that block's own state. */
  record InBlock(ParticipantEnrolled enrolment, Journey journey, BlockState block) implements Participant {
    public String phase() { return block.definition().type(); }
  }

  /** The headphone check failed and the protocol ends the study politely there. */
  record ScreenedOut(ParticipantEnrolled enrolment, String block) implements Participant {
    public String phase() { return "screened-out"; }
  }

  record Withdrawn(ParticipantEnrolled enrolment) implements Participant {
    public String phase() { return "withdrawn"; }
  }

  /** A researcher ended the session early. */
  record Ended(ParticipantEnrolled enrolment, String reason) implements Participant {
    public String phase() { return "ended"; }
  }

  /** No more commands of the participant's are possible. */
  default boolean isOver() {
    return this instanceof Declined || this instanceof Finished || this instanceof Withdrawn || this instanceof Ended
        || this instanceof ScreenedOut;
  }

  /**
   * A rated training track (probes left out): what probes, the evaluation and the composition look back at;
   * {@code parameters} are its episode's.
   */
  record Rated(int episode, int step, Track track, int rating, StartParameters parameters) {
    public Rated(int episode, int step, Track track, int rating) {
      this(episode, step, track, rating, null);
    }
  }

  /**
   * What the flow has gathered so far that later blocks need: the block under way (its index in the flow), the
   * training's outcome once known, the rated tracks, and what the break policy looks at.
   */
  record Journey(int block, StartParameters parameters, Learnt learnt, int completedEpisodes,
                 ParticipantEvent.CompositionCreated composition, java.util.List<Rated> rated, int identicalRun,
                 Integer lastFatigue, Instant trainingStartedAt, Instant lastBreakAt) {
    public Journey {
      rated = java.util.List.copyOf(rated);
    }

    public static Journey start() {
      return new Journey(0, null, new Learnt.Tabular(QTable.empty()), 0, null, java.util.List.of(), 0, null, null,
          null);
    }

    public QTable q() { return table(learnt); }

    public Journey at(int index) {
      return new Journey(index, parameters, learnt, completedEpisodes, composition, rated, identicalRun, lastFatigue,
          trainingStartedAt, lastBreakAt);
    }
  }

  /**
   * A break between episodes: suggested (the participant may take it) or under way until {@code endsAt}; enforced
   * breaks refuse the participant's commands until then.
   */
  record Rest(String reason, int seconds, boolean started, boolean enforced, Instant endsAt) {}

  /** The state of a non-training block; see {@link FlowBlocks}. */
  sealed interface BlockState {
    Block definition();

    record Reading(Block.Instructions definition) implements BlockState {}

    record Practising(Block.Practice definition, Track track, int tempo, Instant presentedAt) implements BlockState {}

    /** {@code trial} is the next headphone trial (from 1), {@code correct} the right answers so far. */
    record Checking(Block.ListeningCheck definition, boolean setupRecorded, int trial, int correct)
        implements BlockState {}

    record Answering(Block.Questionnaire definition) implements BlockState {}

    /** {@code current} indexes {@code order}, the track now presented (since {@code presentedAt}). */
    record Evaluating(Block.Evaluation definition, int row, java.util.List<ParticipantEvent.EvaluationTrack> order,
                      int current, Instant presentedAt) implements BlockState {
      public Evaluating {
        order = order == null ? java.util.List.of() : java.util.List.copyOf(order);
      }
    }

    record Debriefing(Block.Debrief definition) implements BlockState {}
  }
}
