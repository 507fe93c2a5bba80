package org.tuneloop.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.tuneloop.study.Protocol;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

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

    @Override
    public Integer call() {
      int broken = 0;
      for (Path file : files) {
        String text;
        try {
          text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
          System.out.println(file + ": cannot be read: " + e.getMessage());
          broken++;
          continue;
        }
        try {
          Protocol protocol = ProtocolFile.parse(text);
          System.out.println(file + ": OK (" + protocol.id() + " version " + protocol.version() + ", "
              + protocol.arms().size() + " arm" + (protocol.arms().size() == 1 ? "" : "s") + ")");
        } catch (ProtocolFile.Invalid e) {
          broken++;
          System.out.println(file + ": " + e.problems().size() + " problem" + (e.problems().size() == 1 ? "" : "s"));
          e.problems().forEach(p -> System.out.println("  " + p));
        }
      }
      return broken == 0 ? 0 : 1;
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
