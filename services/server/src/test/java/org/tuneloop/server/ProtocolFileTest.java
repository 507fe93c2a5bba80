package org.tuneloop.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.tuneloop.study.ArmSettings;
import org.tuneloop.study.Protocol;
import picocli.CommandLine;

/** Protocol files: the shipped ones pass, broken ones fail with plain reasons, and the schema holds the defaults. */
class ProtocolFileTest {
  private static final Path SHIPPED = ServerProcess.repositoryRoot().resolve("study-protocols");
  private static final Path BROKEN = Path.of("src/test/resources/protocols-broken").toAbsolutePath();
  private static final String MINIMAL = """
      id: minimal
      version: 1
      consent: {version: "1", text: "Consent."}
      arms: [{id: only}]
      """;

  @Test
  void everyShippedProtocolPassesTheCheck() throws IOException {
    List<Path> files;
    try (Stream<Path> list = Files.list(SHIPPED)) {
      files = list.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(files).extracting(f -> f.getFileName().toString()).contains("paper-replication.yaml", "pilot.yaml");
    for (Path file : files) {
      assertThat(ProtocolFile.check(Files.readString(file))).as(file.toString()).isEmpty();
    }
  }

  @Test
  void theSchemaIsTheOneSourceOfTheDefaultsAndTheyAreThePapers() {
    Protocol protocol = ProtocolFile.parse(MINIMAL);
    ArmSettings paper = ArmSettings.paper();
    ArmSettings only = protocol.arm("only");
    assertThat(only).isEqualTo(new ArmSettings("only", paper.agent(), paper.startParameters(), paper.pitchesBelow(),
        paper.pitchesAbove(), paper.minBeats(), paper.maxBeats(), paper.beatStep(), paper.minNotes(), paper.drums(),
        paper.minEpisodes(), paper.stepsPerEpisode()));
    assertThat(only.startParameters().scales()).hasSize(5);
    assertThat(protocol.title()).isEqualTo("minimal");
    assertThat(protocol.blockSize()).isEqualTo(2);
    assertThat(protocol.recruitment())
        .isEqualTo(new Protocol.Recruitment(null, Protocol.WhilePaused.CONTINUE, 30, null, null));
  }

  @Test
  void aWrongValueNamesItsPathAndWhatIsAllowed() throws IOException {
    assertThat(problems("bad-epsilon.yaml")).containsExactly("arms[1].agent.policy.epsilon: must be from 0 to 1, got 7");
  }

  @Test
  void everySchemaProblemOfAFileIsListed() throws IOException {
    assertThat(problems("many-problems.yaml")).containsExactlyInAnyOrder(
        "id: has characters or a form not allowed here (lower-case letters, digits and '-', e.g. paper-replication),"
            + " got 'Not An Id'",
        "version: must be from 1 to 1000000, got 0",
        "consent.text: is required",
        "colour: is not a setting here; allowed: id, version, title, description, consent, recruitment, "
            + "randomisation, arms, timing, dataQuality, diagnostics, flow",
        "arms[0].agent.alpha: must be above 0 and at most 1, got 0",
        "arms[0].agent.encoder: must be one of [absolute, relative, interval, local], got 'fancy'",
        "arms[0].startParameters.defaults.scale: must be one of [major, minor, diminished, blues-major, blues-minor],"
            + " got 'lydian'",
        "arms[0].edits.drums[1]: must be 0 or a whole number from 27 to 87, got 12",
        "arms[0].episodes.stepsPerEpisode: must be 'track-length' or a whole number from 1 to 1000, got 'forever'");
  }

  @Test
  void checksAcrossFieldsFollowTheSchema() throws IOException {
    assertThat(problems("semantic.yaml")).containsExactlyInAnyOrder(
        "arms[0].startParameters.defaults.tempo: must lie within arms[0].startParameters.tempo [40, 200], got 220",
        "arms[0].startParameters.defaults.scale: 'blues-minor' must be one of the allowed "
            + "arms[0].startParameters.scales [major, minor]",
        "arms[0].edits.beats.step: must divide max - min (0.75) into whole steps, got 0.3",
        "arms[1].id: 'A' is the id of an earlier arm; arm ids must differ",
        "randomisation.blockSize: must be a multiple of the arms' weights added up (2), got 3");
  }

  @Test
  void notYamlOrNotAMappingIsSaidPlainly() {
    assertThat(ProtocolFile.check("")).extracting(Protocol.Problem::toString)
        .containsExactly("(file): the protocol file is empty");
    assertThat(ProtocolFile.check("- a\n- b\n")).extracting(Protocol.Problem::toString)
        .containsExactly("(file): must be a mapping of settings (id, version, consent, arms...)");
    assertThat(ProtocolFile.check("id: [unclosed")).singleElement().asString().startsWith("(file): is not valid YAML");
    assertThatThrownBy(() -> ProtocolFile.parse("id: x")).isInstanceOf(ProtocolFile.Invalid.class)
        .hasMessageContaining("version: is required");
  }

  @Test
  void theCheckCommandPrintsEveryProblemAndExitsNonZero() {
    StringBuilder out = new StringBuilder();
    int ok = run(out, "protocol", "check", SHIPPED.resolve("pilot.yaml").toString());
    assertThat(ok).isZero();
    assertThat(out.toString()).contains("pilot.yaml: OK (pilot version 1, 2 arms)");
    out.setLength(0);
    int broken = run(out, "protocol", "check", SHIPPED.resolve("pilot.yaml").toString(),
        BROKEN.resolve("bad-epsilon.yaml").toString());
    assertThat(broken).isEqualTo(1);
    assertThat(out.toString()).contains("bad-epsilon.yaml: 1 problem",
        "  arms[1].agent.policy.epsilon: must be from 0 to 1, got 7");
  }

  private static List<String> problems(String file) throws IOException {
    return ProtocolFile.check(Files.readString(BROKEN.resolve(file))).stream().map(Protocol.Problem::toString).toList();
  }

  private static int run(StringBuilder out, String... args) {
    PrintStream original = System.out;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    try {
      return new CommandLine(new StudyCommand()).execute(args);
    } finally {
      System.setOut(original);
      out.append(bytes.toString(StandardCharsets.UTF_8));
    }
  }
}
