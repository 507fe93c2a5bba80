package org.tuneloop.eventstore;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A position in the whole log: (transaction id, position). Opaque to clients through encode/decode. */
public record Cursor(long txId, long position) {
  public static final Cursor START = new Cursor(0, 0);

  private static final Pattern TEXT = Pattern.compile("([0-9]{1,19})-([0-9]{1,19})");

  public Cursor {
    if (txId < 0 || position < 0) throw new IllegalArgumentException("negative cursor " + txId + "-" + position);
  }

  /** "txid-position" in base 10: URL-safe as it is. */
  public String encode() { return txId + "-" + position; }

  /** The inverse of {@link #encode()}; anything else is an IllegalArgumentException. */
  public static Cursor decode(String text) {
    if (text == null) throw new IllegalArgumentException("no cursor");
    Matcher m = TEXT.matcher(text);
    if (!m.matches()) throw new IllegalArgumentException("not a cursor: " + abbreviate(text));
    try {
      return new Cursor(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("cursor out of range: " + abbreviate(text));
    }
  }

  private static String abbreviate(String text) {
    return text.length() <= 60 ? text : text.substring(0, 60) + "...";
  }
}
