package org.tuneloop.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.tuneloop.study.ParticipantEvent;

/** docs/events.md is checked against the code: a section per event type, listing every field the code writes. */
class EventCatalogueTest {
  @Test
  void everyEventTypeAndFieldIsDocumented() throws Exception {
    String doc = Files.readString(ServerProcess.repositoryRoot().resolve("docs/events.md"));
    java.util.Map<String, io.vertx.core.json.JsonObject> examples = new java.util.LinkedHashMap<>();
    EventCodecTest.all().forEach(e -> examples.put(ParticipantEvent.type(e), EventCodec.encode(e)));
    EventCodecTest.allStudy().forEach(e -> examples.put(org.tuneloop.study.StudyEvent.type(e), EventCodec.encode(e)));
    for (var example : examples.entrySet()) {
      String type = example.getKey();
      int at = doc.indexOf("\n### " + type + "\n");
      assertThat(at).as("a section for " + type).isPositive();
      int next = doc.indexOf("\n### ", at + 5);
      String section = doc.substring(at, next < 0 ? doc.length() : next);
      for (String field : example.getValue().fieldNames()) {
        assertThat(section).as(type + " documents its field " + field).contains("`" + field + "`");
      }
    }
  }
}
