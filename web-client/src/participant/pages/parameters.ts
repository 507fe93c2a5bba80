/**
 * Where the music starts: base note, scale, track length and tempo, limited to the protocol's ranges and
 * starting at its defaults (read-only when the arm fixes them). Says in plain words what the chosen scale sounds
 * like, and that the agent's pitch edits may take notes out of it.
 */
import type { ApiError, ParameterRules, Session, StartParameters } from '../../api.ts';
import { h } from '../../dom.ts';
import { noteName, scaleLabel, scaleMeaning, spokenNoteName } from '../../music.ts';
import type { PendingCommand } from '../commands.ts';
import type { Page, PageContext } from '../page.ts';

const FALLBACK: ParameterRules = {
  defaults: { baseNote: 60, scale: 'major', length: 8, tempo: 90 }, scales: ['major'],
  baseNote: { min: 36, max: 84 }, length: { min: 2, max: 16 }, tempo: { min: 40, max: 200 }, fixed: false,
};

export function parametersPage(session: Session, context: PageContext): Page {
  const r = session.parameterRules ?? FALLBACK;
  const d = r.defaults;
  const disabled = r.fixed;
  const notes: HTMLOptionElement[] = [];
  for (let p = r.baseNote.min; p <= r.baseNote.max; p++) {
    // The accessible name starts with the visible label (speech users say what they see), then spells
    // the note out for screen readers ("C sharp 4").
    const visible = `${noteName(p)}${p === 60 ? ' (middle C)' : ''}`;
    notes.push(h('option', { value: p, selected: p === d.baseNote, 'aria-label': `${visible}, ${spokenNoteName(p)}` },
      visible));
  }
  const scale = h('select', { id: 'scale', name: 'scale', disabled,
    'aria-describedby': 'scale-hint pitch-note scale-error' },
  r.scales.map((s) => h('option', { value: s, selected: s === d.scale }, scaleLabel(s))));
  const scaleHint = h('p', { class: 'hint', id: 'scale-hint', 'aria-live': 'polite' }, scaleMeaning(scale.value));
  scale.addEventListener('change', () => { scaleHint.textContent = scaleMeaning(scale.value); });
  const pitchNote = h('p', { class: 'hint', id: 'pitch-note' }, r.pitchStep === 'scale-degree'
    ? 'As it learns, the agent moves single notes up or down to the next note of the scale, so the melody '
      + 'stays in the scale.'
    : 'As it learns, the agent moves single notes up or down by semitones (one piano key at a time), so some '
      + 'notes may leave the scale.');
  const form = h('form', { class: 'page parameters', 'aria-labelledby': 'page-title', novalidate: true },
    h('h1', { id: 'page-title', tabindex: -1 }, 'Choose where the music starts'),
    h('p', {}, 'The agent starts every episode from a random melody with drums, made from these choices. ',
      'Then it edits the melody step by step and learns from your ratings.'),
    r.fixed ? h('p', { class: 'meta' }, 'In this study the starting point is fixed.') : null,
    field('baseNote', 'Base note', h('select', { id: 'baseNote', name: 'baseNote', disabled,
      'aria-describedby': 'baseNote-hint baseNote-error' }, notes), 'The lowest note of the scale.'),
    h('div', { class: 'field' }, h('label', { for: 'scale' }, 'Scale'), scale, scaleHint, pitchNote,
      h('p', { class: 'field-error', id: 'scale-error', hidden: true })),
    field('length', 'Track length (notes)', h('input', { id: 'length', name: 'length', type: 'number',
      inputmode: 'numeric', min: r.length.min, max: r.length.max, step: 1, value: d.length, required: true, disabled,
      'aria-describedby': 'length-hint length-error' }),
    `From ${r.length.min} to ${r.length.max}. Longer tracks take longer to rate.`),
    field('tempo', 'Tempo (beats per minute)', h('input', { id: 'tempo', name: 'tempo', type: 'number',
      inputmode: 'numeric', min: r.tempo.min, max: r.tempo.max, step: 1, value: d.tempo, required: true, disabled,
      'aria-describedby': 'tempo-hint tempo-error' }),
    `From ${r.tempo.min} (slow) to ${r.tempo.max} (fast).`),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'start' },
      'Start training')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    context.player.unlock();
    const values = r.fixed ? d : read(form, r);
    if (values) {
      context.send({ action: 'parameters', body: { ...values } });
    }
  });
  return { element: form, title: 'Start', refused: (command, error) => showRefusal(form, command, error) };
}

function field(id: string, label: string, control: HTMLElement, hint: string): HTMLElement {
  return h('div', { class: 'field' },
    h('label', { for: id }, label), control,
    h('p', { class: 'hint', id: `${id}-hint` }, hint),
    h('p', { class: 'field-error', id: `${id}-error`, hidden: true }));
}

/** The form's values, or null after marking the fields that are out of range. */
function read(form: HTMLFormElement, r: ParameterRules): StartParameters | null {
  const value = (id: string) => (form.querySelector(`#${id}`) as HTMLInputElement).value.trim();
  const whole = (id: string, range: { min: number; max: number }, what: string): number | null => {
    const input = form.querySelector(`#${id}`) as HTMLInputElement;
    const error = form.querySelector(`#${id}-error`) as HTMLElement;
    const n = Number(value(id));
    const ok = value(id) !== '' && Number.isInteger(n) && n >= range.min && n <= range.max;
    input.setAttribute('aria-invalid', String(!ok));
    error.hidden = ok;
    error.textContent = ok ? '' : `Please enter ${what} from ${range.min} to ${range.max}.`;
    return ok ? n : null;
  };
  const length = whole('length', r.length, 'a whole number of notes');
  const tempo = whole('tempo', r.tempo, 'a tempo');
  const baseNote = Number(value('baseNote'));
  if (length === null || tempo === null) {
    (form.querySelector('[aria-invalid="true"]') as HTMLElement | null)?.focus();
    return null;
  }
  return { baseNote, scale: value('scale'), length, tempo };
}

/** A refusal that names a field (422 with `field`) is shown at that field. */
function showRefusal(form: HTMLFormElement, command: PendingCommand, e: ApiError): boolean {
  if (command.action !== 'parameters' || !e.field) {
    return false;
  }
  const input = form.querySelector<HTMLElement>(`#${CSS.escape(e.field)}`);
  const error = form.querySelector<HTMLElement>(`#${CSS.escape(e.field)}-error`);
  if (!input || !error) {
    return false;
  }
  input.setAttribute('aria-invalid', 'true');
  error.textContent = e.detail;
  error.hidden = false;
  input.focus();
  return true;
}
