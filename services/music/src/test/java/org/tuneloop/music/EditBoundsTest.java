package org.tuneloop.music;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class EditBoundsTest {
  @Test
  void theDefaultsFollowTheMethod() {
    EditBounds b = EditBounds.around(60);
    assertThat(b.minPitch()).isEqualTo(48);
    assertThat(b.maxPitch()).isEqualTo(84);
    assertThat(b.minBeats()).isEqualTo(0.25);
    assertThat(b.maxBeats()).isEqualTo(1.0);
    assertThat(b.minNotes()).isEqualTo(2);
    assertThat(b.drums()).containsExactly(35, 38);
  }

  @Test
  void boundsThatNoTrackCouldKeepAreRefused() {
    assertThatThrownBy(() -> new EditBounds(70, 60, 0.25, 1, 0.25, 2, List.of(35))).hasMessageContaining("pitch");
    assertThatThrownBy(() -> new EditBounds(-1, 60, 0.25, 1, 0.25, 2, List.of(35))).hasMessageContaining("MIDI");
    assertThatThrownBy(() -> new EditBounds(48, 128, 0.25, 1, 0.25, 2, List.of(35))).hasMessageContaining("MIDI");
    assertThatThrownBy(() -> new EditBounds(48, 84, 1, 0.5, 0.25, 2, List.of(35))).hasMessageContaining("durations");
    assertThatThrownBy(() -> new EditBounds(48, 84, 0.25, 1, 0, 2, List.of(35))).hasMessageContaining("durations");
    assertThatThrownBy(() -> new EditBounds(48, 84, 0.25, 1, 0.25, 0, List.of(35))).hasMessageContaining("note");
    assertThatThrownBy(() -> new EditBounds(48, 84, 0.25, 1, 0.25, 2, List.of())).hasMessageContaining("drum");
  }
}
