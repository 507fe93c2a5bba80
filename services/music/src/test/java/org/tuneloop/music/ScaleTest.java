package org.tuneloop.music;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ScaleTest {

  @Test
  void intervalsAreMethodMd() {
    assertThat(Scale.MAJOR.intervals()).containsExactly(0, 2, 4, 5, 7, 9, 11);
    assertThat(Scale.MINOR.intervals()).containsExactly(0, 2, 3, 5, 7, 8, 10);
    assertThat(Scale.DIMINISHED.intervals()).containsExactly(0, 2, 3, 5, 6, 8, 9, 11);
    assertThat(Scale.BLUES_MAJOR.intervals()).containsExactly(0, 2, 5, 7, 9);
    assertThat(Scale.BLUES_MINOR.intervals()).containsExactly(0, 3, 5, 8, 10);
  }

  @Test
  void pitchesFromIncludeTheOctaveNote() {
    assertThat(Scale.MAJOR.pitchesFrom(60)).containsExactly(60, 62, 64, 65, 67, 69, 71, 72);
    assertThat(Scale.BLUES_MINOR.pitchesFrom(57)).containsExactly(57, 60, 62, 65, 67, 69);
  }

  @ParameterizedTest
  @EnumSource(Scale.class)
  void pitchesFromRunFromBaseToOctaveAscending(Scale scale) {
    int[] pitches = scale.pitchesFrom(48);
    assertThat(pitches).hasSize(scale.intervals().length + 1);
    assertThat(pitches[0]).isEqualTo(48);
    assertThat(pitches[pitches.length - 1]).isEqualTo(60);
    assertThat(pitches).isSorted().doesNotHaveDuplicates();
  }

  @Test
  void intervalsCannotBeMutatedFromOutside() {
    Scale.MAJOR.intervals()[0] = 99;
    assertThat(Scale.MAJOR.intervals()[0]).isZero();
  }

  @ParameterizedTest
  @EnumSource(Scale.class)
  void idRoundTrips(Scale scale) {
    assertThat(Scale.parse(scale.id())).isEqualTo(scale);
    assertThat(Scale.parse(scale.name())).isEqualTo(scale);
  }

  @Test
  void parseAcceptsHyphenUnderscoreAndAnyCase() {
    assertThat(Scale.MINOR.id()).isEqualTo("minor");
    assertThat(Scale.BLUES_MAJOR.id()).isEqualTo("blues-major");
    assertThat(Scale.parse("Blues_Major")).isEqualTo(Scale.BLUES_MAJOR);
    assertThat(Scale.parse("BLUES-minor")).isEqualTo(Scale.BLUES_MINOR);
    assertThat(Scale.parse("diminished")).isEqualTo(Scale.DIMINISHED);
  }

  @Test
  void unknownNameListsTheValidOnes() {
    assertThatThrownBy(() -> Scale.parse("dorian"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("dorian")
        .hasMessageContaining("major, minor, diminished, blues-major, blues-minor");
    assertThatThrownBy(() -> Scale.parse(null)).isInstanceOf(IllegalArgumentException.class);
  }
}
