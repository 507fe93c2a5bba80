package org.tuneloop.eventstore;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import org.tuneloop.eventstore.testing.TestDatabases;

/** Run in a child JVM by EmbeddedDatabaseTest: starts a server, writes, reports ready, and waits to be killed. */
public final class KilledServerChild {
  static final String READY = "ready";

  public static void main(String[] args) throws Exception {
    EmbeddedDatabase db = EmbeddedDatabase.start(Path.of(args[0]));
    try (Connection c = TestDatabases.connect(db.owner()); Statement s = c.createStatement()) {
      s.execute("create table kept (note text)");
      s.execute("insert into kept values ('written by the killed process')");
    }
    System.out.println(READY);
    System.out.flush();
    Thread.sleep(120_000); // the parent kills this JVM long before
  }
}
