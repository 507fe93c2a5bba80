package org.tuneloop.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import org.tuneloop.eventstore.CanonicalJson;

/** Edge validation of JSON bodies: each problem names its field, and nothing reaches the domain unchecked. */
public final class RequestBody {
  private static final JsonFactory JSON = new JsonFactory();
  private final JsonObject json;

  private RequestBody(JsonObject json) {
    this.json = json;
  }

  /** The body as a JSON object with only the given fields; an empty body is an empty object. */
  public static RequestBody of(RoutingContext ctx, Set<String> allowed) {
    String text = ctx.body().asString();
    JsonObject json;
    if (text == null || text.isBlank()) {
      json = new JsonObject();
    } else {
      try {
        rejectDuplicateKeys(text);
        Object parsed = io.vertx.core.json.Json.decodeValue(text);
        if (!(parsed instanceof JsonObject o)) {
          throw ApiError.badRequest(null, "the request body must be a JSON object");
        }
        json = o;
      } catch (DecodeException e) {
        throw ApiError.badRequest(null, "the request body is not valid JSON");
      }
    }
    for (String name : json.fieldNames()) {
      if (!allowed.contains(name)) {
        throw ApiError.badRequest(name, "unknown field '" + name + "'; expected " + allowed);
      }
    }
    return new RequestBody(json);
  }

  /**
   * A body sent as anything but JSON is refused before it is read (415): the API speaks only JSON, and a form or
   * text body could otherwise be read as JSON by accident.
   */
  public static void requireJson(RoutingContext ctx) {
    if (hasBody(ctx) && !isJson(ctx.request().getHeader(HttpHeaders.CONTENT_TYPE))) {
      ctx.fail(new ApiError(415, null, "send the request body as JSON, with the header Content-Type: application/json"));
      return;
    }
    ctx.next();
  }

  private static boolean hasBody(RoutingContext ctx) {
    String length = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
    return ctx.request().getHeader(HttpHeaders.TRANSFER_ENCODING) != null
        || (length != null && !length.strip().equals("0"));
  }

  private static boolean isJson(String contentType) {
    if (contentType == null) {
      return false;
    }
    int semicolon = contentType.indexOf(';');
    String mediaType = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip();
    return mediaType.equalsIgnoreCase("application/json");
  }

