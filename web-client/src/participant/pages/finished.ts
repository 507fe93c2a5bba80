/**
 * The end of training: the completion code (and the way back to a recruitment site) when the study has one,
 * the agent's own composition to play, and a MIDI download.
 */
import { ApiError, NetworkError, type Session } from '../../api.ts';
import { completionBlock } from '../../completion.ts';
import { confirmed } from '../../dialog.ts';
import { h, saveBlob } from '../../dom.ts';
import { describe } from '../../music.ts';
import { alert, status } from '../../status.ts';
import { pageSection, type Page, type PageContext } from '../page.ts';

export function finishedPage(session: Session, context: PageContext): Page {
  const { player } = context;
  const composition = session.composition;
  const playIt = async (byUser: boolean) => {
    if (!composition) {
      return;
    }
    const started = await player.play({ tempo: composition.tempo, notes: composition.notes });
    hint.hidden = started;
    if (!started && byUser) {
      alert('This browser did not start the sound. Check that the tab is not muted, then press Play once more.');
    }
  };
  const download = async () => {
    status('Preparing the MIDI file…', 'saving');
    try {
      const blob = await context.api.blob(`/api/participants/${context.participantId}/composition.mid`);
      saveBlob(new Blob([blob], { type: 'audio/midi' }), 'tuneloop-composition.mid');
      status('The MIDI file tuneloop-composition.mid was downloaded.', 'info');
    } catch (e) {
      status(e instanceof NetworkError ? 'The download failed: the study server cannot be reached. Please try again.'
        : `The download failed: ${e instanceof ApiError ? e.detail : String(e)}`, 'info');
    }
  };
  const withdrawData = async () => {
    if (context.waiting()) {
      return;
    }
    if (await confirmed('Withdraw your data?',
      'Your ratings and answers will not be used in the study, and your written answers are deleted. '
        + 'You cannot undo this.', 'Withdraw my data', true, 'Keep my data')) {
      context.send({ action: 'withdraw', body: null });
    }
  };
  const hint = h('p', { class: 'audio-hint', id: 'audio-hint', hidden: true },
    'Press Play', h('span', { class: 'key-hint' }, ' (or the Space key)'), ' to listen.');
  const element = pageSection('finished', 'Thank you — training is finished',
    session.completion ? completionBlock(session.completion) : null,
    h('p', {}, 'Your agent composed this track with what it learned from your ratings.'),
    h('div', { class: 'player' },
      h('button', { type: 'button', class: 'primary', id: 'play', 'aria-keyshortcuts': 'Space P',
        onclick: () => { player.unlock(); void playIt(true); } }, 'Play the composition'),
      h('button', { type: 'button', id: 'download', onclick: () => void download() }, 'Download as MIDI file')),
    hint,
    composition ? h('details', {}, h('summary', {}, 'The notes'),
      h('p', { class: 'notes' }, describe(composition.notes)),
      h('p', { class: 'meta' }, `Tempo ${composition.tempo} BPM; edits: ${composition.actions.join(', ') || 'none'}`))
      : null,
    h('p', {}, 'You can close this page now.'),
    session.canWithdrawData ? h('div', { class: 'withdraw-data' },
      h('h2', {}, 'Changed your mind?'),
      h('p', { id: 'withdraw-data-hint' }, 'You can still withdraw your data: it will not be used in the study, '
        + 'and your written answers are deleted.'),
      h('button', { type: 'button', id: 'withdraw-data', 'aria-describedby': 'withdraw-data-hint',
        onclick: () => void withdrawData() }, 'Withdraw my data')) : null);
  element.dataset.playing = 'false';
  player.onStatus = (s) => { element.dataset.playing = String(s.playing); };
  return {
    element,
    title: 'Finished',
    key(action, event) {
      if (action.kind === 'play') {
        event.preventDefault();
        player.unlock();
        void playIt(true);
      }
    },
    leave() {
      player.onStatus = null;
    },
  };
}
