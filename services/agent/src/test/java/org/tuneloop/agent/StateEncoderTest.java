package org.tuneloop.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.tuneloop.music.Edit;
import org.tuneloop.music.Note;
import org.tuneloop.music.Scale;
import org.tuneloop.music.StartParameters;
import org.tuneloop.music.Track;
import org.tuneloop.music.TrackEdit;

class StateEncoderTest {
  private static final StartParameters AT_60 = new StartParameters(60, Scale.MAJOR, 3, 90);
  private final Track track = new Track(List.of(new Note(60, 0.5, 35), new Note(62, 1.0, 38), new Note(57, 0.25, Note.REST)));
  private final TrackEdit raise = new TrackEdit(Edit.PITCH_UP, 1);

  @Test
  void absoluteWritesTheExactTrack() {
    assertThat(new StateEncoder.Absolute().key(track, raise, AT_60))
        .isEqualTo(new QKey("60:0.5:35|62:1:38|57:0.25:0", "pitch-up@1"));
  }

  @Test
  void relativeWritesOffsetsFromTheBase() {
    assertThat(new StateEncoder.Relative().key(track, raise, AT_60))
        .isEqualTo(new QKey("+0:0.5:35|+2:1:38|-3:0.25:0", "pitch-up@1"));
  }

  @Test
  void durationsPrintWithoutTrailingZeros() {
    Track durations = new Track(List.of(new Note(60, 2.0, 35), new Note(60, 0.75, 35), new Note(60, 0.125, 35)));
    assertThat(new StateEncoder.Absolute().key(durations, raise, AT_60).state())
        .isEqualTo("60:2:35|60:0.75:35|60:0.125:35");
  }

  @Test
  void parseAndIds() {
    assertThat(StateEncoder.parse("absolute")).isEqualTo(new StateEncoder.Absolute());
    assertThat(StateEncoder.parse("relative")).isEqualTo(new StateEncoder.Relative());
    assertThat(StateEncoder.parse(new StateEncoder.Relative().id())).isInstanceOf(StateEncoder.Relative.class);
    assertThatThrownBy(() -> StateEncoder.parse("melodic"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("melodic").hasMessageContaining("absolute").hasMessageContaining("relative");
  }

  @Provide
  Arbitrary<Track> tracks() {
    Arbitrary<Note> note = Combinators.combine(
        Arbitraries.integers().between(40, 90),
        Arbitraries.of(0.25, 0.5, 0.75, 1.0),
        Arbitraries.of(35, 38, Note.REST)).as(Note::new);
    return note.list().ofMinSize(1).ofMaxSize(8).map(Track::new);
  }

  private static Track transpose(Track track, int semitones) {
    return new Track(track.notes().stream()
        .map(n -> new Note(n.pitch() + semitones, n.beats(), n.drum())).toList());
  }

  @Property(tries = 300)
  void relativeIgnoresATranspositionOfTrackAndBaseTogether(
      @ForAll("tracks") Track track, @ForAll @IntRange(min = -12, max = 12) int shift) {
    StartParameters moved = new StartParameters(60 + shift, Scale.MAJOR, 8, 90);
    Track transposed = transpose(track, shift);
    TrackEdit action = new TrackEdit(Edit.DURATION_UP, 0);
    assertThat(new StateEncoder.Relative().key(transposed, action, moved))
        .isEqualTo(new StateEncoder.Relative().key(track, action, AT_60));
    QKey absolute = new StateEncoder.Absolute().key(track, action, AT_60);
    QKey absoluteMoved = new StateEncoder.Absolute().key(transposed, action, moved);
    if (shift == 0) {
      assertThat(absoluteMoved).isEqualTo(absolute);
    } else {
      assertThat(absoluteMoved).isNotEqualTo(absolute);
    }
  }

  @Property(tries = 300)
  void withOneBaseNoteBothEncodersSeparateTheSameStates(@ForAll("tracks") Track a, @ForAll("tracks") Track b) {
    TrackEdit action = new TrackEdit(Edit.REMOVE_NOTE, 0);
    boolean sameAbsolute = new StateEncoder.Absolute().key(a, action, AT_60)
        .equals(new StateEncoder.Absolute().key(b, action, AT_60));
    boolean sameRelative = new StateEncoder.Relative().key(a, action, AT_60)
        .equals(new StateEncoder.Relative().key(b, action, AT_60));
    assertThat(sameAbsolute).isEqualTo(a.equals(b));
    assertThat(sameRelative).isEqualTo(a.equals(b));
  }

  @Property(tries = 300)
  void theKeysOfEveryActionAtATrackAreEachActionsKey(@ForAll("tracks") Track track,
                                                     @ForAll @IntRange(min = 48, max = 72) int base) {
    StartParameters parameters = new StartParameters(base, Scale.MINOR, 8, 90);
    List<TrackEdit> actions = new java.util.ArrayList<>();
    for (int note = 0; note < track.length(); note++) {
      for (Edit edit : Edit.values()) {
        actions.add(new TrackEdit(edit, note));
      }
    }
    for (StateEncoder encoder : List.of(new StateEncoder.Absolute(), new StateEncoder.Relative(),
        new StateEncoder.Interval(), new StateEncoder.Local())) {
      assertThat(encoder.keys(track, actions, parameters)).as(encoder.id())
          .isEqualTo(actions.stream().map(action -> encoder.key(track, action, parameters)).toList());
    }
  }
}
