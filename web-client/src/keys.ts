/** The training page's keys: 1-9 rate 1-9, 0 rates 10, Space or P plays the track (again). */

export type KeyAction = { readonly kind: 'rate'; readonly rating: number } | { readonly kind: 'play' };

export interface KeyLike {
  readonly key: string;
  readonly altKey?: boolean;
  readonly ctrlKey?: boolean;
  readonly metaKey?: boolean;
  readonly repeat?: boolean;
}

/** What a key press means on the training page, or null when it means nothing there. */
export function keyAction(event: KeyLike): KeyAction | null {
  if (event.altKey || event.ctrlKey || event.metaKey || event.repeat) {
    return null;
  }
  const key = event.key;
  if (key.length === 1 && key >= '1' && key <= '9') {
    return { kind: 'rate', rating: Number(key) };
  }
  if (key === '0') {
    return { kind: 'rate', rating: 10 };
  }
  if (key === ' ' || key === 'Spacebar' || key === 'p' || key === 'P') {
    return { kind: 'play' };
  }
  return null;
}

/** The key that gives a rating, as shown on its button. */
export function keyFor(rating: number): string {
  return rating === 10 ? '0' : String(rating);
}
