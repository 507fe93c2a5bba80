package org.tuneloop.eventstore;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class HashChainTest {
  private static final UUID ID = UUID.fromString("3f8a2b8e-5a3c-4d7e-9f00-0123456789ab");
  private static final Instant AT = Instant.parse("2025-03-01T10:15:30.000250Z");

  @Test
  void canonicalContentIsTheDocumentedObject() {
    String text = HashChain.canonicalContent("participant-1", 2, ID, "TrackRated", 1, AT,
        new JsonObject().put("rating", 4).put("comment", "é"));
    assertThat(text).isEqualTo("{\"data\":{\"comment\":\"é\",\"rating\":4},\"event_id\":\"" + ID + "\","
        + "\"recorded_at\":\"2025-03-01T10:15:30.000250Z\",\"schema_version\":1,\"stream_id\":\"participant-1\","
        + "\"type\":\"TrackRated\",\"version\":2}");
  }

  @Test
  void hashIsSha256OfPreviousHashThenCanonicalText() throws Exception {
    JsonObject data = new JsonObject().put("rating", 4);
    byte[] prev = new byte[32];
    prev[0] = 7;
    var digest = java.security.MessageDigest.getInstance("SHA-256");
    digest.update(prev);
    digest.update(HashChain.canonicalContent("s", 1, ID, "T", 1, AT, data).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThat(HashChain.hash(prev, "s", 1, ID, "T", 1, AT, data)).isEqualTo(digest.digest());
    assertThat(HashChain.genesis()).hasSize(32).containsOnly(0);
  }

  @Test
  void hashVersionTwoAddsItselfAndTheMetadataToTheCanonicalText() {
    JsonObject data = new JsonObject().put("rating", 4);
    JsonObject metadata = new JsonObject().put("requestId", "r-1").put("clientTime", null);
    assertThat(HashChain.canonicalContent(2, "participant-1", 2, ID, "TrackRated", 1, AT, data, metadata))
        .isEqualTo("{\"data\":{\"rating\":4},\"event_id\":\"" + ID + "\",\"hash_version\":2,"
            + "\"metadata\":{\"clientTime\":null,\"requestId\":\"r-1\"},"
            + "\"recorded_at\":\"2025-03-01T10:15:30.000250Z\",\"schema_version\":1,\"stream_id\":\"participant-1\","
            + "\"type\":\"TrackRated\",\"version\":2}");
    // Version 1 ignores metadata, so events hashed before metadata was hashed still verify.
    assertThat(HashChain.hash(1, new byte[32], "s", 1, ID, "T", 1, AT, data, metadata))
        .isEqualTo(HashChain.hash(new byte[32], "s", 1, ID, "T", 1, AT, data));
  }

  @Test
  void anEditedMetadataFieldBreaksAVersionTwoChainButNotAVersionOneChain() {
    byte[] prev = HashChain.genesis();
    JsonObject data = new JsonObject().put("n", 1);
    JsonObject metadata = new JsonObject().put("instance", "a");
    byte[] v2 = HashChain.hash(2, prev, "s", 1, ID, "T", 1, AT, data, metadata);
    StoredEvent two = new StoredEvent(1, 1, "s", 1, ID, "T", 1, data, metadata.copy().put("instance", "b"), AT, prev, v2,
        2);
    assertThat(HashChain.check(List.of(two))).singleElement()
        .satisfies(b -> assertThat(b.check()).isEqualTo("hash"))
        .satisfies(b -> assertThat(b.found()).isEqualTo(HexFormat.of().formatHex(v2)));
    byte[] v1 = HashChain.hash(prev, "s", 1, ID, "T", 1, AT, data);
    StoredEvent one = new StoredEvent(1, 1, "s", 1, ID, "T", 1, data, metadata.copy().put("instance", "b"), AT, prev, v1);
    assertThat(HashChain.check(List.of(one))).isEmpty();
    StoredEvent unknown = new StoredEvent(1, 1, "s", 1, ID, "T", 1, data, metadata, AT, prev, v2, 3);
    assertThat(HashChain.check(List.of(unknown))).singleElement()
        .satisfies(b -> assertThat(b.check()).isEqualTo("hash version"));
  }

  @Test
  void recordedAtAlwaysHasSixFractionDigits() {
    assertThat(HashChain.recordedAtText(Instant.parse("2025-03-01T10:15:30Z"))).isEqualTo("2025-03-01T10:15:30.000000Z");
    assertThat(HashChain.recordedAtText(Instant.parse("2025-03-01T10:15:30.123456789Z")))
        .isEqualTo("2025-03-01T10:15:30.123456Z");
  }

  @Test
  void verifyAcceptsAnIntactChainInAnyOrder() {
    List<StoredEvent> chain = chain(3);
    assertThat(HashChain.verify(chain)).isEmpty();
    assertThat(HashChain.verify(List.of(chain.get(2), chain.get(0), chain.get(1)))).isEmpty();
    assertThat(HashChain.verify(List.of())).isEmpty();
  }

  @Test
  void verifyReportsAlteredDataGapsAndBrokenLinks() {
    List<StoredEvent> chain = chain(4);
    StoredEvent second = chain.get(1);
    List<StoredEvent> altered = new ArrayList<>(chain);
    altered.set(1, withData(second, new JsonObject().put("n", 99)));
    assertThat(HashChain.verify(altered)).singleElement().asString().contains("version 2").contains("does not match");

    List<StoredEvent> gap = List.of(chain.get(0), chain.get(2), chain.get(3));
    assertThat(HashChain.verify(gap)).anySatisfy(p -> assertThat(p).contains("expected version 2"))
        .anySatisfy(p -> assertThat(p).contains("prev_hash"));

    byte[] otherPrev = HexFormat.of().parseHex("ff".repeat(32));
    StoredEvent first = chain.getFirst();
    StoredEvent relinked = new StoredEvent(first.position(), first.txId(), first.streamId(), 1, first.eventId(),
        first.type(), first.schemaVersion(), first.data(), first.metadata(), first.recordedAt(), otherPrev,
        HashChain.hash(otherPrev, first.streamId(), 1, first.eventId(), first.type(), first.schemaVersion(),
            first.recordedAt(), first.data()));
    assertThat(HashChain.verify(List.of(relinked))).singleElement().asString().contains("prev_hash");
  }

  @Test
  void verifyChecksATailAgainstTheHashBeforeIt() {
    List<StoredEvent> chain = chain(4);
    assertThat(HashChain.verify(chain.subList(2, 4), 2, chain.get(1).hash())).isEmpty();
    assertThat(HashChain.verify(chain.subList(2, 4), 2, chain.get(0).hash())).singleElement().asString()
        .contains("version 3").contains("prev_hash");
    assertThat(HashChain.verify(chain.subList(2, 4), 1, chain.get(1).hash()))
        .anySatisfy(p -> assertThat(p).contains("expected version 2"));
  }

  private static List<StoredEvent> chain(int length) {
    List<StoredEvent> events = new ArrayList<>();
    byte[] prev = HashChain.genesis();
    for (int v = 1; v <= length; v++) {
      UUID id = UUID.randomUUID();
      JsonObject data = new JsonObject().put("n", v);
      byte[] hash = HashChain.hash(prev, "s", v, id, "T", 1, AT, data);
      events.add(new StoredEvent(v, 1, "s", v, id, "T", 1, data, new JsonObject(), AT, prev, hash));
      prev = hash;
    }
    return events;
  }

  private static StoredEvent withData(StoredEvent e, JsonObject data) {
    return new StoredEvent(e.position(), e.txId(), e.streamId(), e.version(), e.eventId(), e.type(),
        e.schemaVersion(), data, e.metadata(), e.recordedAt(), e.prevHash(), e.hash());
  }
}
