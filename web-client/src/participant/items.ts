/**
 * A form of items (questionnaire, between-episode questions, evaluation, debrief): each item a fieldset or a
 * labelled field, its required mark, its hint and a place for what is wrong with the answer, which the field
 * points at (aria-describedby) and marks aria-invalid. The checking itself is answers.ts.
 */
import type { Item } from '../api.ts';
import { h } from '../dom.ts';
import { FATIGUE_LEVELS, itemHint, likertLabels, type Raw } from './answers.ts';

export interface ItemsForm {
  readonly element: HTMLElement;
  /** What the participant has given so far, item by item. */
  read(): Record<string, Raw>;
  /** Shows each item's problem at the item (and clears the others); focuses the first one shown. */
  show(problems: Readonly<Record<string, string>>): void;
  /** Lets the answers be given, or not yet. */
  enable(on: boolean): void;
}

export function itemsForm(prefix: string, items: readonly Item[]): ItemsForm {
  const parts = items.map((item, index) => itemPart(`${prefix}-${index + 1}`, item));
  const element = h('div', { class: 'items' },
    items.some((i) => i.required) ? h('p', { class: 'hint' }, 'Questions marked ',
      h('span', { class: 'required', 'aria-hidden': 'true' }, '*'), ' (required) need an answer.') : null,
    parts.map((p) => p.element));
  return {
    element,
    read: () => Object.fromEntries(parts.map((p) => [p.item.id, p.read()])),
    show(problems) {
      let first: HTMLElement | null = null;
      for (const p of parts) {
        const problem = problems[p.item.id] ?? null;
        p.problem(problem);
        if (problem && !first) {
          first = p.focusable();
        }
      }
      first?.focus();
    },
    enable(on) {
      for (const p of parts) {
        p.enable(on);
      }
    },
  };
}

interface ItemPart {
  readonly item: Item;
  readonly element: HTMLElement;
  read(): Raw;
  problem(text: string | null): void;
  focusable(): HTMLElement;
  enable(on: boolean): void;
}

function itemPart(id: string, item: Item): ItemPart {
  const errorId = `${id}-error`;
  const hintText = itemHint(item);
  const hintId = hintText ? `${id}-hint` : null;
  const error = h('p', { class: 'field-error', id: errorId, hidden: true });
  const hint = hintText ? h('p', { class: 'hint', id: hintId ?? undefined }, hintText) : null;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ');
  const mark = item.required
    ? [' ', h('span', { class: 'required', 'aria-hidden': 'true' }, '*'), h('span', { class: 'visually-hidden' },
      ' (required)')] : [' ', h('span', { class: 'optional' }, '(optional)')];

  const choices = (type: 'radio' | 'checkbox', labels: readonly string[], values: readonly string[]) => {
    const inputs = values.map((value, i) => h('input', { type, name: id, id: `${id}-${i + 1}`, value }));
    const legendId = `${id}-legend`;
    const fieldset = h('fieldset', { class: `item ${item.type}`, 'data-item': item.id, 'aria-describedby': describedBy,
      ...(type === 'radio' && item.required ? { role: 'radiogroup', 'aria-labelledby': legendId, 'aria-required': 'true' }
        : {}) },
      h('legend', { id: legendId }, item.text, mark), hint,
      h('div', { class: `choices ${item.type === 'likert' || item.type === 'fatigue' ? 'scale' : ''}` },
        inputs.map((input, i) => h('label', { class: 'choice', for: input.id }, input, ' ', labels[i]))),
      error);
    return { fieldset, inputs };
  };

  let element: HTMLElement;
  let read: () => Raw;
  let controls: HTMLElement[];
  let invalidOn: HTMLElement;
  switch (item.type) {
    case 'likert':
    case 'fatigue': {
      const points = item.type === 'likert' ? item.points : FATIGUE_LEVELS[item.scale].length;
      const labels = item.type === 'likert' ? likertLabels(points, item.anchors)
        : FATIGUE_LEVELS[item.scale].map((w, i) => `${i + 1} – ${w}`);
      const values = labels.map((_, i) => String(i + 1));
      const { fieldset, inputs } = choices('radio', labels, values);
      element = fieldset;
      controls = inputs;
      invalidOn = fieldset;
      read = () => inputs.find((i) => i.checked)?.value;
      break;
    }
    case 'single-choice':
    case 'attention-check': {
      const { fieldset, inputs } = choices('radio', item.options, item.options);
      element = fieldset;
      controls = inputs;
      invalidOn = fieldset;
      read = () => inputs.find((i) => i.checked)?.value;
      break;
    }
    case 'multiple-choice': {
      const { fieldset, inputs } = choices('checkbox', item.options, item.options);
      element = fieldset;
      controls = inputs;
      invalidOn = fieldset;
      read = () => inputs.filter((i) => i.checked).map((i) => i.value);
      break;
    }
    case 'number': {
      const input = h('input', { type: 'number', id, name: id, inputmode: item.integer === false ? 'decimal' : 'numeric',
        min: item.min ?? undefined, max: item.max ?? undefined, step: item.integer === false ? 'any' : 1,
        required: item.required, 'aria-describedby': describedBy });
      element = h('div', { class: `field item number`, 'data-item': item.id },
        h('label', { for: id }, item.text, mark), hint, input, error);
      controls = [input];
      invalidOn = input;
      read = () => input.value;
      break;
    }
    case 'text': {
      const counterId = `${id}-count`;
      // No maxlength attribute: browsers count it in UTF-16 units, the study in characters, as the counter does.
      const area = h('textarea', { id, name: id, rows: 4, required: item.required,
        'aria-describedby': `${describedBy} ${counterId}` });
      const counter = h('p', { class: 'hint counter', id: counterId, 'aria-live': 'polite' });
      const count = () => {
        const left = item.maxLength - [...area.value].length;
        counter.textContent = left >= 0 ? `${left} of ${item.maxLength} characters left`
          : `${-left} ${left === -1 ? 'character' : 'characters'} too many (at most ${item.maxLength})`;
      };
      area.addEventListener('input', count);
      count();
      element = h('div', { class: 'field item text', 'data-item': item.id },
        h('label', { for: id }, item.text, mark), hint, area, counter, error);
      controls = [area];
      invalidOn = area;
      read = () => area.value;
      break;
    }
  }
  return {
    item, element, read,
    problem(text) {
      error.hidden = text === null;
      error.textContent = text ?? '';
      if (text) {
        invalidOn.setAttribute('aria-invalid', 'true');
      } else {
        invalidOn.removeAttribute('aria-invalid');
      }
    },
    focusable: () => controls.find((c) => (c as HTMLInputElement).checked) ?? controls[0],
    enable(on) {
      for (const c of controls) {
        (c as HTMLInputElement).disabled = !on;
      }
    },
  };
}
