package org.tuneloop.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tuneloop.music.Edit;
import org.tuneloop.music.Note;
import org.tuneloop.music.Track;
import org.tuneloop.music.TrackEdit;
import org.tuneloop.study.ArmSettings;
import org.tuneloop.study.ParticipantEvent;
import org.tuneloop.study.ParticipantEvent.ActionChosen;
import org.tuneloop.study.ParticipantEvent.CompositionCreated;
import org.tuneloop.study.ParticipantEvent.EpisodeStarted;
import org.tuneloop.study.ParticipantEvent.QValueUpdated;
import org.tuneloop.study.ParticipantEvent.TrackRated;
import org.tuneloop.study.Protocol;

/** The learning options through the protocol file and the event codec; the method's events keep their shape. */
class LearningOptionsCodecTest {
  private static final Track TRACK = new Track(List.of(new Note(60, 0.5, 35), new Note(62, 1.0, 0)));

  private static ParticipantEvent roundTrip(ParticipantEvent event) {
    return EventCodec.decode(ParticipantEvent.type(event), ParticipantEvent.schemaVersion(event),
        EventCodec.encode(event));
  }

  @Test
  void everyNewEventFieldRoundTripsAndTheMethodsEventsKeepTheirFields() {
    TrackEdit edit = new TrackEdit(Edit.PITCH_UP, 1);
    List<ParticipantEvent> events = List.of(new EpisodeStarted(2, TRACK, 55),
        new ActionChosen(1, 2, edit, true, 0.0, 2.0, 0.125, null, null),
        new ActionChosen(1, 3, edit, false, 0.0, null, null, 3, 0.75),
        new TrackRated(1, 0, 7, 1200L, null, 0.9, 0, 0L, 6, 5, 8),
        new QValueUpdated(1, 2, "s", "pitch-up@1", 0.0, 1.0, 0.5, 0.02, 0.9, false, 0.04, List.of(1.0, 0.5),
            1.45, List.of(0.029, 0.0145)),
        new CompositionCreated(TRACK, List.of(edit), TRACK, 3, 4, 2));
    for (ParticipantEvent event : events) {
      assertThat(roundTrip(event)).isEqualTo(event);
    }
    assertThat(EventCodec.encode(new EpisodeStarted(1, TRACK)).fieldNames()).containsExactlyInAnyOrder("episode",
        "track");
    assertThat(EventCodec.encode(new ActionChosen(1, 1, edit, false, 0.5)).fieldNames())
        .containsExactlyInAnyOrder("episode", "step", "edit", "note", "explored", "epsilon");
    assertThat(EventCodec.encode(new QValueUpdated(1, 1, "s", "a", 0, 1, 0, 0.1, 0.9, true, 0.1)).fieldNames())
        .doesNotContain("features", "tdError", "deltas");
    // A composition of schema version 1 reads with its new fields unknown.
    JsonObject v1 = EventCodec.encode(new CompositionCreated(TRACK, List.of(edit), TRACK));
    v1.remove("fromEpisode");
    v1.remove("fromStep");
    v1.remove("learnedSteps");
    assertThat(EventCodec.decode("CompositionCreated", 1, v1))
        .isEqualTo(new CompositionCreated(TRACK, List.of(edit), TRACK));
  }

  @Test
  void everyArmOfTheOpenQuestionsRoundTripsThroughTheEnrolmentSettings() throws Exception {
    Protocol protocol = ProtocolFile.parse(Files.readString(ServerProcess.repositoryRoot()
        .resolve("study-protocols/open-questions.yaml")));
    assertThat(protocol.arms()).hasSize(11);
    for (Protocol.Arm arm : protocol.arms()) {
      assertThat(EventCodec.settings(EventCodec.settings(arm.settings()))).isEqualTo(arm.settings());
    }
    // The method's settings are written as before: no field of the new options.
    JsonObject paper = EventCodec.settings(ArmSettings.paper());
    assertThat(paper.getJsonObject("agent").fieldNames()).containsExactlyInAnyOrder("alpha", "gamma", "policy",
        "encoder");
    assertThat(paper.fieldNames()).doesNotContain("rateFreshTrack");
    assertThat(paper.getJsonObject("startParameters").fieldNames()).doesNotContain("baseNotesPerEpisode");
  }

  @Test
  void crossFieldChecksNameTheArm() {
    String head = "id: checks\nversion: 1\nconsent: {version: '1', text: 'Consent.'}\narms:\n";
    assertThat(ProtocolFile.check(head + "  - id: a\n    agent: {reward: {type: change-of-rating}}\n"))
        .extracting(Protocol.Problem::toString).containsExactly("arms[0].episodes.rateFreshTrack: must be true when "
            + "agent.reward is change-of-rating: step 1's change is measured from the rating of the episode's fresh "
            + "track");
    assertThat(ProtocolFile.check(head + "  - id: a\n    agent: {reward: {type: change-of-rating}, baseline: "
        + "{type: centred}}\n    episodes: {rateFreshTrack: true}\n")).extracting(Protocol.Problem::toString)
        .containsExactly("arms[0].agent: a change of rating is already centred on 0; use no baseline");
    assertThat(ProtocolFile.check(head + "  - id: a\n    agent: {policy: {type: softmax}}\n"))
        .extracting(Protocol.Problem::path).containsExactly("arms[0].agent.policy.temperature");
    assertThat(ProtocolFile.check(head + "  - id: a\n    startParameters: {baseNotesPerEpisode: [30, 60]}\n"))
        .extracting(Protocol.Problem::toString).containsExactly("arms[0].startParameters.baseNotesPerEpisode[0]: "
            + "must lie within arms[0].startParameters.baseNote [36, 84], got 30");
  }
}
