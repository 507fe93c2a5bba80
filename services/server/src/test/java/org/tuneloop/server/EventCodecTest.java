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
import org.tuneloop.study.StudyEvent;

/** Every event type survives encoding to JSON text and back unchanged. */
class EventCodecTest {
  private static final Track TRACK = new Track(List.of(new Note(60, 0.25, 35), new Note(67, 1.0, 38), new Note(64, 0.5, 0)));

  /** One example of every participant event type (two of TrackRated, with and without the client's time). */
  static List<ParticipantEvent> all() {
    return List.of(
        new ParticipantEnrolled("p", "s", "proto", 2, -1234567890123L, "1.0", "ab12", ArmSettings.paper(), true),
        new ConsentGiven("1.0", "ab12"), new ConsentDeclined("1.0"),
        new StartParametersChosen(new StartParameters(62, Scale.BLUES_MINOR, 8, 90)),
        new EpisodeStarted(1, TRACK), new ActionChosen(1, 2, new TrackEdit(Edit.REMOVE_NOTE, 2), true, 0.5),
        new TrackPresented(1, 2, TRACK, Instant.parse("2026-11-25T10:00:00.123456Z")),
        new TrackRated(1, 2, 10, 2345, null), new TrackRated(1, 3, 1, 0, 99L),
        new QValueUpdated(1, 2, "60:0.25:35", "pitch-up@0", 0.1, 7, 1e-5, 0.1, 0.9, false, 0.7000009),
        new EpisodeCompleted(1), new TrainingFinished(10),
        new CompositionCreated(TRACK, List.of(new TrackEdit(Edit.PITCH_UP, 0)), TRACK), new ParticipantWithdrew("training"),
        new SessionPaused("r-1", "a break"), new SessionPaused("r-1", null), new SessionResumed("r-1"),
        new ObservationNoted("r-1", "asked about the drums"), new SessionEndedEarly("r-1", "felt unwell", "training"),
        new ParticipantDroppedOut(30, "training"));
  }

  /** One example of every study event type. */
  static List<StudyEvent> allStudy() {
    return List.of(
        new StudyEvent.StudyCreated("pilot-1", "pilot", 1, "Pilot", "id: pilot\n", "ab12", -5L, "r-1", "0.1.0",
            "tabular-q/1", false),
        new StudyEvent.StudyOpened("r-1"), new StudyEvent.StudyPaused("r-1"), new StudyEvent.StudyClosed("r-1"),
        new StudyEvent.ParticipantAssigned("p-1", 3, "A", "link", false));
  }

  @Test
  void everyEventTypeRoundTripsThroughJsonText() {
    List<ParticipantEvent> all = all();
    assertThat(all.stream().map(e -> e.getClass()).distinct()).as("one of each type")
        .hasSize(ParticipantEvent.class.getPermittedSubclasses().length);
    for (ParticipantEvent event : all) {
      JsonObject text = new JsonObject(EventCodec.encode(event).encode());
      assertThat(EventCodec.decode(ParticipantEvent.type(event), ParticipantEvent.schemaVersion(event), text))
          .isEqualTo(event);
    }
    List<StudyEvent> study = allStudy();
    assertThat(study.stream().map(e -> e.getClass()).distinct()).hasSize(StudyEvent.class.getPermittedSubclasses().length);
    for (StudyEvent event : study) {
      JsonObject text = new JsonObject(EventCodec.encode(event).encode());
      assertThat(EventCodec.decodeStudy(StudyEvent.type(event), StudyEvent.schemaVersion(event), text)).isEqualTo(event);
    }
  }

  @Test
  void eventsOfAnEarlierSchemaVersionAreUpcastOnRead() {
    JsonObject enrolledV1 = EventCodec.encode(all().getFirst());
    enrolledV1.remove("test");
    ParticipantEnrolled upcast = (ParticipantEnrolled) EventCodec.decode("ParticipantEnrolled", 1, enrolledV1);
    assertThat(upcast.test()).isFalse();
    assertThat(upcast.settings()).isEqualTo(ArmSettings.paper());
    JsonObject createdV1 = new JsonObject().put("studyId", "demo").put("protocolId", "paper-replication")
        .put("protocolVersion", 1).put("title", "T").put("protocol", "id: x\n");
    StudyEvent.StudyCreated created = (StudyEvent.StudyCreated) EventCodec.decodeStudy("StudyCreated", 1, createdV1);
    assertThat(created.openOnCreate()).as("studies before the lifecycle took participants at once").isTrue();
    assertThat(created.protocolSha256()).isEqualTo(org.tuneloop.study.Protocol.sha256Hex("id: x\n"));
    assertThat(created.seed()).isEqualTo(((StudyEvent.StudyCreated) EventCodec.decodeStudy("StudyCreated", 1,
        createdV1)).seed());
  }
}
