package org.tuneloop.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.junit.jupiter.api.Test;
import org.tuneloop.agent.Draws.Purpose;
import org.tuneloop.music.Edit;
import org.tuneloop.music.EditBounds;
import org.tuneloop.music.Note;
import org.tuneloop.music.Scale;
import org.tuneloop.music.StartParameters;
import org.tuneloop.music.Track;
import org.tuneloop.music.TrackEdit;

class ChooseTest {
  private static final StartParameters PARAMETERS = StartParameters.defaults();
  private static final EditBounds BOUNDS = EditBounds.around(60); // pitches 48..84, 0.25..1.0 beats, >= 2 notes
  private static final StateEncoder ENCODER = new StateEncoder.Absolute();
  private static final int SEEDS = 1_000;

  private static AgentSettings epsilon(double epsilon) {
    return new AgentSettings(0.1, 0.9, new Policy.EpsilonGreedy(epsilon), ENCODER);
  }

  private static QKey key(Track track, TrackEdit action) { return ENCODER.key(track, action, PARAMETERS); }

  // --- never invalid -------------------------------------------------------------------------------------------

  /** Tracks at the limits: pitches often at 84 or 48, durations at 0.25 or 1.0, length often the minimum. */
  @Provide
  Arbitrary<Track> nearBounds() {
    Arbitrary<Integer> pitch = Arbitraries.frequencyOf(
        Tuple.of(3, Arbitraries.just(BOUNDS.maxPitch())), Tuple.of(2, Arbitraries.just(BOUNDS.minPitch())),
        Tuple.of(1, Arbitraries.integers().between(BOUNDS.minPitch(), BOUNDS.maxPitch())));
    Arbitrary<Double> beats = Arbitraries.of(0.25, 1.0, 0.5);
    Arbitrary<Note> note = Combinators.combine(pitch, beats, Arbitraries.of(35, 38)).as(Note::new);
    return note.list().ofMinSize(BOUNDS.minNotes()).ofMaxSize(BOUNDS.minNotes() + 2).map(Track::new);
  }

  /**
   * The highest Q-values go to the actions that are invalid here (raising a note at 84, removing at the minimum
   * length, ...), so a choice that ignored validity would pick them.
   */
  private static QTable luringQ(Track track, long salt) {
    SplittableRandom values = new SplittableRandom(salt);
    List<TrackEdit> valid = TrackEdit.validAt(track, BOUNDS);
    QTable q = QTable.empty();
    for (int note = 0; note < track.length(); note++) {
      for (Edit edit : Edit.values()) {
        TrackEdit action = new TrackEdit(edit, note);
        double value = valid.contains(action) ? values.nextInt(3) : 100.0;
        q = q.with(key(track, action), value);
      }
    }
    return q;
  }

  @Property(tries = 500)
  void choiceIsAlwaysValid(@ForAll("nearBounds") Track track, @ForAll long seed,
                           @ForAll("epsilons") double epsilon) {
    List<TrackEdit> valid = TrackEdit.validAt(track, BOUNDS);
    QTable q = luringQ(track, seed);
    Choice choice = QLearning.choose(q, track, PARAMETERS, BOUNDS, epsilon(epsilon), Draws.of(seed, 1, 1, Purpose.POLICY));
    assertThat(valid).contains(choice.action());
    assertThat(choice.action().applyTo(track, BOUNDS)).isPresent();
    assertThat(choice.epsilon()).isEqualTo(epsilon);
    Choice greedy = QLearning.greedy(q, track, PARAMETERS, BOUNDS, ENCODER, Draws.of(seed, 1, 2, Purpose.POLICY));
    assertThat(valid).contains(greedy.action());
    assertThat(greedy.explored()).isFalse();
  }

  @Provide Arbitrary<Double> epsilons() { return Arbitraries.of(0.0, 0.5, 1.0); }

