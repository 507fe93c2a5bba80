/**
 * Small modal dialogs on the native <dialog>: the browser keeps the focus inside and closes on Escape; the
 * focus goes back to the control that opened the dialog.
 */
import { byId, h, replace, type Child } from './dom.ts';

export interface DialogOptions {
  readonly title: string;
  readonly body?: Child;
  readonly confirm: string;
  readonly cancel?: string;
  readonly danger?: boolean;
  /** Checked on confirm: a message keeps the dialog open and is shown in it. */
  readonly check?: (form: HTMLFormElement) => string | null;
}

let counter = 0;

/** Opens a dialog; resolves to its form when confirmed, null when cancelled or closed by Escape. */
export function openDialog(options: DialogOptions): Promise<HTMLFormElement | null> {
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const id = `dialog-${++counter}`;
  const error = h('p', { class: 'field-error', id: `${id}-error`, role: 'alert' });
  const form = h('form', { method: 'dialog', novalidate: true },
    h('h2', { id: `${id}-title` }, options.title),
    h('div', { id: `${id}-body` }, options.body ?? null),
    error,
    h('div', { class: 'actions' },
      h('button', { type: 'submit', value: 'cancel', formnovalidate: true, autofocus: !options.check },
        options.cancel ?? 'Cancel'),
      h('button', { type: 'submit', value: 'confirm', class: options.danger ? 'danger' : 'primary' },
        options.confirm)));
  const dialog = h('dialog', { class: 'confirm', id, 'aria-labelledby': `${id}-title`,
    'aria-describedby': `${id}-body` }, form);
  document.body.appendChild(dialog);
  return new Promise((resolve) => {
    form.addEventListener('submit', (e) => {
      const submitter = (e as SubmitEvent).submitter as HTMLButtonElement | null;
      if (submitter?.value !== 'confirm' || !options.check) {
        return;
      }
      const problem = options.check(form);
      if (problem) {
        e.preventDefault();
        replace(error, problem);
      }
    });
    dialog.addEventListener('close', () => {
      const confirmed = dialog.returnValue === 'confirm';
      dialog.remove();
      if (opener?.isConnected) {
        opener.focus();
      }
      resolve(confirmed ? form : null);
    });
    dialog.showModal();
    // A dialog that asks for text starts in its first field.
    if (options.check) {
      form.querySelector<HTMLElement>('textarea, input, select')?.focus();
    }
  });
}

/** Asks before an action; true when confirmed. */
export async function confirmed(title: string, text: string, confirm: string, danger = false,
                                cancel?: string): Promise<boolean> {
  return (await openDialog({ title, body: h('p', {}, text), confirm, danger, ...(cancel ? { cancel } : {}) }))
    !== null;
}

/** Copies text, and says so in the status line next to the button. */
export function copyButton(text: () => string, label: string, what: string): HTMLButtonElement {
  const button = h('button', { type: 'button', class: 'copy', 'aria-label': label }, 'Copy');
  button.addEventListener('click', () => {
    void navigator.clipboard.writeText(text()).then(
      () => say(`${what} copied.`),
      () => say(`Could not copy: select the ${what.toLowerCase()} and copy it by hand.`));
  });
  return button;
}

function say(text: string): void {
  const el = byId('status');
  el.dataset.state = 'info';
  replace(el, text);
}
