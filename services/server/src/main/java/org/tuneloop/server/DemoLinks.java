package org.tuneloop.server;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * The demo's participant token and researcher API token, kept in the data folder so that a restarted
 * `serve --demo` prints the same links (tokens are stored hashed in the database and cannot be shown again
 * otherwise). The file holds secrets, so only its owner may read it.
 */
record DemoLinks(String participantId, String participantToken, String researcherToken) {
  private static final String FILE = "demo-links.json";
  static final String RESEARCHER_EMAIL = "demo@tuneloop.local";

  static DemoLinks reuseOrCreate(Platform platform, String studyId, Path dataDirectory) {
    Path file = dataDirectory.resolve(FILE);
    DemoLinks saved = read(file).orElse(null);
    String participantId;
    String participantToken;
    if (saved != null && Platform.await(platform.tokens.find(saved.participantToken())).isPresent()) {
      participantId = saved.participantId();
      participantToken = saved.participantToken();
    } else {
      Studies.Joined enrolment = Platform.await(platform.studies.join(studyId,
          new Studies.Entry("researcher", null, null, false, null, null)));
      participantId = enrolment.participantId();
      participantToken = enrolment.token();
    }
    String researcherToken = saved != null && Platform.await(platform.apiTokens.find(saved.researcherToken())).isPresent()
        ? saved.researcherToken() : newResearcherToken(platform, studyId);
    DemoLinks links = new DemoLinks(participantId, participantToken, researcherToken);
    if (!links.equals(saved)) {
      write(file, links);
    }
    return links;
  }

  /** The demo account (created once: an admin who owns the demo study) and a new API token of it. */
  private static String newResearcherToken(Platform platform, String studyId) {
    Researchers.Researcher demo = Platform.await(platform.researchers.findByEmail(RESEARCHER_EMAIL))
        .orElseGet(() -> Platform.await(platform.researchers.create(RESEARCHER_EMAIL, Researchers.Role.ADMIN,
            Passwords.hash(Passwords.generate()))));
    Platform.await(platform.access.grantOwner(studyId, demo.id()));
    return Platform.await(platform.apiTokens.issue(demo.id(), "demo link")).token();
  }

  private static Optional<DemoLinks> read(Path file) {
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      JsonObject saved = new JsonObject(Files.readString(file));
      return Optional.of(new DemoLinks(saved.getString("participantId"), saved.getString("participantToken"),
          saved.getString("researcherToken")));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();   // unreadable: make new ones
    }
  }

  private static void write(Path file, DemoLinks links) {
    String json = new JsonObject().put("participantId", links.participantId())
        .put("participantToken", links.participantToken()).put("researcherToken", links.researcherToken())
        .encodePrettily();
    try {
      Files.createDirectories(file.getParent());
      Path temporary = file.resolveSibling(FILE + ".new");
      Files.deleteIfExists(temporary);
      if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
        Files.createFile(temporary, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      }
      Files.writeString(temporary, json, StandardCharsets.UTF_8);
      Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the demo links in " + file, e);
    }
  }
}
