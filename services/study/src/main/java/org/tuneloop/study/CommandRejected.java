package org.tuneloop.study;

/** A command that cannot be carried out in the current state; nothing is stored. */
public final class CommandRejected extends RuntimeException {

  /** Why: an invalid value, or a command that does not fit the participant's phase or step. */
  public enum Reason { INVALID, NOT_NOW }

  private final Reason reason;
  private final String field;

  public CommandRejected(Reason reason, String field, String message) {
    super(message);
    this.reason = reason;
    this.field = field;
  }

  public static CommandRejected invalid(String field, String message) {
    return new CommandRejected(Reason.INVALID, field, message);
  }

  public static CommandRejected notNow(String message) {
    return new CommandRejected(Reason.NOT_NOW, null, message);
  }

  public Reason reason() { return reason; }

  /** The offending field, or null when the command as a whole does not fit. */
  public String field() { return field; }
}
