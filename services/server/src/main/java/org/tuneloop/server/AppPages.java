package org.tuneloop.server;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The web client's pages, read only from the application's own jar (webroot/ inside it). Vert.x's static handler
 * would look in a webroot/ folder of the working directory first, so whoever could write there could replace the
 * participants' pages; this handler never reads the file system.
 */
final class AppPages implements Handler<RoutingContext> {
  private static final String ROOT = "webroot";
  private static final Map<String, String> TYPES = Map.ofEntries(
      Map.entry("html", "text/html; charset=utf-8"), Map.entry("js", "text/javascript; charset=utf-8"),
      Map.entry("mjs", "text/javascript; charset=utf-8"), Map.entry("css", "text/css; charset=utf-8"),
      Map.entry("json", "application/json"), Map.entry("map", "application/json"),
      Map.entry("svg", "image/svg+xml"), Map.entry("png", "image/png"), Map.entry("ico", "image/x-icon"),
      Map.entry("woff2", "font/woff2"), Map.entry("txt", "text/plain; charset=utf-8"), Map.entry("mid", "audio/midi"));

  // Only files found in the jar are kept, so the map is bounded by the jar's contents.
  private final Map<String, Buffer> found = new ConcurrentHashMap<>();

  @Override
  public void handle(RoutingContext ctx) {
    HttpMethod method = ctx.request().method();
    String path = ctx.normalizedPath();
    if ((method != HttpMethod.GET && method != HttpMethod.HEAD) || path.contains("..") || path.contains("\\")
        || path.contains("//")) {
      ctx.next();
      return;
    }
    String name = ROOT + (path.endsWith("/") ? path + "index.html" : path);
    Buffer cached = found.get(name);
    if (cached != null) {
      send(ctx, name, cached);
      return;
    }
    ctx.vertx().executeBlocking(() -> read(name)).onSuccess(page -> {
      if (page.isEmpty()) {
        ctx.next();
        return;
      }
      found.put(name, page.get());
      send(ctx, name, page.get());
    }).onFailure(ctx::fail);
  }

  private static Optional<Buffer> read(String name) {
    // A name of a folder in the jar reads as empty or fails: only names with an extension are pages.
    if (name.lastIndexOf('.') < name.lastIndexOf('/')) {
      return Optional.empty();
    }
    try (InputStream in = AppPages.class.getClassLoader().getResourceAsStream(name)) {
      return in == null ? Optional.empty() : Optional.of(Buffer.buffer(in.readAllBytes()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void send(RoutingContext ctx, String name, Buffer page) {
    String extension = name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
    ctx.response().putHeader("content-type", TYPES.getOrDefault(extension, "application/octet-stream"))
        .putHeader("cache-control", "no-cache");
    if (ctx.request().method() == HttpMethod.HEAD) {
      ctx.response().putHeader("content-length", Integer.toString(page.length())).end();
    } else {
      ctx.response().end(page);
    }
  }
}
