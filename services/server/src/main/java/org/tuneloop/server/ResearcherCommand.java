package org.tuneloop.server;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `study researcher add|token`: researcher accounts from the command line, e.g. the first admin. */
@Command(name = "researcher", mixinStandardHelpOptions = true, description = "Manage researcher accounts.",
    subcommands = {ResearcherCommand.Add.class, ResearcherCommand.Token.class})
final class ResearcherCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "add", mixinStandardHelpOptions = true,
      description = "Create a researcher account. Without a password option, asks for the password twice; "
          + "with no terminal to ask on, makes one up and prints it once.")
  static final class Add implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @CommandLine.Mixin
    StudyCommand.DatabaseOptions database;

    @Parameters(paramLabel = "EMAIL", description = "The researcher's email address, used to sign in.")
    String email;

    @Option(names = "--role", required = true, paramLabel = "ROLE",
        description = "admin (sees every study, manages accounts) or researcher (sees own studies).")
    String role;

    @ArgGroup(exclusive = true)
    PasswordSource source;

    static final class PasswordSource {
      @Option(names = "--password-stdin", description = "Read the password from the first line of standard input.")
      boolean stdin;

      @Option(names = "--generate-password", description = "Make up a password and print it once.")
      boolean generate;
    }

    @Override
    public Integer call() {
      String address = Researchers.checkEmail(email);
      Researchers.Role chosenRole = Researchers.Role.parse(role);
      PrintWriter out = spec.commandLine().getOut();
      boolean generated = false;
      String password;
      Console console = terminal();
      if (source != null && source.stdin) {
        password = firstLineOfStdin();
      } else if ((source != null && source.generate) || console == null) {
        password = Passwords.generate();
        generated = true;
      } else {
        password = askTwice(console);
      }
      String problem = Passwords.problem(password);
      if (problem != null) {
        throw new CommandLine.ParameterException(spec.commandLine(), problem);
      }
      String hash = Passwords.hash(password);
      try (Platform platform = Platform.open(database.url, database.dataDirectory, database.appPassword)) {
        Researchers.Researcher created = Platform.await(platform.researchers.create(address, chosenRole, hash));
        out.println("Added " + created.role().wire() + " " + created.email() + " (id " + created.id() + ").");
        if (generated) {
          out.println("Password (shown only now): " + password);
        }
        out.flush();
        return 0;
      }
    }

    private String askTwice(Console console) {
      char[] first = console.readPassword("Password for %s (at least %d characters): ", email, Passwords.MIN_LENGTH);
      char[] second = console.readPassword("The same password again: ");
      if (first == null || second == null || !Arrays.equals(first, second)) {
        throw new CommandLine.ParameterException(spec.commandLine(), "the two passwords differ; nothing was added");
      }
      return new String(first);
    }

    private String firstLineOfStdin() {
      try {
        String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        if (line == null) {
          throw new CommandLine.ParameterException(spec.commandLine(), "--password-stdin: standard input is empty");
        }
        return line;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /**
     * The console, only when it is a terminal a person can type into. Since JDK 22 System.console() is not null
     * for redirected streams, and Console.isTerminal() (JDK 22) is not in the JDK 21 API we compile against.
     */
    private static Console terminal() {
      Console console = System.console();
      if (console == null) {
        return null;
      }
      try {
        Method isTerminal = Console.class.getMethod("isTerminal");
        return Boolean.TRUE.equals(isTerminal.invoke(console)) ? console : null;
      } catch (NoSuchMethodException e) {
        return console;   // JDK 21: a console exists only for a terminal
      } catch (ReflectiveOperationException e) {
        return null;
      }
    }
  }

  @Command(name = "token", mixinStandardHelpOptions = true,
      description = "Issue a new API token for a researcher's account and print it once.")
  static final class Token implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @CommandLine.Mixin
    StudyCommand.DatabaseOptions database;

    @Parameters(paramLabel = "EMAIL", description = "The researcher's email address.")
    String email;

    @Option(names = "--name", required = true, paramLabel = "NAME",
        description = "What the token is for, e.g. 'laptop' (shown in the token list).")
    String name;

    @Override
    public Integer call() {
      if (name.isBlank() || name.length() > 100) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--name must be 1 to 100 characters");
      }
      PrintWriter out = spec.commandLine().getOut();
      try (Platform platform = Platform.open(database.url, database.dataDirectory, database.appPassword)) {
        Researchers.Researcher researcher = Platform.await(platform.researchers.findByEmail(email.strip()))
            .orElseThrow(() -> new IllegalArgumentException("there is no researcher account for " + email.strip()
                + "; add one with 'study researcher add'"));
        ApiTokens.Issued issued = Platform.await(platform.apiTokens.issue(researcher.id(), name.strip()));
        out.println("API token '" + issued.name() + "' for " + researcher.email() + " (shown only now; send it as "
            + "'Authorization: Bearer <token>'):");
        out.println(issued.token());
        out.flush();
        return 0;
      }
    }
  }
}