  /**
   * A JSON object naming a field twice is ambiguous (one parser keeps the first, another the last), so it is
   * refused, naming the field by its path.
   */
  private static void rejectDuplicateKeys(String text) {
    try (JsonParser parser = JSON.createParser(text)) {
      Deque<Set<String>> objects = new ArrayDeque<>();
      for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
        switch (token) {
          case START_OBJECT -> objects.push(new HashSet<>());
          case END_OBJECT -> objects.pop();
          case FIELD_NAME -> {
            String name = parser.currentName();
            if (!objects.peek().add(name)) {
              String where = fieldPath(parser);
              throw ApiError.badRequest(where, "the field '" + where + "' is given twice; give each field once");
            }
          }
          default -> { }
        }
      }
    } catch (IOException e) {
      throw ApiError.badRequest(null, "the request body is not valid JSON");
    }
  }

  /** The dotted path of the field the parser stands on, e.g. prolific.PROLIFIC_PID. */
  private static String fieldPath(JsonParser parser) {
    Deque<String> names = new ArrayDeque<>();
    for (var context = parser.getParsingContext(); context != null && !context.inRoot(); context = context.getParent()) {
      if (context.inObject() && context.getCurrentName() != null) {
        names.push(context.getCurrentName());
      } else if (context.inArray()) {
        names.push("[" + context.getCurrentIndex() + "]");
      }
    }
    return String.join(".", names).replace(".[", "[");
  }

  /**
   * What a request is, for binding an Idempotency-Key to it: SHA-256 of its method, path and canonical JSON body
   * (so spacing and field order do not matter, but any value does).
   */
  public static String fingerprint(RoutingContext ctx) {
    String text = ctx.body() == null ? null : ctx.body().asString();
    String body;
    if (text == null || text.isBlank()) {
      body = "";
    } else {
      try {
        body = CanonicalJson.encode(io.vertx.core.json.Json.decodeValue(text));
      } catch (RuntimeException e) {
        body = text;
      }
    }
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest((ctx.request().method().name() + " "
          + ctx.request().path() + "\n" + body).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public int integer(String field, int min, int max) {
    Object v = json.getValue(field);
    if (v == null) {
      throw ApiError.badRequest(field, "'" + field + "' is required: a whole number from " + min + " to " + max);
    }
    if (!(v instanceof Integer || v instanceof Long) || ((Number) v).longValue() < min
        || ((Number) v).longValue() > max) {
      throw ApiError.badRequest(field, "'" + field + "' must be a whole number from " + min + " to " + max
          + ", not " + describe(v));
    }
    return ((Number) v).intValue();
  }

  /** A whole number of any size a Java int holds; the domain says which values it allows. */
  public int integer(String field) {
    Object v = json.getValue(field);
    if (v == null) {
      throw ApiError.badRequest(field, "'" + field + "' is required: a whole number");
    }
    if (!(v instanceof Integer || v instanceof Long) || ((Number) v).longValue() != ((Number) v).intValue()) {
      throw ApiError.badRequest(field, "'" + field + "' must be a whole number, not " + describe(v));
    }
    return ((Number) v).intValue();
  }

  public Integer optionalInteger(String field, int min, int max) {
    return json.getValue(field) == null ? null : integer(field, min, max);
  }

  public boolean bool(String field) {
    Object v = json.getValue(field);
    if (!(v instanceof Boolean b)) {
      throw ApiError.badRequest(field, "'" + field + "' is required: true or false");
    }
    return b;
  }

  public String text(String field, int maxLength) {
    Object v = json.getValue(field);
    if (!(v instanceof String s) || s.isBlank() || s.length() > maxLength) {
      throw ApiError.badRequest(field, "'" + field + "' is required: text of at most " + maxLength + " characters");
    }
    return s;
  }

  public String optionalText(String field, int maxLength) {
    return json.getValue(field) == null ? null : text(field, maxLength);
  }

  /** A nested object with only the given fields, or null when absent. */
  public JsonObject optionalObject(String field, Set<String> allowed) {
    Object v = json.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof JsonObject o)) {
      throw ApiError.badRequest(field, "'" + field + "' must be an object with " + allowed);
    }
    for (String name : o.fieldNames()) {
      if (!allowed.contains(name)) {
        throw ApiError.badRequest(field + "." + name, "unknown field '" + field + "." + name + "'; expected " + allowed);
      }
    }
    return o;
  }

  /** A list of at most {@code maxItems} values (each checked by the caller). */
  public java.util.List<Object> list(String field, int maxItems) {
    Object v = json.getValue(field);
    if (!(v instanceof io.vertx.core.json.JsonArray a)) {
      throw ApiError.badRequest(field, "'" + field + "' is required: a list");
    }
    if (a.size() > maxItems) {
      throw ApiError.badRequest(field, "'" + field + "' may list at most " + maxItems + " values, not " + a.size());
    }
    return a.getList();
  }

  /** A text field of a nested object, named in errors by its full path. */
  public static String text(JsonObject o, String path, String field, int maxLength) {
    Object v = o.getValue(field);
    if (!(v instanceof String s) || s.isBlank() || s.length() > maxLength) {
      throw ApiError.badRequest(path, "'" + path + "' is required: text of at most " + maxLength + " characters");
    }
    return s;
  }

  public static String optionalText(JsonObject o, String path, String field, int maxLength) {
    return o.getValue(field) == null ? null : text(o, path, field, maxLength);
  }

  private static String describe(Object v) {
    return v instanceof String s ? "the text \"" + (s.length() > 20 ? s.substring(0, 20) + "…" : s) + "\"" : String.valueOf(v);
  }
}
