/**
 * The items of a questionnaire, an evaluation or a debrief as answers: what the page collected, checked the way
 * the server checks it, so that a person sees what is missing at the item before anything is sent. The server
 * stays the judge (its 400/422 `field`, "answers.<item>", is shown at the item too: `itemOfField`). Pure: no DOM.
 */
import type { Item } from '../api.ts';
import type { Answers } from './commands.ts';

/** What the page holds for one item: the chosen option(s) or the typed text, as given. */
export type Raw = string | readonly string[] | undefined;

/** The published wording of each fatigue level, from 1 up (docs/flow.md). */
export const FATIGUE_LEVELS: Readonly<Record<'samn-perelli' | 'kss', readonly string[]>> = {
  'samn-perelli': [
    'Fully alert, wide awake',
    'Very lively, responsive, but not at peak',
    'Okay, somewhat fresh',
    'A little tired, less than fresh',
    'Moderately tired, let down',
    'Extremely tired, very difficult to concentrate',
    'Completely exhausted, unable to function effectively'],
  kss: [
    'Extremely alert',
    'Very alert',
    'Alert',
    'Rather alert',
    'Neither alert nor sleepy',
    'Some signs of sleepiness',
    'Sleepy, but no effort to keep awake',
    'Sleepy, some effort to keep awake',
    'Very sleepy, great effort to keep awake, fighting sleep'],
};

/** The label of each Likert point: the anchors at the ends (or at every point), else the number alone. */
export function likertLabels(points: number, anchors: readonly string[]): string[] {
  const labels: string[] = [];
  for (let p = 1; p <= points; p++) {
    const anchor = anchors.length === points ? anchors[p - 1]
      : anchors.length === 2 && p === 1 ? anchors[0] : anchors.length === 2 && p === points ? anchors[1] : undefined;
    labels.push(anchor ? `${p} – ${anchor}` : String(p));
  }
  return labels;
}

/** A short hint under the item: what an answer must be. Null when the question says it all. */
export function itemHint(item: Item): string | null {
  switch (item.type) {
    case 'multiple-choice': {
      const min = item.min ?? null;
      const max = item.max ?? null;
      if (min !== null && max !== null) {
        return min === max ? `Choose ${min}.` : `Choose ${min} to ${max}.`;
      }
      return min !== null ? `Choose at least ${min}.` : max !== null ? `Choose at most ${max}.` : 'Choose any that apply.';
    }
    case 'number': {
      const kind = item.integer === false ? 'A number' : 'A whole number';
      const min = item.min ?? null;
      const max = item.max ?? null;
      return min !== null && max !== null ? `${kind} from ${min} to ${max}.`
        : min !== null ? `${kind} of at least ${min}.` : max !== null ? `${kind} of at most ${max}.` : `${kind}.`;
    }
    case 'text': return `At most ${item.maxLength} characters.`;
    default: return null;
  }
}

export interface Checked {
  /** The answers to send: unanswered optional items left out. */
  readonly answers: Answers;
  /** Item id to what is wrong with its answer, in words; empty when everything may be sent. */
  readonly problems: Readonly<Record<string, string>>;
}

/** Checks every item's raw answer and turns it into what the server takes. */
export function checkAnswers(items: readonly Item[], raw: Readonly<Record<string, Raw>>): Checked {
  const answers: Record<string, number | string | readonly string[]> = {};
  const problems: Record<string, string> = {};
  for (const item of items) {
    const result = checkItem(item, raw[item.id]);
    if (typeof result === 'object' && result !== null && 'problem' in result) {
      problems[item.id] = result.problem;
    } else if (result !== undefined) {
      answers[item.id] = result;
    }
  }
  return { answers, problems };
}

type ItemResult = number | string | readonly string[] | undefined | { readonly problem: string };

function checkItem(item: Item, raw: Raw): ItemResult {
  const text = typeof raw === 'string' ? raw : undefined;
  const empty = raw === undefined || (typeof raw === 'string' ? raw.trim() === '' : raw.length === 0);
  if (empty) {
    return item.required ? { problem: item.type === 'text' || item.type === 'number'
      ? 'Please answer this question.' : 'Please choose an answer.' } : undefined;
  }
  switch (item.type) {
    case 'likert':
    case 'fatigue': {
      const points = item.type === 'likert' ? item.points : FATIGUE_LEVELS[item.scale].length;
      const n = Number(text);
      return Number.isInteger(n) && n >= 1 && n <= points ? n : { problem: 'Please choose one of the points.' };
    }
    case 'single-choice':
    case 'attention-check':
      return text !== undefined && item.options.includes(text) ? text : { problem: 'Please choose one of the answers.' };
    case 'multiple-choice': {
      const chosen = typeof raw === 'string' ? [raw] : [...(raw ?? [])];
      if (chosen.some((c) => !item.options.includes(c))) {
        return { problem: 'Please choose among the answers given.' };
      }
      const min = item.min ?? null;
      const max = item.max ?? null;
      if (min !== null && chosen.length < min) {
        return { problem: `Please choose at least ${min}.` };
      }
      if (max !== null && chosen.length > max) {
        return { problem: `Please choose at most ${max}.` };
      }
      return chosen;
    }
    case 'number': {
      const trimmed = (text ?? '').trim();
      const n = Number(trimmed);
      if (trimmed === '' || !Number.isFinite(n)) {
        return { problem: 'Please enter a number.' };
      }
      if (item.integer !== false && !Number.isInteger(n)) {
        return { problem: 'Please enter a whole number.' };
      }
      const min = item.min ?? null;
      const max = item.max ?? null;
      if ((min !== null && n < min) || (max !== null && n > max)) {
        return { problem: min !== null && max !== null ? `Please enter a number from ${min} to ${max}.`
          : min !== null ? `Please enter at least ${min}.` : `Please enter at most ${max}.` };
      }
      return n;
    }
    case 'text': {
      const value = (text ?? '').trim();
      return [...value].length > item.maxLength
        ? { problem: `Please shorten this to ${item.maxLength} characters.` } : value;
    }
  }
}

/** The item a server's error `field` names ("answers.age", "answers.age.0"), or null. */
export function itemOfField(field: string | null, items: readonly Item[]): string | null {
  if (!field?.startsWith('answers.')) {
    return null;
  }
  const rest = field.slice('answers.'.length);
  const item = items.find((i) => rest === i.id || rest.startsWith(`${i.id}.`) || rest.startsWith(`${i.id}[`));
  return item ? item.id : null;
}
