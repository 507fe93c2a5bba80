package org.tuneloop.eventstore;

import static org.tuneloop.eventstore.Await.result;

import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import org.tuneloop.eventstore.testing.TestDatabases;
import org.tuneloop.eventstore.testing.TestDatabases.Server;
import org.tuneloop.eventstore.testing.TestDatabases.TestDatabase;

/** A fresh migrated database on a test server, and an event store on it connected as the application role. */
record StoreOnTestDatabase(TestDatabase db, Vertx vertx, Pool pool, EventStore store) implements AutoCloseable {

  static StoreOnTestDatabase open(Server server, int poolSize) {
    TestDatabase db = TestDatabases.create(server);
    Vertx vertx = Vertx.vertx();
    Pool pool = db.appPool(vertx, poolSize);
    return new StoreOnTestDatabase(db, vertx, pool, new EventStore(pool));
  }

  @Override
  public void close() {
    result(pool.close());
    result(vertx.close());
    db.close();
  }
}
