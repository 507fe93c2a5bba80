package org.tuneloop.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.tuneloop.music.EditBounds;
import org.tuneloop.music.StartParameters;
import org.tuneloop.music.Track;
import org.tuneloop.music.TrackEdit;

/**
 * The agent for every option of {@link AgentSettings}, as pure functions: what a session starts with, each step's
 * choice, each rating's update and the composition. A decider calls these and records the results; an audit
 * calls them again from the seed and the ratings and compares (docs/agent-options.md).
 *
 * <p>For the paper's settings they give exactly what {@link QLearning} gives.
 */
public final class Learning {
  private Learning() {}

  /** Nothing learnt: an empty table or zero weights, untried actions worth the baseline's initial value. */
  public static Learnt start(AgentSettings settings) { return Learnt.initial(settings); }

  /**
   * The rated step: a_k taken at s_(k-1) made s_k, which the participant rated.
   *
   * @param previous s_(k-1)
   * @param action   a_k
   * @param current  s_k, the rated track
   * @param terminal the episode's last step: no max term
   * @param inputs   the ratings the reward is computed from
   */
  public record Transition(Track previous, TrackEdit action, Track current, boolean terminal, RewardInputs inputs) {}

  /** Q(s, a) under what has been learnt. {@code bounds} must hold the arm's pitch step (the linear features apply a). */
  public static double value(Learnt learnt, Track state, TrackEdit action, StartParameters parameters,
                             EditBounds bounds, AgentSettings settings) {
    return switch (learnt) {
      case Learnt.Tabular t -> t.q().value(settings.encoder().key(state, action, parameters));
      case Learnt.Linear l -> LinearQ.value(l.weights(), LinearQ.features(state, action, parameters, bounds));
    };
  }

  /** max over the actions valid at {@code next} of Q(next, a'); 0 when none is valid. */
  public static double maxNext(Learnt learnt, Track next, StartParameters parameters, EditBounds bounds,
                               AgentSettings settings) {
    List<TrackEdit> valid = TrackEdit.validAt(next, bounds);
    if (valid.isEmpty()) {
      return 0.0;
    }
    double max = Double.NEGATIVE_INFINITY;
    switch (learnt) {
      case Learnt.Tabular t -> {
        for (QKey key : settings.encoder().keys(next, valid, parameters)) {
          max = Math.max(max, t.q().value(key));
        }
      }
      case Learnt.Linear l -> {
        for (TrackEdit action : valid) {
          max = Math.max(max, LinearQ.value(l.weights(), LinearQ.features(next, action, parameters, bounds)));
        }
      }
    }
    return max;
  }

  /**
   * The step's choice by the settings' policy, its draws from {@code random} (the step's POLICY stream) as
   * {@link QLearning#choose} describes; {@code context} places the step in the session for epsilon decay.
   */
  public static Choice choose(Learnt learnt, Track state, StartParameters parameters, EditBounds bounds,
                              AgentSettings settings, StepContext context, RandomGenerator random) {
    return pick(learnt, state, parameters, bounds, settings, settings.policy(), context, random);
  }

  /**
   * The update a rating makes, not yet applied: {@code update.applyTo(learnt)} is the new learnt state, and
   * the same fold rebuilds it from recorded updates.
   */
  public static Update update(Learnt learnt, Transition step, StartParameters parameters, EditBounds bounds,
                              AgentSettings settings) {
    double reward = settings.reward(step.inputs());
    QKey key = settings.encoder().key(step.previous(), step.action(), parameters);
    double maxNext = step.terminal() ? 0.0 : maxNext(learnt, step.current(), parameters, bounds, settings);
    int visits = learnt.visits().of(key) + 1;
    return switch (learnt) {
      case Learnt.Tabular t -> {
        double before = t.q().value(key);
        double after = QLearning.update(before, reward, maxNext, settings.alpha(), settings.gamma(), step.terminal());
        yield new Update.Tabular(key, before, reward, maxNext, settings.alpha(), settings.gamma(), step.terminal(),
            after, visits);
      }
      case Learnt.Linear l -> {
        double[] phi = LinearQ.features(step.previous(), step.action(), parameters, bounds);
        LinearQ.Step s = LinearQ.update(l.weights(), phi, reward, maxNext, settings.alpha(), settings.gamma(),
            step.terminal());
        List<Double> features = new ArrayList<>(phi.length);
        for (double f : phi) {
          features.add(f);
        }
        yield new Update.Linear(key, features, s.before(), reward, maxNext, settings.alpha(), settings.gamma(),
            step.terminal(), s.tdError(), s.deltas(), s.after(), visits);
      }
    };
  }

  /**
   * The composition: a greedy rollout of {@code steps} edits from {@code start}, stopping early when no edit is
   * valid. Step i (from 1) draws from {@code Draws.of(seed, -1, i, COMPOSITION)}; for a Q-table this is
   * {@link QLearning#rollout}.
   */
  public static QLearning.Rollout rollout(Learnt learnt, Track start, StartParameters parameters, EditBounds bounds,
                                          AgentSettings settings, int steps, long seed) {
    if (steps < 0) {
      throw new IllegalArgumentException("steps must not be negative: " + steps);
    }
    List<Choice> choices = new ArrayList<>(steps);
    Track current = start;
    for (int i = 0; i < steps && !TrackEdit.validAt(current, bounds).isEmpty(); i++) {
      Choice choice = pick(learnt, current, parameters, bounds, settings, new Policy.EpsilonGreedy(0.0),
          StepContext.START, Draws.of(seed, -1, i + 1, Draws.Purpose.COMPOSITION));
      choices.add(choice);
      current = choice.action().applyTo(current, bounds).orElseThrow();
    }
    return new QLearning.Rollout(start, choices, current);
  }

  /**
   * Whether anything learnt bears on the choice at {@code state}: for a Q-table, some valid action's key has been
   * updated; for linear weights, some update has been made (the weights apply to every track). A greedy pick
   * without it is a tie among untried actions, that is, a random pick.
   */
  public static boolean informed(Learnt learnt, Track state, StartParameters parameters, EditBounds bounds,
                                 AgentSettings settings) {
    return switch (learnt) {
      case Learnt.Tabular t -> settings.encoder().keys(state, TrackEdit.validAt(state, bounds), parameters).stream()
          .anyMatch(key -> t.q().contains(key));
      case Learnt.Linear l -> !l.visits().pairs().isEmpty();
    };
  }

  private static Choice pick(Learnt learnt, Track state, StartParameters parameters, EditBounds bounds,
                             AgentSettings settings, Policy policy, StepContext context, RandomGenerator random) {
    List<TrackEdit> valid = TrackEdit.validAt(state, bounds);
    if (valid.isEmpty()) {
      throw new IllegalStateException("no edit is valid at this track: " + state);
    }
    List<QKey> keys = settings.encoder().keys(state, valid, parameters);
    double[] values = new double[valid.size()];
    for (int i = 0; i < valid.size(); i++) {
      values[i] = switch (learnt) {
        case Learnt.Tabular t -> t.q().value(keys.get(i));
        case Learnt.Linear l -> LinearQ.value(l.weights(), LinearQ.features(state, valid.get(i), parameters, bounds));
      };
    }
    return QLearning.pick(valid, keys, values, learnt.visits(), policy, context, random);
  }
}
