/**
 * The listening check: first the playback setup is recorded (browser family, sample rate, output latency, device
 * type; setup.ts), then, when the block asks for it, the headphone check's trials: three tones per trial, and
 * the participant says which one was quietest. Over loudspeakers the antiphase tone sounds quietest, so the
 * check fails there. The server holds the right answers; the page only plays the layout it is given.
 */
import type { Session } from '../../api.ts';
import { h, paragraphs } from '../../dom.ts';
import { alert } from '../../status.ts';
import { describeSetup, setupAnswer, type BrowserFacts } from '../setup.ts';
import { pageSection, type Page, type PageContext } from '../page.ts';

/** What this browser tells about itself and its audio. */
function browserFacts(context: PageContext): BrowserFacts {
  const nav = navigator as Navigator & { userAgentData?: { brands?: { brand: string; version: string }[] } };
  const media = (q: string) => typeof matchMedia === 'function' && matchMedia(q).matches;
  return {
    ...(nav.userAgentData?.brands ? { brands: nav.userAgentData.brands } : {}),
    userAgent: nav.userAgent,
    coarsePointer: media('(pointer: coarse)'),
    finePointer: media('(pointer: fine)') || media('(any-pointer: fine)'),
    screenShort: Math.min(screen.width, screen.height),
    screenLong: Math.max(screen.width, screen.height),
    touchPoints: nav.maxTouchPoints ?? 0,
    ...context.player.audioFacts(),
  };
}

export function checkPage(session: Session, context: PageContext): Page {
  const block = session.block;
  const check = block?.headphoneCheck ?? null;
  if (!block?.setupRecorded || !check) {
    return setupPart(session, context);
  }
  return trialPart(session, context);
}

function setupPart(session: Session, context: PageContext): Page {
  const block = session.block;
  const element = pageSection('check', 'Your listening setup',
    paragraphs(block?.text ?? 'Please put on headphones and set a comfortable volume.'),
    h('p', {}, 'To describe the sound you hear, the study records your browser, your device type and your audio '
      + 'settings (not who you are).'),
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', id: 'record-setup', onclick: () => {
      context.player.unlock();
      const setup = setupAnswer(block?.id ?? '', browserFacts(context));
      element.dataset.setup = describeSetup(setup);
      context.send({ action: 'setup', body: setup });
    } }, block?.headphoneCheck ? 'Start the sound check' : 'Continue')));
  return { element, title: 'Listening setup' };
}

function trialPart(session: Session, context: PageContext): Page {
  const block = session.block!;
  const check = block.headphoneCheck!;
  const legendId = 'trial-legend';
  let heard = false;
  const choices = [1, 2, 3].map((n) => h('button', { type: 'button', class: 'rating', 'data-answer': n,
    'aria-disabled': 'true', 'aria-describedby': 'trial-hint', onclick: () => answer(n) }, `Sound ${n}`));
  const hint = h('p', { class: 'hint', id: 'trial-hint' }, 'Play the sounds first.');
  const play = h('button', { type: 'button', class: 'primary', id: 'play-tones', onclick: () => void playTones() },
    'Play the three sounds');
  const element = pageSection('check', `Sound check ${Math.min(check.trial, check.trials)} of ${check.trials}`,
    h('p', {}, 'You will hear three tones, one after another. Which one was the quietest?'),
    h('div', { class: 'player' }, play),
    h('fieldset', { class: 'ratings' }, h('legend', { id: legendId }, 'The quietest sound was'),
      h('div', { class: 'rating-buttons', role: 'group', 'aria-labelledby': legendId }, choices), hint));
  element.dataset.trial = String(check.trial);

  async function playTones(): Promise<void> {
    if (play.getAttribute('aria-disabled') === 'true') {
      return; // the sounds are playing
    }
    context.player.unlock();
    play.setAttribute('aria-disabled', 'true');
    const played = await context.player.playTones(check.layout);
    play.removeAttribute('aria-disabled');
    if (!played) {
      alert('This browser did not start the sound. Check that the tab is not muted, then press Play once more.');
      return;
    }
    heard = true;
    play.textContent = 'Play them again';
    hint.textContent = 'Choose the sound that was quietest.';
    for (const c of choices) {
      c.setAttribute('aria-disabled', 'false');
    }
  }

  function answer(n: number): void {
    if (!heard || context.waiting()) {
      return;
    }
    context.send({ action: 'headphone-trials', body: { block: block.id, trial: check.trial, answer: n } });
  }

  return { element, title: 'Sound check' };
}
