package org.tuneloop.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.tuneloop.music.Edit;
import org.tuneloop.music.EditBounds;
import org.tuneloop.music.Note;
import org.tuneloop.music.Scale;
import org.tuneloop.music.StartParameters;
import org.tuneloop.music.Track;
import org.tuneloop.music.TrackEdit;
import org.tuneloop.music.TrackGenerator;

class EncoderOptionsTest {
  private static final StartParameters AT_60 = new StartParameters(60, Scale.MAJOR, 8, 90);
  private final Track track = new Track(List.of(
      new Note(60, 0.5, 35), new Note(62, 1.0, 38), new Note(57, 0.25, Note.REST), new Note(61, 0.75, 35)));

  @Test
  void intervalWritesStepsDurationsAndDrums() {
    assertThat(new StateEncoder.Interval().key(track, new TrackEdit(Edit.PITCH_UP, 1), AT_60))
        .isEqualTo(new QKey("^:0.5:35|+2:1:38|-5:0.25:0|+4:0.75:35", "pitch-up@1"));
  }

  @Test
  void localWritesTheEditedNoteInItsNeighbourhood() {
    StateEncoder local = new StateEncoder.Local();
    assertThat(local.key(track, new TrackEdit(Edit.PITCH_UP, 0), AT_60)).isEqualTo(new QKey("start|in|0.5|35|none|+step", "pitch-up"));
    assertThat(local.key(track, new TrackEdit(Edit.REMOVE_NOTE, 2), AT_60)).isEqualTo(new QKey("middle|in|0.25|0|-leap|+leap", "remove-note"));
    assertThat(local.key(track, new TrackEdit(Edit.DURATION_DOWN, 3), AT_60)).isEqualTo(new QKey("end|out|0.75|35|+leap|none", "duration-down"));
  }

  @Test
  void parseKnowsEveryEncoder() {
    for (StateEncoder encoder : List.of(new StateEncoder.Absolute(), new StateEncoder.Relative(),
        new StateEncoder.Interval(), new StateEncoder.Local())) {
      assertThat(StateEncoder.parse(encoder.id())).isEqualTo(encoder);
    }
    assertThat(new StateEncoder.Interval().id()).isEqualTo("interval");
    assertThat(new StateEncoder.Local().id()).isEqualTo("local");
  }

  @Provide
  Arbitrary<Track> tracks() {
    Arbitrary<Note> note = Combinators.combine(Arbitraries.integers().between(40, 90),
        Arbitraries.of(0.25, 0.5, 0.75, 1.0), Arbitraries.of(35, 38, Note.REST)).as(Note::new);
    return note.list().ofMinSize(1).ofMaxSize(8).map(Track::new);
  }

  @Property(tries = 300)
  void intervalKeysIgnoreATransposition(@ForAll("tracks") Track track, @ForAll @IntRange(min = -12, max = 12) int shift,
                                        @ForAll("edits") Edit edit) {
    Track moved = new Track(track.notes().stream().map(n -> new Note(n.pitch() + shift, n.beats(), n.drum())).toList());
    TrackEdit action = new TrackEdit(edit, track.length() - 1);
    assertThat(new StateEncoder.Interval().key(moved, action, AT_60)).isEqualTo(new StateEncoder.Interval().key(track, action, AT_60));
  }

  @Provide Arbitrary<Edit> edits() { return Arbitraries.of(Edit.class); }

  /** Notes two or more places away from the edited one never change its local key. */
  @Property(tries = 300)
  void localKeysDependOnlyOnTheNeighbourhood(@ForAll("tracks") Track track, @ForAll("tracks") Track other,
                                             @ForAll("edits") Edit edit, @ForAll @IntRange(min = 0, max = 7) int at) {
    int i = at % track.length();
    // Same length, same neighbourhood i-1..i+1, anything elsewhere.
    List<Note> mixed = new java.util.ArrayList<>();
    for (int k = 0; k < track.length(); k++) {
      mixed.add(Math.abs(k - i) <= 1 ? track.note(k) : other.note(k % other.length()));
    }
    TrackEdit action = new TrackEdit(edit, i);
    assertThat(new StateEncoder.Local().key(new Track(mixed), action, AT_60))
        .isEqualTo(new StateEncoder.Local().key(track, action, AT_60));
  }

  /**
   * Random sessions (10 episodes of 8 random valid edits from fresh tracks): the share of Q keys met again later
   * in the same session.
   */
  @Test
  void localKeysComeBackFarMoreOftenThanWholeTracks() {
    EditBounds bounds = EditBounds.around(60);
    StateEncoder[] encoders = {new StateEncoder.Absolute(), new StateEncoder.Relative(), new StateEncoder.Interval(),
        new StateEncoder.Local()};
    double[] shares = new double[encoders.length];
    for (int e = 0; e < encoders.length; e++) {
      int revisits = 0;
      int stateRevisits = 0;
      int steps = 0;
      for (long seed = 1; seed <= 200; seed++) {
        SplittableRandom random = new SplittableRandom(seed);
        Set<QKey> seen = new HashSet<>();
        Set<String> seenStates = new HashSet<>();
        for (int episode = 1; episode <= 10; episode++) {
          Track state = TrackGenerator.generate(AT_60, bounds, Draws.of(seed, episode, 0, Draws.Purpose.TRACK));
          for (int step = 1; step <= 8; step++) {
            List<TrackEdit> valid = TrackEdit.validAt(state, bounds);
            TrackEdit action = valid.get(random.nextInt(valid.size()));
            QKey key = encoders[e].key(state, action, AT_60);
            revisits += seen.add(key) ? 0 : 1;
            stateRevisits += seenStates.add(key.state()) ? 0 : 1;
            steps++;
            state = action.applyTo(state, bounds).orElseThrow();
          }
        }
      }
      shares[e] = revisits / (double) steps;
      System.out.printf(Locale.ROOT, "%s: %.2f%% of (state, action) keys and %.2f%% of state keys revisited%n",
          encoders[e].id(), 100 * shares[e], 100.0 * stateRevisits / steps);
    }
    // Whole tracks practically never come back; a note's neighbourhood does, even under uniformly random edits
    // (and far more under a policy that repeats what worked: AgentOptionsSimulationTest).
    assertThat(shares[0]).isLessThan(0.001);
    assertThat(shares[3]).isGreaterThan(0.01).isGreaterThan(20 * shares[0]);
  }
}
