package org.tuneloop.study;

import java.util.List;

/**
 * One step of a protocol's flow after consent. Each type has its state and decision part in {@link FlowBlocks}, its
 * view in the server's Views and its page in the web client: a new block type touches those four places.
 */
public sealed interface Block {
  /** Unique within the flow; answers and events name their block by it. */
  String id();

  /** The type as the protocol file names it. */
  String type();

  /** The questions of the block, if it asks any. */
  default List<Item> items() { return List.of(); }

  record Page(String title, String text) {}

  /** Pages of text; placeholders such as {duration} are filled in when the protocol is read. */
  record Instructions(String id, List<Page> pages) implements Block {
    public Instructions {
      pages = List.copyOf(pages);
    }

    public String type() { return "instructions"; }
  }

  /** One track from the seed, heard and rated, never learnt from. */
  record Practice(String id, String text) implements Block {
    public String type() { return "practice"; }
  }

  /** What happens when the headphone check fails: a polite end, or the participant carries on, flagged. */
  enum OnFail { END, FLAG }

  /**
   * The antiphase three-alternative headphone check of Woods et al. (2017): each trial plays three 200 Hz tones, one
   * 6 dB quieter and one in antiphase between the ears; the participant picks the quietest. Over loudspeakers the
   * antiphase tone cancels and sounds quietest, so only headphones get it right.
   */
  record HeadphoneCheck(int trials, int passMinimum, OnFail onFail) {}

  /** Records the playback setup (browser, sample rate, output latency, device type); an optional headphone check. */
  record ListeningCheck(String id, String text, HeadphoneCheck headphoneCheck) implements Block {
    public String type() { return "listening-check"; }
  }

  record Questionnaire(String id, String title, List<Item> items) implements Block {
    public Questionnaire {
      items = List.copyOf(items);
    }

    public String type() { return "questionnaire"; }
  }

  /** A questionnaire asked between episodes, after every {@code every}-th episode of training. */
  record Attached(int every, Questionnaire questionnaire) {}

  /**
   * When a break is due: after {@code afterMinutes} of training since the last break, a fatigue self-report above
   * {@code fatigueAbove}, or {@code identicalRun} identical ratings in a row (null: that trigger is off). An enforced
   * break refuses the participant's commands for {@code seconds}; a suggested one is offered.
   */
  record BreakPolicy(Integer afterMinutes, Integer fatigueAbove, Integer identicalRun, boolean enforce, int seconds) {}

  /** Ratings earlier than the track's duration after its presentation, less the tolerance, are refused. */
  record MustListen(boolean enabled, int toleranceMillis) {}

  /**
   * A reliability probe: after the rating of {@code afterStep} of {@code episode}, the track rated at
   * ({@code repeatEpisode}, {@code repeatStep}) returns unannounced. Its rating is never a reward.
   */
  record Probe(int episode, int afterStep, int repeatEpisode, int repeatStep) {}

  /**
   * The agent's training: start parameters, episodes, the composition. Exactly once per flow.
   *
   * @param pauseBetweenEpisodes true: every episode ends on the between-episodes page (progress, a break); false:
   *                             the next episode starts at once until the required ones are done (the paper's flow)
   */
  record Training(String id, boolean pauseBetweenEpisodes, List<Attached> questionnaires, BreakPolicy breaks,
                  MustListen mustListen, List<Probe> probes) implements Block {
    public Training {
      questionnaires = List.copyOf(questionnaires);
      probes = List.copyOf(probes);
    }

    public String type() { return "training"; }

    /** Training as the paper runs it: no pauses, questionnaires, breaks, must-listen rule or probes. */
    public static Training plain() {
      return new Training("training", false, List.of(), null, new MustListen(false, 500), List.of());
    }
  }

  /** The tracks an evaluation may name. */
  enum Source {
    FIRST("first"), BEST("best"), COMPOSITION("composition"), BASELINE("baseline");

    private final String id;

    Source(String id) {
      this.id = id;
    }

    public String id() { return id; }

    public static Source parse(String id) {
      for (Source s : values()) {
        if (s.id.equals(id)) {
          return s;
        }
      }
      throw new IllegalArgumentException("unknown evaluation track " + id);
    }
  }

  /**
   * Rating of the named tracks, blinded as Track A, B, ... in a counterbalanced order, each heard to its end before
   * its questions ({@code items}, Likert) can be answered. Comes after training.
   */
  record Evaluation(String id, String text, List<Source> tracks, List<Item> items, int toleranceMillis)
      implements Block {
    public Evaluation {
      tracks = List.copyOf(tracks);
      items = List.copyOf(items);
    }

    public String type() { return "evaluation"; }
  }

  /** The closing text, with optional questions. */
  record Debrief(String id, String title, String text, List<Item> items) implements Block {
    public Debrief {
      items = List.copyOf(items);
    }

    public String type() { return "debrief"; }
  }
}
