package org.tuneloop.server;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
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
        error = "Not possible now";
        detail = e.getMessage();
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
      }
      case Studies.NotFound e -> {
        status = 404;
        error = title(404);
        detail = e.getMessage();
      }
      case null -> {
        status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
        error = title(status);
        detail = status == 413 ? "the request body is larger than 64 KiB"
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
    if (ctx.response().ended()) {
      return;
    }
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
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
      case 422 -> "Invalid value";
      default -> status >= 500 ? "Server error" : "Request refused";
    };
  }
}
