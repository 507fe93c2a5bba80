/** After the required episodes: one more episode, or finish (the agent then composes its own track). */
import type { Session } from '../../api.ts';
import { h } from '../../dom.ts';
import { pageSection, type Page, type PageContext } from '../page.ts';

export function betweenPage(session: Session, context: PageContext): Page {
  const p = session.progress;
  const go = (action: 'episodes' | 'finish') => {
    context.player.unlock();
    context.send({ action, body: null });
  };
  const element = pageSection('between', `You have finished ${p?.completedEpisodes ?? 0} episodes`,
    h('p', {}, session.canFinish
      ? 'That is all the study asks for. You can train your agent for another episode, or finish: the agent then '
        + 'composes a track of its own from what it has learned.'
      : `The study asks for at least ${p?.minEpisodes ?? '?'} episodes. Please continue.`),
    h('div', { class: 'actions' },
      h('button', { type: 'button', id: 'another', class: session.canFinish ? '' : 'primary',
        onclick: () => go('episodes') }, 'Another episode'),
      h('button', { type: 'button', id: 'finish', class: 'primary', disabled: !session.canFinish,
        onclick: () => go('finish') }, 'Finish training')));
  return { element, title: 'Episode done' };
}
