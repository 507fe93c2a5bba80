/**
 * What one participant page is: drawn from the Session the server sent, it gives its answers back as commands.
 * The session controller (app.ts) picks the page for the phase (pages.ts), puts it on the screen, and passes it
 * newer sessions of the same phase, the state of a waiting answer and the keys pressed.
 */
import type { Api, ApiError, Session } from '../api.ts';
import { h, type Child } from '../dom.ts';
import type { KeyAction } from '../keys.ts';
import type { LivePlayer } from '../player.ts';
import type { Command, PendingCommand } from './commands.ts';

export interface PageContext {
  readonly api: Api;
  readonly participantId: string;
  /** The one live player of the page (browsers allow sound only after a click or key: call `unlock` there). */
  readonly player: LivePlayer;
  /** Gives an answer: kept, sent, and resent until the server answers. Ignored while another one waits. */
  send(command: Command): void;
  /** True while an answer is on its way or waits to be resent. */
  waiting(): boolean;
}

export interface Page {
  readonly element: HTMLElement;
  /** The tab's title while the page is shown. */
  readonly title: string;
  /** A newer session in the same phase (training: the next track). */
  update?(session: Session): void;
  /** An answer given here is on its way (or waits to be resent); null once it has been answered. */
  waiting?(command: PendingCommand | null): void;
  /** The server refused an answer given here; true when the page has shown why itself (at the field). */
  refused?(command: PendingCommand, error: ApiError): boolean;
  /** A page key (keys.ts) pressed outside text fields and dialogs. */
  key?(action: KeyAction, event: KeyboardEvent): void;
  /** The page goes away: stop its timers. */
  leave?(): void;
}

export type PageFactory = (session: Session, context: PageContext) => Page;

/** A page's frame: a section labelled by its one h1, which takes the focus when the page appears. */
export function pageSection(kind: string, title: string, ...children: Child[]): HTMLElement {
  return h('section', { class: `page ${kind}`, 'aria-labelledby': 'page-title' },
    h('h1', { id: 'page-title', tabindex: -1 }, title), ...children);
}

/**
 * A page drawn anew for every newer session of its phase: two questionnaires in a row, the next sound check,
 * the next track to evaluate. The page's element holds the current drawing; the title of a new drawing takes
 * the focus, as on a new page.
 */
export function redrawn(make: PageFactory): PageFactory {
  return (session, context) => {
    let current = make(session, context);
    const holder = h('div', { class: 'page-holder' }, current.element);
    return {
      element: holder,
      title: current.title,
      update(s) {
        current.leave?.();
        current = make(s, context);
        holder.replaceChildren(current.element);
        document.title = `${current.title} – Tuneloop`;
        holder.querySelector<HTMLElement>('#page-title')?.focus();
      },
      waiting: (command) => current.waiting?.(command),
      refused: (command, error) => current.refused?.(command, error) ?? false,
      key: (action, event) => current.key?.(action, event),
      leave: () => current.leave?.(),
    };
  };
}
