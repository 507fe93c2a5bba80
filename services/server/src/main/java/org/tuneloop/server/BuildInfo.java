package org.tuneloop.server;

/** Versions recorded in every event's metadata, so an analysis knows which code produced it. */
public final class BuildInfo {
  private BuildInfo() {}

  public static final String APP_VERSION = versionOr("0.1.0");

  /** Bumped whenever the learning rule, policy, encoders or draws change behaviour. */
  public static final String AGENT_VERSION = "tabular-q/1";

  private static String versionOr(String fallback) {
    String v = BuildInfo.class.getPackage().getImplementationVersion();
    return v != null ? v : fallback;
  }
}
