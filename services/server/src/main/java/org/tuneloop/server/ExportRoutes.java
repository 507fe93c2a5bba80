package org.tuneloop.server;

import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * A study's export as a download (docs/export.md): the zip is written to the response while the log is read, on a
 * worker thread, so a large study neither waits in memory nor leaves the connection idle.
 */
final class ExportRoutes {
  private final Platform platform;
  private final StudyRoutes.Access access;
  private final AccessLog log;

  ExportRoutes(Platform platform, StudyRoutes.Access access, AccessLog log) {
    this.platform = platform;
    this.access = access;
    this.log = log;
  }

  void mount(Router router) {
    router.get("/api/studies/:studyId/export").handler(ctx -> {
      String studyId = ctx.pathParam("studyId");
      ExportRun.Options options;
      try {
        options = new ExportRun.Options(studyId, ExportRun.Format.parse(ctx.queryParams().get("format") == null
            ? "csv" : ctx.queryParams().get("format")), flag(ctx, "includeWithdrawn"), flag(ctx, "includeTest"));
      } catch (ApiError e) {
        ctx.fail(e);
        return;
      }
      access.researcher(ctx).compose(by -> access.study(ctx, studyId)).compose(ok -> platform.studies.get(studyId))
          .compose(study -> log.record(Authentication.caller(ctx), AccessLog.Action.EXPORT, studyId, null,
              ExportRun.detail(options)))
          .onSuccess(recorded -> download(ctx, options))
          .onFailure(ctx::fail);
    });
  }

  private static boolean flag(RoutingContext ctx, String name) {
    String value = ctx.queryParams().get(name);
    if (value == null || value.equals("false")) {
      return false;
    }
    if (value.equals("true")) {
      return true;
    }
    throw ApiError.badRequest(name, name + " must be true or false, not '" + value + "'");
  }

  private void download(RoutingContext ctx, ExportRun.Options options) {
    HttpServerResponse response = ctx.response();
    String name = options.studyId() + "-" + options.format().id() + "-export.zip";
    Context context = ctx.vertx().getOrCreateContext();
    ctx.vertx().executeBlocking(() -> {
      try (OutputStream out = new ResponseOutput(context, response, name);
           ExportRun.Destination zip = ExportRun.zip(out)) {
        new ExportRun(platform).write(options, zip);
      }
      return null;
    }, false).onComplete(done -> {
      if (done.succeeded()) {
        if (!response.headWritten()) {
          head(response, name);
        }
        response.end();
      } else if (!response.headWritten()) {
        ctx.fail(done.cause());
      } else {
        // Half a zip must not look like a whole one.
        response.reset();
      }
    });
  }

  private static void head(HttpServerResponse response, String name) {
    response.setChunked(true).putHeader("Content-Type", "application/zip")
        .putHeader("Content-Disposition", "attachment; filename=\"" + name + "\"")
        .putHeader("Cache-Control", "no-store");
  }

  /** Bytes from the worker thread to the response, a chunk at a time, waiting for each to be written. */
  private static final class ResponseOutput extends OutputStream {
    private final Context context;
    private final HttpServerResponse response;
    private final String name;
    private final byte[] buffer = new byte[1 << 16];
    private int filled;

    ResponseOutput(Context context, HttpServerResponse response, String name) {
      this.context = context;
      this.response = response;
      this.name = name;
    }

    @Override
    public void write(int b) throws IOException {
      if (filled == buffer.length) {
        send();
      }
      buffer[filled++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      while (len > 0) {
        int n = Math.min(len, buffer.length - filled);
        System.arraycopy(b, off, buffer, filled, n);
        filled += n;
        off += n;
        len -= n;
        if (filled == buffer.length) {
          send();
        }
      }
    }

    @Override
    public void flush() throws IOException {
      if (filled > 0) {
        send();
      }
    }

    @Override
    public void close() throws IOException {
      flush();
    }

    private void send() throws IOException {
      Buffer chunk = Buffer.buffer(Arrays.copyOf(buffer, filled));
      filled = 0;
      Promise<Void> written = Promise.promise();
      context.runOnContext(v -> {
        if (!response.headWritten()) {
          head(response, name);
        }
        response.write(chunk).onComplete(written);
      });
      try {
        Platform.await(written.future());
      } catch (RuntimeException e) {
        throw new IOException("the download was interrupted: " + e.getMessage(), e);
      }
    }
  }
}
