package org.tuneloop.eventstore;

/** A position in the whole log: (transaction id, position). Opaque to clients through encode/decode. */
public record Cursor(long txId, long position) {
  public static final Cursor START = new Cursor(0, 0);

  public String encode() { throw new UnsupportedOperationException("contract stub"); }

  public static Cursor decode(String text) { throw new UnsupportedOperationException("contract stub"); }
}
