/**
 * What a researcher can do for one participant during a supervised session: start it on this computer
 * (a one-time kiosk code), pause and resume, add a note, end it early with a reason.
 */
import { words, type Desk } from './dashboard.ts';
import { confirmed, openDialog } from './dialog.ts';
import { h, replace } from './dom.ts';
import { participantName, type MonitorRow } from './monitor-model.ts';
import {
  participantPath, studyPath, when, type Member, type ResearcherInfo, type ResearchNote,
} from './research-api.ts';
import { alert, status } from './status.ts';

type Choice = 'kiosk' | 'pause' | 'resume' | 'note' | 'end';

/**
 * Researchers' emails by id, as far as this researcher may know them: the study's members, and for admins
 * everyone. Notes record who wrote them by id; the page shows the email (or "you").
 */
async function researcherEmails(desk: Desk, studyId: string): Promise<Map<string, string>> {
  const emails = new Map<string, string>();
  const [members, everyone] = await Promise.all([
    desk.api.get<{ members: Member[] }>(`${studyPath(studyId)}/members`).catch(() => ({ members: [] })),
    desk.researcher.role === 'admin'
      ? desk.api.get<{ researchers: ResearcherInfo[] }>('/api/researchers').catch(() => ({ researchers: [] }))
      : Promise.resolve({ researchers: [] as ResearcherInfo[] })]);
  for (const r of [...everyone.researchers, ...members.members]) {
    emails.set(r.id, r.email);
  }
  return emails;
}

/** The notes of a participant as a list, filled in when they arrive. */
export function notesList(desk: Desk, studyId: string, participantId: string): HTMLElement {
  const list = h('ul', { class: 'notes-list', 'aria-label': 'Notes' }, h('li', {}, 'Loading notes…'));
  void Promise.all([desk.api.get<{ notes: ResearchNote[] }>(`${participantPath(participantId)}/notes`),
    researcherEmails(desk, studyId)]).then(
    ([{ notes }, emails]) => replace(list, notes.length === 0 ? h('li', {}, 'No notes yet.')
      : notes.map((n) => {
        const by = n.by === desk.researcher.id ? 'you' : emails.get(n.by) ?? 'a researcher no longer in this study';
        return h('li', { class: 'note' }, h('p', { class: 'meta' }, `${when(n.at)} · by ${by}`), h('p', {}, n.text));
      })),
    (e: unknown) => replace(list, h('li', {}, `Notes could not be loaded: ${words(e)}`)));
  return list;
}

/** The row's actions in a dialog; `onRow` gets the participant's row as the server answers it. */
export async function rowActions(desk: Desk, studyId: string, row: MonitorRow,
                                 onRow: (row: MonitorRow) => void): Promise<void> {
  const name = participantName(row);
  const paused = row.flags.includes('paused');
  const ended = ['finished', 'withdrawn', 'declined', 'ended'].includes(row.phase) || row.flags.includes('dropped-out');
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const choice = (value: Choice, text: string, extra: Record<string, string | boolean> = {}) =>
    h('button', { type: 'submit', value, ...extra }, text);
  const dialog = h('dialog', { class: 'confirm actions-dialog', 'aria-labelledby': 'row-actions-title' },
    h('form', { method: 'dialog' },
      h('h2', { id: 'row-actions-title' }, `Participant ${name}`),
      h('p', { class: 'meta' }, `Arm ${row.arm} · ${row.phase} · episode ${row.episode}, step ${row.step}`),
      h('div', { class: 'actions stacked' },
        choice('kiosk', 'Start on this computer', { disabled: ended }),
        paused ? choice('resume', 'Resume') : choice('pause', 'Pause', { disabled: ended }),
        choice('note', 'Add a note'),
        choice('end', 'End session early…', { class: 'danger', disabled: ended })),
      h('h3', {}, 'Notes'), notesList(desk, studyId, row.id),
      h('div', { class: 'actions' }, h('button', { type: 'submit', value: 'cancel', autofocus: true }, 'Close'))));
  document.body.appendChild(dialog);
  const picked = await new Promise<string>((resolve) => {
    dialog.addEventListener('close', () => {
      dialog.remove();
      opener?.focus();
      resolve(dialog.returnValue);
    });
    dialog.showModal();
  });
  switch (picked as Choice) {
    case 'kiosk': return startHere(desk, row, name);
    case 'pause': return act(desk, row, 'pause', {}, `${name} is paused.`, onRow);
    case 'resume': return act(desk, row, 'resume', {}, `${name} goes on.`, onRow);
    case 'note': return addNote(desk, studyId, row, name, onRow);
    case 'end': return endEarly(desk, row, name, onRow);
    default: return undefined;
  }
}

async function act(desk: Desk, row: MonitorRow, what: string, body: Record<string, string>, done: string,
                   onRow: (row: MonitorRow) => void): Promise<void> {
  try {
    onRow(await desk.api.post<MonitorRow>(`${participantPath(row.id)}/${what}`, body));
    status(done, 'saved');
  } catch (e) {
    alert(`Not done: ${words(e)}`);
  }
}

async function startHere(desk: Desk, row: MonitorRow, name: string): Promise<void> {
  if (!await confirmed(`Start ${name}'s session on this computer?`,
    'This signs you out of this browser and opens the participant\'s pages here, with no researcher controls. '
    + 'Sign in again afterwards.', 'Sign out and start')) {
    return;
  }
  try {
    const { code } = await desk.api.post<{ code: string; expiresAt: string }>(`${participantPath(row.id)}/kiosk`,
      undefined);
    // main.ts redeems the code, signs the researcher out and opens the participant's pages.
    location.assign(`/#kiosk=${encodeURIComponent(code)}`);
  } catch (e) {
    alert(`The session was not started here: ${words(e)}`);
  }
}

async function addNote(desk: Desk, studyId: string, row: MonitorRow, name: string,
                       onRow: (row: MonitorRow) => void): Promise<void> {
  const form = await openDialog({
    title: `Note on ${name}`,
    body: [h('div', { class: 'field' }, h('label', { for: 'note-text' }, 'Note'),
      h('textarea', { id: 'note-text', name: 'text', rows: 4, required: true })),
    h('h3', {}, 'Earlier notes'), notesList(desk, studyId, row.id)],
    confirm: 'Save note',
    check: (f) => (f.elements.namedItem('text') as HTMLTextAreaElement).value.trim() ? null : 'Write the note first.',
  });
  if (form) {
    await act(desk, row, 'notes', { text: (form.elements.namedItem('text') as HTMLTextAreaElement).value.trim() },
      `Note on ${name} saved.`, onRow);
  }
}

async function endEarly(desk: Desk, row: MonitorRow, name: string, onRow: (row: MonitorRow) => void): Promise<void> {
  const form = await openDialog({
    title: `End ${name}'s session early?`,
    body: [h('p', {}, 'The participant cannot go on afterwards. The reason is kept with the data.'),
      h('div', { class: 'field' }, h('label', { for: 'end-reason' }, 'Reason (required)'),
        h('textarea', { id: 'end-reason', name: 'reason', rows: 3, required: true }))],
    confirm: 'End the session',
    danger: true,
    check: (f) => (f.elements.namedItem('reason') as HTMLTextAreaElement).value.trim() ? null
      : 'Please give a reason.',
  });
  if (form) {
    await act(desk, row, 'end', { reason: (form.elements.namedItem('reason') as HTMLTextAreaElement).value.trim() },
      `${name}'s session was ended.`, onRow);
  }
}