  @Test
  void noValidActionIsAnIllegalState() {
    EditBounds tight = new EditBounds(60, 60, 0.5, 0.5, 0.25, 1, List.of(35));
    Track stuck = new Track(List.of(new Note(60, 0.5, 35)));
    RandomGenerator random = new SplittableRandom(1);
    assertThatThrownBy(() -> QLearning.choose(QTable.empty(), stuck, PARAMETERS, tight, epsilon(0.5), random))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> QLearning.greedy(QTable.empty(), stuck, PARAMETERS, tight, ENCODER, random))
        .isInstanceOf(IllegalStateException.class);
  }

  // --- ties and exploration ------------------------------------------------------------------------------------

  private final Track track = new Track(List.of(
      new Note(60, 0.5, 35), new Note(64, 0.25, 38), new Note(67, 1.0, 35), new Note(72, 0.75, 38)));

  /** k valid actions tie at 2.0; the other valid actions are stored lower (1.0), except a few left at 0. */
  private QTable tiedQ(List<TrackEdit> tied) {
    QTable q = QTable.empty();
    List<TrackEdit> valid = TrackEdit.validAt(track, BOUNDS);
    for (int i = 0; i < valid.size(); i++) {
      TrackEdit action = valid.get(i);
      if (tied.contains(action)) {
        q = q.with(key(track, action), 2.0);
      } else if (i % 3 != 0) {
        q = q.with(key(track, action), Math.nextDown(2.0)); // as close as a double gets, still not a tie
      }
    }
    return q;
  }

  private Map<TrackEdit, Integer> greedyCounts(QTable q, boolean viaChoose) {
    Map<TrackEdit, Integer> counts = new HashMap<>();
    for (long seed = 0; seed < SEEDS; seed++) {
      RandomGenerator random = Draws.of(seed, 1, 3, Purpose.POLICY);
      Choice choice = viaChoose
          ? QLearning.choose(q, track, PARAMETERS, BOUNDS, epsilon(0.0), random)
          : QLearning.greedy(q, track, PARAMETERS, BOUNDS, ENCODER, random);
      assertThat(choice.explored()).isFalse();
      assertThat(choice.epsilon()).isZero();
      counts.merge(choice.action(), 1, Integer::sum);
    }
    return counts;
  }

  @Test
  void greedyTiesAreBrokenUniformly() {
    List<TrackEdit> valid = TrackEdit.validAt(track, BOUNDS);
    for (int k : new int[] {1, 2, 3, 5}) {
      // Spread the tied actions over the list so that "first" or "last" would be visible.
      List<TrackEdit> tied = new ArrayList<>();
      for (int i = 0; i < k; i++) {
        tied.add(valid.get(i * (valid.size() - 1) / Math.max(1, k - 1)));
      }
      QTable q = tiedQ(tied);
      for (boolean viaChoose : new boolean[] {false, true}) {
        Map<TrackEdit, Integer> counts = greedyCounts(q, viaChoose);
        assertThat(counts.keySet()).as("only tied actions, k=%d", k).containsExactlyInAnyOrderElementsOf(tied);
        for (TrackEdit action : tied) {
          double share = counts.get(action) / (double) SEEDS;
          assertThat(share).as("share of %s, k=%d", action.key(), k).isBetween(1.0 / k - 0.05, 1.0 / k + 0.05);
        }
      }
    }
  }

  @Test
  void untriedActionsTieAtZero() {
    // The original code's fault: with an empty table every exploit step raised note 0.
    Map<TrackEdit, Integer> counts = greedyCounts(QTable.empty(), false);
    assertThat(counts.keySet()).containsExactlyInAnyOrderElementsOf(TrackEdit.validAt(track, BOUNDS));
  }

  @Test
  void halfTheChoicesExploreAtEpsilonHalf() {
    List<TrackEdit> valid = TrackEdit.validAt(track, BOUNDS);
    TrackEdit best = valid.get(7);
    QTable q = QTable.empty().with(key(track, best), 5.0);
    int explored = 0;
    Map<TrackEdit, Integer> exploredActions = new HashMap<>();
    for (long seed = 0; seed < SEEDS; seed++) {
      Choice choice = QLearning.choose(q, track, PARAMETERS, BOUNDS, epsilon(0.5), Draws.of(seed, 2, 1, Purpose.POLICY));
      assertThat(choice.epsilon()).isEqualTo(0.5);
      if (choice.explored()) {
        explored++;
        exploredActions.merge(choice.action(), 1, Integer::sum);
      } else {
        assertThat(choice.action()).isEqualTo(best);
      }
    }
    assertThat(explored / (double) SEEDS).isBetween(0.45, 0.55);
    assertThat(exploredActions.size()).as("exploration picks among all valid actions").isGreaterThan(valid.size() / 2);
  }

  @Test
  void drawsOneDoubleThenOneInt() {
    Recording random = new Recording(new SplittableRandom(5));
    QLearning.choose(QTable.empty(), track, PARAMETERS, BOUNDS, epsilon(0.5), random);
    assertThat(random.calls).hasSize(2);
    assertThat(random.calls.get(0)).isEqualTo("nextDouble");
    assertThat(random.calls.get(1)).startsWith("nextInt(");

    Recording greedy = new Recording(new SplittableRandom(5));
    QLearning.greedy(QTable.empty(), track, PARAMETERS, BOUNDS, ENCODER, greedy);
    assertThat(greedy.calls).containsExactly("nextDouble", "nextInt(" + TrackEdit.validAt(track, BOUNDS).size() + ")");
  }

  @Test
  void epsilonDecidesAgainstTheFirstDraw() {
    // u = 0.3: explores at epsilon 0.5, exploits at 0.2; the second draw picks the action.
    TrackEdit best = TrackEdit.validAt(track, BOUNDS).get(4);
    QTable q = QTable.empty().with(key(track, best), 1.0);
    Choice explored = QLearning.choose(q, track, PARAMETERS, BOUNDS, epsilon(0.5), new Fixed(0.3, 0));
    assertThat(explored).isEqualTo(new Choice(TrackEdit.validAt(track, BOUNDS).get(0), true, 0.5));
    Choice exploited = QLearning.choose(q, track, PARAMETERS, BOUNDS, epsilon(0.2), new Fixed(0.3, 0));
    assertThat(exploited).isEqualTo(new Choice(best, false, 0.2));
  }

  @Test
  void epsilonOutsideTheUnitIntervalIsRejected() {
    assertThatThrownBy(() -> new Policy.EpsilonGreedy(1.5)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Policy.EpsilonGreedy(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
  }

  /** Delegates and records which draws were asked for. */
  static final class Recording implements RandomGenerator {
    private final RandomGenerator inner;
    final List<String> calls = new ArrayList<>();

    Recording(RandomGenerator inner) { this.inner = inner; }

    @Override public long nextLong() { calls.add("nextLong"); return inner.nextLong(); }
    @Override public double nextDouble() { calls.add("nextDouble"); return inner.nextDouble(); }
    @Override public int nextInt(int bound) { calls.add("nextInt(" + bound + ")"); return inner.nextInt(bound); }
  }

  /** A first double, then a fixed int. */
  record Fixed(double u, int index) implements RandomGenerator {
    @Override public double nextDouble() { return u; }
    @Override public int nextInt(int bound) { return index; }
    @Override public long nextLong() { throw new AssertionError("unexpected draw"); }
  }

  // --- rollout -------------------------------------------------------------------------------------------------

  @Test
  void rolloutIsReproducibleAndFollowsItsChoices() {
    QTable q = tiedQ(TrackEdit.validAt(track, BOUNDS).subList(0, 6));
    QLearning.Rollout first = QLearning.rollout(q, track, PARAMETERS, BOUNDS, ENCODER, 8, 77);
    QLearning.Rollout second = QLearning.rollout(q, track, PARAMETERS, BOUNDS, ENCODER, 8, 77);
    assertThat(second).isEqualTo(first);
    assertThat(first.start()).isEqualTo(track);
    assertThat(first.choices()).hasSize(8).allSatisfy(c -> {
      assertThat(c.explored()).isFalse();
      assertThat(c.epsilon()).isZero();
    });
    Track replay = track;
    for (int i = 0; i < first.choices().size(); i++) {
      Choice expected = QLearning.greedy(q, replay, PARAMETERS, BOUNDS, ENCODER,
          Draws.of(77, -1, i + 1, Purpose.COMPOSITION));
      assertThat(first.choices().get(i)).isEqualTo(expected);
      replay = expected.action().applyTo(replay, BOUNDS).orElseThrow();
    }
    assertThat(first.result()).isEqualTo(replay);
  }

  @Test
  void rolloutTieBreaksDependOnTheSeed() {
    List<QLearning.Rollout> rollouts = new ArrayList<>();
    for (long seed = 0; seed < 10; seed++) {
      rollouts.add(QLearning.rollout(QTable.empty(), track, PARAMETERS, BOUNDS, ENCODER, 4, seed));
    }
    assertThat(rollouts.stream().map(QLearning.Rollout::result).distinct().count()).isGreaterThan(1);
  }

  @Test
  void rolloutStopsWhenNothingIsValid() {
    EditBounds onlyRemoval = new EditBounds(60, 60, 0.5, 0.5, 0.25, 1, List.of(35));
    Track three = new Track(List.of(new Note(60, 0.5, 35), new Note(60, 0.5, 35), new Note(60, 0.5, 35)));
    StartParameters parameters = new StartParameters(60, Scale.MAJOR, 3, 90);
    QLearning.Rollout rollout = QLearning.rollout(QTable.empty(), three, parameters, onlyRemoval, ENCODER, 5, 1);
    assertThat(rollout.choices()).hasSize(2).allSatisfy(c -> assertThat(c.action().edit()).isEqualTo(Edit.REMOVE_NOTE));
    assertThat(rollout.result().length()).isEqualTo(1);
    assertThat(QLearning.rollout(QTable.empty(), three, parameters, onlyRemoval, ENCODER, 0, 1).choices()).isEmpty();
  }
}
