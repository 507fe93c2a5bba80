package org.tuneloop.study;

/** A command that cannot be carried out in the current state; nothing is stored. */
public final class CommandRejected extends RuntimeException {

  /** Why: an invalid value, or a command that does not fit the participant's phase or step. */
  public enum Reason { INVALID, NOT_NOW }

  private final Reason reason;
  private final String field;
  private final String code;

  public CommandRejected(Reason reason, String field, String message) {
    this(reason, field, null, message);
  }

  private CommandRejected(Reason reason, String field, String code, String message) {
    super(message);
    this.reason = reason;
    this.field = field;
    this.code = code;
  }

  public static CommandRejected invalid(String field, String message) {
    return new CommandRejected(Reason.INVALID, field, message);
  }

  public static CommandRejected notNow(String message) {
    return new CommandRejected(Reason.NOT_NOW, null, message);
  }

  /** Not now, with a short code a page can act on (e.g. "paused", "closed", "full"). */
  public static CommandRejected notNow(String code, String message) {
    return new CommandRejected(Reason.NOT_NOW, null, code, message);
  }

  public Reason reason() { return reason; }

  /** The offending field, or null when the command as a whole does not fit. */
  public String field() { return field; }

  /** A short machine-readable code, or null. */
  public String code() { return code; }
}
