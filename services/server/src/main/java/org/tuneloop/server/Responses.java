package org.tuneloop.server;

import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import io.vertx.ext.web.RoutingContext;
import java.net.ConnectException;
import java.nio.channels.ClosedChannelException;
import org.tuneloop.eventstore.VersionConflict;
import org.tuneloop.study.CommandRejected;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place that turns failures into HTTP errors: {"error": ..., "detail": ..., "field": ...}. */
public final class Responses {
  private static final Logger LOG = LoggerFactory.getLogger(Responses.class);

  private Responses() {}

  public static void failure(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    int status;
    String error;
    String detail;
    String field = null;
    String reason = null;
    io.vertx.core.json.JsonArray problems = null;
    switch (failure) {
      case ApiError e -> {
        status = e.status();
        error = title(status);
        detail = e.getMessage();
        field = e.field();
      }
      case CommandRejected e when e.reason() == CommandRejected.Reason.INVALID -> {
        status = 422;
        error = "Invalid value";
        detail = e.getMessage();
        field = e.field();
      }
      case CommandRejected e -> {
        status = 409;
        error = e.code() == null ? "Not possible now" : switch (e.code()) {
          case "paused", "closed", "full" -> "Study not open";
          case "paused-by-researcher" -> "Session paused";
          default -> "Not possible now";
        };
        detail = e.getMessage();
        reason = e.code();
      }
      case VersionConflict e -> {
        status = 409;
        error = "Conflict";
        detail = "another request changed this participant at the same moment; reload and try again";
      }
      case ProtocolFile.Invalid e -> {
        status = 422;
        error = "Invalid protocol";
        detail = e.getMessage();
        problems = new io.vertx.core.json.JsonArray(e.problems().stream()
            .map(p -> new JsonObject().put("path", p.path()).put("reason", p.reason())).toList());
      }
      case Throwable t when databaseUnreachable(t) -> {
        status = 503;
        error = "Database unavailable";
        // The connection may have died after the commit: whether the request was saved is not known here.
        detail = "the study database could not be reached, so it is not known whether this request was saved; "
            + "send the same request again in a moment with the same Idempotency-Key, which is safe: "
            + "it is carried out at most once";
        ctx.response().putHeader("Retry-After", "2");
        LOG.warn("{} {}: database unreachable: {}", ctx.request().method(), ctx.request().path(), t.toString());
      }
      case io.vertx.core.http.HttpClosedException closed -> {
        // The client hung up before its request was whole: nothing to answer, nothing went wrong here. Anyone can
        // do this, so it is one short line at a level not shown by default, never an error with a stack trace.
        LOG.debug("{} {}: the client closed the connection before its request was complete",
            ctx.request().method(), ctx.request().path());
        return;
      }
      case null -> {
        status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
        error = title(status);
        detail = status == 413 ? "the request body is too large (at most " + HttpVerticle.BODY_LIMIT / 1024
            + " KiB; " + HttpVerticle.PROTOCOL_BODY_LIMIT / 1024 + " KiB for a protocol file)"
            : status == 404 ? "no such route: " + ctx.request().method() + " " + ctx.request().path()
            : status == 405 ? "this route does not take " + ctx.request().method() : "the request failed";
      }
      default -> {
        status = 500;
        error = title(500);
        detail = "the server could not handle this request; it has been logged";
        LOG.error("{} {} failed", ctx.request().method(), ctx.request().path(), failure);
      }
    }
    JsonObject body = new JsonObject().put("error", error).put("detail", detail);
    if (field != null) {
      body.put("field", field);
    }
    if (reason != null) {
      body.put("reason", reason);
    }
    if (problems != null) {
      body.put("problems", problems);
    }
    if (ctx.response().ended()) {
      return;
    }
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
  }

  /** A refused or lost connection, or PostgreSQL shutting down (SQLSTATE classes 08 and 57P). */
  private static boolean databaseUnreachable(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ConnectException || t instanceof java.net.SocketException || t instanceof ClosedChannelException
          || t instanceof ClosedConnectionException) {
        return true;
      }
      if (t instanceof PgException pg && pg.getSqlState() != null
          && (pg.getSqlState().startsWith("08") || pg.getSqlState().startsWith("57P"))) {
        return true;
      }
    }
    return false;
  }

  private static String title(int status) {
    return switch (status) {
      case 400 -> "Bad request";
      case 401 -> "Not signed in";
      case 403 -> "Forbidden";
      case 404 -> "Not found";
      case 405 -> "Method not allowed";
      case 409 -> "Not possible now";
      case 413 -> "Request too large";
      case 415 -> "Unsupported media type";
      case 429 -> "Too many requests";
      case 503 -> "Database unavailable";
      case 422 -> "Invalid value";
      default -> status >= 500 ? "Server error" : "Request refused";
    };
  }
}
