package org.tuneloop.server;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The demo's participant and researcher tokens, kept in the data folder so that a restarted `serve --demo`
 * prints the same links (tokens are stored hashed in the database and cannot be shown again otherwise).
 */
record DemoLinks(String participantId, String participantToken, String researcherToken) {
  private static final String FILE = "demo-links.json";

  static DemoLinks reuseOrCreate(Platform platform, String studyId, Path dataDirectory) {
    Path file = dataDirectory.resolve(FILE);
    if (Files.isRegularFile(file)) {
      try {
        JsonObject saved = new JsonObject(Files.readString(file));
        DemoLinks links = new DemoLinks(saved.getString("participantId"), saved.getString("participantToken"),
            saved.getString("researcherToken"));
        boolean valid = Platform.await(platform.tokens.find(links.participantToken())).isPresent()
            && Platform.await(platform.tokens.find(links.researcherToken())).isPresent();
        if (valid) {
          return links;
        }
      } catch (IOException | RuntimeException e) {
        // unreadable or from another database: make new ones
      }
    }
    Studies.Joined enrolment = Platform.await(platform.studies.join(studyId,
        new Studies.Entry("researcher", null, null, false, null, null)));
    String researcher = Platform.await(platform.tokens.issueResearcher(studyId));
    DemoLinks links = new DemoLinks(enrolment.participantId(), enrolment.token(), researcher);
    try {
      Files.createDirectories(dataDirectory);
      Files.writeString(file, new JsonObject().put("participantId", links.participantId())
          .put("participantToken", links.participantToken()).put("researcherToken", links.researcherToken())
          .encodePrettily());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the demo links in " + file, e);
    }
    return links;
  }
}
