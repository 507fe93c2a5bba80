package org.tuneloop.agent;

/** A Q-table key: the encoded state and the encoded action. */
public record QKey(String state, String action) {}
