package org.tuneloop.study;

import java.util.List;
import org.tuneloop.agent.AgentSettings;
import org.tuneloop.music.EditBounds;
import org.tuneloop.music.StartParameters;

/**
 * Everything that shapes one participant's training; copied into the enrolment event so that a
 * participant's stream replays on its own, whatever later happens to the protocol file.
 *
 * @param pitchesBelow     how far below the base note edits may go (default 12)
 * @param pitchesAbove     how far above the base note edits may go (default 24)
 * @param stepsPerEpisode  0 means "the initial track length" (docs/method.md)
 * @param maxEpisodes      no episode starts beyond this many, so a participant's stream stays bounded
 * @param rateFreshTrack   each episode's fresh track s0 is rated before the first edit (what a change-of-rating
 *                         reward compares step 1 with)
 */
public record ArmSettings(String arm, AgentSettings agent, StartParameterRules startParameters,
                          int pitchesBelow, int pitchesAbove, double minBeats, double maxBeats, double beatStep,
                          int minNotes, List<Integer> drums, int minEpisodes, int stepsPerEpisode, int maxEpisodes,
                          boolean rateFreshTrack) {
  /** The cap when a protocol names none: 50 episodes, or the required minimum if that is more. */
  public static final int DEFAULT_MAX_EPISODES = 50;

  public ArmSettings {
    drums = List.copyOf(drums);
  }

  /** Settings with the default episode cap, whose episodes start with the first edit, as in the method. */
  public ArmSettings(String arm, AgentSettings agent, StartParameterRules startParameters, int pitchesBelow,
                     int pitchesAbove, double minBeats, double maxBeats, double beatStep, int minNotes,
                     List<Integer> drums, int minEpisodes, int stepsPerEpisode) {
    this(arm, agent, startParameters, pitchesBelow, pitchesAbove, minBeats, maxBeats, beatStep, minNotes, drums,
        minEpisodes, stepsPerEpisode, defaultMaxEpisodes(minEpisodes), false);
  }

  /** The same settings with the fresh track of each episode rated or not. */
  public ArmSettings(String arm, AgentSettings agent, StartParameterRules startParameters, int pitchesBelow,
                     int pitchesAbove, double minBeats, double maxBeats, double beatStep, int minNotes,
                     List<Integer> drums, int minEpisodes, int stepsPerEpisode, boolean rateFreshTrack) {
    this(arm, agent, startParameters, pitchesBelow, pitchesAbove, minBeats, maxBeats, beatStep, minNotes, drums,
        minEpisodes, stepsPerEpisode, defaultMaxEpisodes(minEpisodes), rateFreshTrack);
  }

  public static int defaultMaxEpisodes(int minEpisodes) {
    return Math.max(DEFAULT_MAX_EPISODES, minEpisodes);
  }

  /** The paper's settings (docs/method.md defaults). */
  public static ArmSettings paper() {
    return new ArmSettings("paper", AgentSettings.paper(), StartParameterRules.paper(), 12, 24, 0.25, 1.0, 0.25, 2,
        List.of(35, 38), 10, 0);
  }

  /** The edits' bounds around the base note, with the arm's pitch step (semitone or scale degree). */
  public EditBounds bounds(StartParameters parameters) {
    // Clamped to MIDI's range, so a wide arm and a low or high base note still make valid bounds.
    return agent.bounds(new EditBounds(Math.max(0, parameters.baseNote() - pitchesBelow),
        Math.min(127, parameters.baseNote() + pitchesAbove), minBeats, maxBeats, beatStep, minNotes, drums),
        parameters);
  }

  /**
   * The parameters of an episode: the participant's, with the base note drawn from the seed when the arm draws one
   * per episode ({@link StartParameterRules#baseNotesPerEpisode()}).
   */
  public StartParameters episodeParameters(StartParameters chosen, long seed, int episode) {
    Integer drawn = baseNote(seed, episode);
    return drawn == null ? chosen
        : new StartParameters(drawn, chosen.scale(), chosen.length(), chosen.tempo());
  }

  /** The base note drawn for an episode, or null when the arm keeps the participant's. */
  public Integer baseNote(long seed, int episode) {
    List<Integer> notes = startParameters.baseNotesPerEpisode();
    if (notes == null || notes.isEmpty()) {
      return null;
    }
    return notes.get(org.tuneloop.agent.Draws.of(seed, episode, 0, org.tuneloop.agent.Draws.Purpose.BASE_NOTE)
        .nextInt(notes.size()));
  }

  public int steps(StartParameters parameters) {
    return stepsPerEpisode > 0 ? stepsPerEpisode : parameters.length();
  }
}
