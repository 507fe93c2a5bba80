package org.tuneloop.server;

/** A request the API refuses, with the HTTP status and a message a person understands. */
public final class ApiError extends RuntimeException {
  private final int status;
  private final String field;

  public ApiError(int status, String field, String detail) {
    super(detail);
    this.status = status;
    this.field = field;
  }

  public static ApiError badRequest(String field, String detail) { return new ApiError(400, field, detail); }

  public static ApiError unauthorized(String detail) { return new ApiError(401, null, detail); }

  public static ApiError forbidden(String detail) { return new ApiError(403, null, detail); }

  public static ApiError notFound(String detail) { return new ApiError(404, null, detail); }

  public int status() { return status; }

  public String field() { return field; }
}
