package org.tuneloop.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tuneloop.music.Edit;
import org.tuneloop.music.Note;
import org.tuneloop.music.Scale;
import org.tuneloop.music.StartParameters;
import org.tuneloop.music.Track;
import org.tuneloop.music.TrackEdit;
import org.tuneloop.study.ArmSettings;
import org.tuneloop.study.ParticipantEvent;
import org.tuneloop.study.ParticipantEvent.*;

/** Every event type survives encoding to JSON text and back unchanged. */
class EventCodecTest {
  private static final Track TRACK = new Track(List.of(new Note(60, 0.25, 35), new Note(67, 1.0, 38), new Note(64, 0.5, 0)));

  /** One example of every participant event type (two of TrackRated, with and without the client's time). */
  static List<ParticipantEvent> all() {
    return List.of(
        new ParticipantEnrolled("p", "s", "proto", 2, -1234567890123L, "1.0", "ab12", ArmSettings.paper()),
        new ConsentGiven("1.0", "ab12"), new ConsentDeclined("1.0"),
        new StartParametersChosen(new StartParameters(62, Scale.BLUES_MINOR, 8, 90)),
        new EpisodeStarted(1, TRACK), new ActionChosen(1, 2, new TrackEdit(Edit.REMOVE_NOTE, 2), true, 0.5),
        new TrackPresented(1, 2, TRACK, Instant.parse("2026-11-25T10:00:00.123456Z")),
        new TrackRated(1, 2, 10, 2345, null), new TrackRated(1, 3, 1, 0, 99L),
        new QValueUpdated(1, 2, "60:0.25:35", "pitch-up@0", 0.1, 7, 1e-5, 0.1, 0.9, false, 0.7000009),
        new EpisodeCompleted(1), new TrainingFinished(10),
        new CompositionCreated(TRACK, List.of(new TrackEdit(Edit.PITCH_UP, 0)), TRACK), new ParticipantWithdrew("training"));
  }

  @Test
  void everyEventTypeRoundTripsThroughJsonText() {
    List<ParticipantEvent> all = all();
    assertThat(all.stream().map(e -> e.getClass()).distinct()).as("one of each type")
        .hasSize(ParticipantEvent.class.getPermittedSubclasses().length);
    for (ParticipantEvent event : all) {
      JsonObject text = new JsonObject(EventCodec.encode(event).encode());
      assertThat(EventCodec.decode(ParticipantEvent.type(event), 1, text)).isEqualTo(event);
    }
  }
}
