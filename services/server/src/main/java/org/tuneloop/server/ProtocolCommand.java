package org.tuneloop.server;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.tuneloop.study.Protocol;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `study protocol check FILE...` and `study protocol schema`. */
@Command(name = "protocol", mixinStandardHelpOptions = true, description = "Check protocol files.",
    subcommands = {ProtocolCommand.Check.class, ProtocolCommand.SchemaText.class})
final class ProtocolCommand implements Runnable {
  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  @Command(name = "check", mixinStandardHelpOptions = true,
      description = "Check protocol files against the schema and the rules across fields; print every problem with its "
          + "path and exit 1 on any.")
  static final class Check implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Protocol files (YAML or JSON).")
    List<Path> files;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      int broken = 0;
      for (Path file : files) {
        if (check(file, out) == null) {
          broken++;
        }
      }
      out.flush();
      return broken == 0 ? 0 : 1;
    }

    /** A protocol file that passed the check, with the text it was read from. */
    record Checked(String text, Protocol protocol) {}

    /** The file's protocol after printing "FILE: OK (...)", or null after printing why it cannot be used. */
    static Checked check(Path file, PrintWriter out) {
      String text;
      try {
        text = Files.readString(file, StandardCharsets.UTF_8);
      } catch (IOException e) {
        out.println(file + ": cannot be read: " + e.getMessage());
        return null;
      }
      try {
        Protocol protocol = ProtocolFile.parse(text);
        out.println(file + ": OK (" + protocol.id() + " version " + protocol.version() + ", "
            + protocol.arms().size() + " arm" + (protocol.arms().size() == 1 ? "" : "s") + ")");
        return new Checked(text, protocol);
      } catch (ProtocolFile.Invalid e) {
        out.println(file + ": " + e.problems().size() + " problem" + (e.problems().size() == 1 ? "" : "s"));
        e.problems().forEach(p -> out.println("  " + p));
        return null;
      }
    }
  }

  @Command(name = "schema", mixinStandardHelpOptions = true, description = "Print the protocol JSON Schema.")
  static final class SchemaText implements Runnable {
    @Override
    public void run() {
      System.out.println(ProtocolFile.schemaText());
    }
  }
}
