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
import org.tuneloop.study.Answer;
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
        new ParticipantDroppedOut(30, "training"),
        new ParticipantEnrolled("p", "s", "formal-study", 1, 7L, "1.0", "ab12", ArmSettings.paper(), false,
            formalStudy().flow(), 5, "CODE-1"),
        new TrackRated(2, 3, 7, 4100, 4000L, 0.95, 1, 250L),
        new IdentifyingDataErased("participant", 1, 2), new BlockStarted(0, "instructions", "instructions"),
        new BlockCompleted(0, "instructions"), new InstructionsRead("instructions", 2),
        new ListeningSetupRecorded("listening-check", "Firefox 140", 48000, 0.02, "laptop"),
        new ListeningSetupRecorded("listening-check", "Safari", null, null, "phone"),
        new HeadphoneTrialAnswered("listening-check", 1, 2, 3, false),
        new HeadphoneCheckCompleted("listening-check", 5, 6, true),
        new ParticipantScreenedOut("listening-check", "headphone-check"),
        new QuestionnaireAnswered("demographics", "age", new Answer.Choice("25-34"), "ab", null),
        new QuestionnaireAnswered("musical-background", "training-years", new Answer.NumberAnswer(3), "ab", null),
        new QuestionnaireAnswered("q", "tempo", new Answer.NumberAnswer(2.5), "ab", 3),
        new QuestionnaireAnswered("q", "genres", new Answer.Choices(List.of("jazz", "pop")), "ab", null),
        new QuestionnaireAnswered("feedback", "comments", new Answer.TextReference("k:comments", 12), "ab", null),
        new AttentionCheckAnswered("musical-background", "attention", "Agree", "Somewhat agree", false, "ab"),
        new FatigueReported("fatigue", "fatigue", "samn-perelli", 4, "ab", 3),
        new PracticeTrackPresented("practice", TRACK, 90, Instant.parse("2026-11-25T10:00:00Z")),
        new PracticeTrackRated("practice", 6, 3000),
        new EvaluationOrderAssigned("evaluation", 1, List.of(new EvaluationTrack("A", "best", TRACK, 90),
            new EvaluationTrack("B", "first", TRACK, 90))),
        new EvaluationTrackPresented("evaluation", "A", Instant.parse("2026-11-25T10:00:00Z")),
        new EvaluationAnswered("evaluation", "A", "best", java.util.Map.of("musicality", 5, "novelty", 2), "ab", 9000),
        new BreakSuggested("identical-ratings", 60, Instant.parse("2026-11-25T10:00:00Z")),
        new BreakStarted("fatigue", 60, true, Instant.parse("2026-11-25T10:01:00Z")),
        new BreakEnded(Instant.parse("2026-11-25T10:01:02Z")),
        new ProbePresented(5, 4, 2, 3, TRACK, Instant.parse("2026-11-25T10:00:00Z")),
        new ProbeRated(5, 4, 6, 8, 4000), new ParticipantCompleted("CODE-1"), new ParticipantCompleted(null));
  }

  static org.tuneloop.study.Protocol formalStudy() {
    try {
      return ProtocolFile.parse(java.nio.file.Files.readString(ServerProcess.repositoryRoot()
          .resolve("study-protocols/formal-study.yaml")));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Events written before a type's shape changed still decode, upcast on read. */
  @Test
  void oldTrackRatedAndEnrolmentsAreUpcast() {
    JsonObject v1 = new JsonObject().put("episode", 1).put("step", 2).put("rating", 7).put("millisToRate", 3000)
        .put("clientMillisToRate", 2900);
    assertThat(EventCodec.decode("TrackRated", 1, v1)).isEqualTo(new TrackRated(1, 2, 7, 3000, 2900L, null, null, null));
    JsonObject enrolled = EventCodec.encode(new ParticipantEnrolled("p", "s", "proto", 1, 1L, "1.0", "ab",
        ArmSettings.paper(), false));
    enrolled.remove("flow");
    enrolled.remove("assignmentIndex");
    enrolled.remove("completionCode");
    ParticipantEnrolled upcast = (ParticipantEnrolled) EventCodec.decode("ParticipantEnrolled", 2, enrolled);
    assertThat(upcast.flow()).containsExactly(org.tuneloop.study.Block.Training.plain());
    assertThat(upcast.assignmentIndex()).isZero();
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
