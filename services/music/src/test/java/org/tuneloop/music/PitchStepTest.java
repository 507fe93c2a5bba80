package org.tuneloop.music;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class PitchStepTest {
  private static final EditBounds BOUNDS = EditBounds.around(60);

  @Test
  void scaleDegreesOfCMajor() {
    PitchStep.ScaleDegree major = new PitchStep.ScaleDegree(60, Scale.MAJOR);
    assertThat(major.up(60)).isEqualTo(62);
    assertThat(major.up(64)).isEqualTo(65); // E to F is a semitone in the scale
    assertThat(major.up(71)).isEqualTo(72); // B to the octave's C
    assertThat(major.down(60)).isEqualTo(59); // below the base: B of the octave under it
    assertThat(major.down(48)).isEqualTo(47);
    // Outside the scale: the nearest scale pitch in the direction of the edit.
    assertThat(major.up(61)).isEqualTo(62);
    assertThat(major.down(61)).isEqualTo(60);
    assertThat(major.up(66)).isEqualTo(67);
  }

  @Test
  void bluesMinorAroundAnotherBase() {
    PitchStep.ScaleDegree blues = new PitchStep.ScaleDegree(57, Scale.BLUES_MINOR); // A: 0 3 5 8 10
    assertThat(blues.up(57)).isEqualTo(60);
    assertThat(blues.up(67)).isEqualTo(69);
    assertThat(blues.down(57)).isEqualTo(55);
    assertThat(blues.contains(45)).isTrue();
    assertThat(blues.contains(58)).isFalse();
  }

  @Test
  void aScaleDegreeEditIsInvalidWhenItWouldLeaveThePitchRange() {
    EditBounds degrees = BOUNDS.withPitchStep(new PitchStep.ScaleDegree(60, Scale.MAJOR));
    Track top = new Track(List.of(new Note(84, 0.5, 35), new Note(83, 0.5, 35)));
    assertThat(new TrackEdit(Edit.PITCH_UP, 0).applyTo(top, degrees)).isEmpty();
    assertThat(new TrackEdit(Edit.PITCH_UP, 1).applyTo(top, degrees)).contains(
        new Track(List.of(new Note(84, 0.5, 35), new Note(84, 0.5, 35))));
    Track bottom = new Track(List.of(new Note(48, 0.5, 35), new Note(49, 0.5, 35)));
    assertThat(new TrackEdit(Edit.PITCH_DOWN, 0).applyTo(bottom, degrees)).isEmpty();
    assertThat(new TrackEdit(Edit.PITCH_DOWN, 1).applyTo(bottom, degrees).orElseThrow().note(1).pitch()).isEqualTo(48);
  }

  @Test
  void theDefaultsStayASemitone() {
    assertThat(BOUNDS.pitchStep()).isEqualTo(new PitchStep.Semitone());
    assertThat(new EditBounds(48, 84, 0.25, 1, 0.25, 2, List.of(35)).pitchStep()).isEqualTo(new PitchStep.Semitone());
    assertThat(BOUNDS.withPitchStep(new PitchStep.Semitone())).isEqualTo(BOUNDS);
  }

  @Test
  void kindsParseAndApplyTheParticipantsScale() {
    StartParameters d = new StartParameters(62, Scale.MINOR, 8, 90);
    assertThat(PitchStep.Kind.parse("semitone").at(d)).isEqualTo(new PitchStep.Semitone());
    assertThat(PitchStep.Kind.parse("scale-degree").at(d)).isEqualTo(new PitchStep.ScaleDegree(62, Scale.MINOR));
    assertThat(PitchStep.Kind.SCALE_DEGREE.id()).isEqualTo("scale-degree");
    assertThatThrownBy(() -> PitchStep.Kind.parse("tone")).hasMessageContaining("semitone, scale-degree");
  }

  record Session(StartParameters parameters, long seed, List<Integer> edits) {}

  @Provide
  Arbitrary<Session> sessions() {
    Arbitrary<StartParameters> parameters = Combinators.combine(
        Arbitraries.integers().between(48, 72), Arbitraries.of(Scale.class), Arbitraries.integers().between(2, 10))
        .as((base, scale, length) -> new StartParameters(base, scale, length, 90));
    return Combinators.combine(parameters, Arbitraries.longs(), Arbitraries.integers().between(0, 10_000).list().ofMaxSize(60))
        .as(Session::new);
  }

  /** Any run of edits by scale degree from a track drawn from the scale keeps every pitch in the scale. */
  @Property(tries = 300)
  void scaleDegreeEditsKeepAMelodyInItsScale(@ForAll("sessions") Session session) {
    StartParameters p = session.parameters();
    PitchStep.ScaleDegree step = new PitchStep.ScaleDegree(p.baseNote(), p.scale());
    EditBounds bounds = EditBounds.around(p.baseNote()).withPitchStep(step);
    Track track = TrackGenerator.generate(p, bounds, new java.util.SplittableRandom(session.seed()));
    for (int pick : session.edits()) {
      List<TrackEdit> valid = TrackEdit.validAt(track, bounds);
      if (valid.isEmpty()) {
        break;
      }
      track = valid.get(pick % valid.size()).applyTo(track, bounds).orElseThrow();
      for (Note note : track.notes()) {
        assertThat(step.contains(note.pitch())).as("%s in %s from %d", note.pitch(), p.scale(), p.baseNote()).isTrue();
        assertThat(note.pitch()).isBetween(bounds.minPitch(), bounds.maxPitch());
      }
    }
  }

  /** Up then down (and down then up) returns an in-scale pitch to itself; each move is at most a minor third. */
  @Property(tries = 300)
  void stepsAreInversesOnTheScale(@ForAll("scales") Scale scale, @ForAll("pitches") int pitch) {
    PitchStep.ScaleDegree step = new PitchStep.ScaleDegree(60, scale);
    int up = step.up(pitch);
    int down = step.down(pitch);
    assertThat(step.contains(up) && step.contains(down)).isTrue();
    assertThat(up - pitch).isBetween(1, 3);
    assertThat(pitch - down).isBetween(1, 3);
    if (step.contains(pitch)) {
      assertThat(step.down(up)).isEqualTo(pitch);
      assertThat(step.up(down)).isEqualTo(pitch);
    }
  }

  @Provide Arbitrary<Scale> scales() { return Arbitraries.of(Scale.class); }

  @Provide Arbitrary<Integer> pitches() { return Arbitraries.integers().between(24, 100); }
}
