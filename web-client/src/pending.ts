/**
 * A participant's command that the server has not acknowledged yet, kept in localStorage so that it survives
 * a reload, a closed tab or a lost network, and is resent with the same idempotency key. The page allows one
 * command in flight at a time, so there is at most one per participant.
 */

import type { PendingCommand } from './participant/commands.ts';

export type { PendingCommand };

export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const PREFIX = 'tuneloop.pending.';

export class PendingStore {
  private readonly memory = new Map<string, string>();
  private durable: boolean;

  constructor(private readonly storage: StorageLike | null) {
    this.durable = storage !== null;
  }

  /** False when the browser refused localStorage (then a pending command lives only as long as the page). */
  get persistent(): boolean {
    return this.durable;
  }

  get(participantId: string): PendingCommand | null {
    const raw = this.read(PREFIX + participantId);
    if (raw === null) {
      return null;
    }
    try {
      const parsed = JSON.parse(raw) as PendingCommand;
      return parsed && parsed.participantId === participantId && typeof parsed.key === 'string' ? parsed : null;
    } catch {
      return null;
    }
  }

  put(command: PendingCommand): void {
    const value = JSON.stringify(command);
    const key = PREFIX + command.participantId;
    this.memory.set(key, value);
    if (this.storage && this.durable) {
      try {
        this.storage.setItem(key, value);
      } catch {
        this.durable = false;
      }
    }
  }

  /** Forgets the command once the server has answered it (only if it is still the one with this key). */
  clear(participantId: string, key: string): void {
    const current = this.get(participantId);
    if (current && current.key !== key) {
      return;
    }
    this.memory.delete(PREFIX + participantId);
    if (this.storage) {
      try {
        this.storage.removeItem(PREFIX + participantId);
      } catch {
        // nothing more to do
      }
    }
  }

  private read(key: string): string | null {
    if (this.storage && this.durable) {
      try {
        return this.storage.getItem(key);
      } catch {
        this.durable = false;
      }
    }
    return this.memory.get(key) ?? null;
  }
}

/** localStorage when the browser allows it, else null. */
export function browserStorage(): StorageLike | null {
  try {
    const s = globalThis.localStorage;
    const probe = '__tuneloop_probe__';
    s.setItem(probe, '1');
    s.removeItem(probe);
    return s;
  } catch {
    return null;
  }
}
