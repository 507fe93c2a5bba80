/**
 * The page's two live regions: a polite status line ("Saving…", "Saved", "Not saved — will resend") and an
 * alert for errors. `data-state` lets styles (and tests) tell the states apart without parsing text.
 */
import { byId, h, replace, type Child } from './dom.ts';

export type StatusState = 'idle' | 'saving' | 'saved' | 'unsaved' | 'offline' | 'info';

export function status(text: string, state: StatusState = 'info', ...extra: Child[]): void {
  const el = byId('status');
  el.dataset.state = state;
  replace(el, text, ...extra);
}

export function clearStatus(): void {
  status('', 'idle');
}

export function alert(text: string): void {
  const el = byId('alert');
  replace(el, text ? h('p', {}, text) : null);
  el.hidden = !text;
}
