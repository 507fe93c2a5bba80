package org.tuneloop.agent;

import org.tuneloop.music.TrackEdit;

/** The action picked at a state, and whether it was an exploration. */
public record Choice(TrackEdit action, boolean explored, double epsilon) {}
