package org.tuneloop.agent;

/**
 * Where in the session a choice is made, for schedules that change with time (epsilon decay).
 *
 * @param episode         the episode, from 1 (the composition's -1 counts as the start)
 * @param step            the step within the episode, from 1
 * @param stepsPerEpisode the steps of a full episode
 */
public record StepContext(int episode, int step, int stepsPerEpisode) {
  /** The first step of the first episode: no decay has happened yet. */
  public static final StepContext START = new StepContext(1, 1, 1);

  public StepContext {
    if (stepsPerEpisode < 1) {
      throw new IllegalArgumentException("an episode has at least one step: " + stepsPerEpisode);
    }
  }

  /** Completed episodes before this one. */
  public int episodesBefore() { return Math.max(0, episode - 1); }

  /** Steps taken in the session before this one. */
  public int stepsBefore() { return Math.max(0, episodesBefore() * stepsPerEpisode + Math.max(0, step - 1)); }
}
