package org.tuneloop.study;

import java.util.List;

/** Chassaing's decider: commands are decided against state into events; events evolve state. Pure. */
public interface Decider<C, S, E> {
  S initialState();

  /** Decides what happens; rejects by throwing {@link CommandRejected}. */
  List<E> decide(C command, S state);

  /** Applies a fact; never rejects. */
  S evolve(S state, E event);

  default S fold(S state, Iterable<? extends E> events) {
    S result = state;
    for (E event : events) {
      result = evolve(result, event);
    }
    return result;
  }
}
