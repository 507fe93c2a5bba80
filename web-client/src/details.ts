/**
 * One participant in detail: the Q-table rebuilt by replaying their events, the tracks so far with their
 * ratings, and the researchers' notes. The server refuses these routes to participants.
 */
import type { QTable, StoredEventView } from './api.ts';
import { pageTitle, type Desk } from './dashboard.ts';
import { h, replace } from './dom.ts';
import { describe, type Note } from './music.ts';
import { notesList } from './participant-actions.ts';
import { LivePlayer } from './player.ts';
import { participantPath } from './research-api.ts';

interface TrackRow {
  episode: number;
  step: number;
  notes: readonly Note[];
  edit: string | null;
  explored: boolean | null;
  rating: number | null;
  millisToRate: number | null;
}

const player = new LivePlayer();

export async function showDetails(desk: Desk, view: HTMLElement, studyId: string, id: string): Promise<void> {
  const [q, { events }] = await Promise.all([
    desk.api.get<QTable>(`${participantPath(id)}/q-table`),
    desk.api.get<{ events: StoredEventView[] }>(`${participantPath(id)}/events`)]);
  const tempo = tempoOf(events);
  const tracks = tracksOf(events);
  const values = [...q.values].sort((a, b) => a.state.localeCompare(b.state) || a.action.localeCompare(b.action));
  const back = `#study=${encodeURIComponent(studyId)}`;
  replace(view, h('section', { class: 'page desk details', 'aria-labelledby': 'page-title', id: 'detail' },
    h('p', { class: 'crumbs' }, h('a', { href: '#studies' }, 'Studies'), ' › ',
      h('a', { href: back }, `Study ${studyId}`)),
    pageTitle('Participant details'),
    desk.legacy ? null : h('p', {}, h('a', { href: `${back}&learning=${encodeURIComponent(id)}`, id: 'learning-link' },
      'How the ratings shaped the agent'), ': charts, every step, what moved each value, the Q-table at any point.'),
    h('h2', { id: 'detail-title' }, 'Participant ', h('code', {}, id)),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Phase'), h('dd', { id: 'detail-phase' }, q.phase),
      h('dt', {}, 'Events'), h('dd', {}, String(events.length)),
      h('dt', {}, 'Stream version'), h('dd', {}, String(q.version)),
      h('dt', {}, 'Tempo'), h('dd', {}, tempo ? `${tempo} BPM` : '–')),
    q.learning ? learningFacts(q.learning) : null,
    desk.legacy ? null : h('section', { 'aria-labelledby': 'notes-title' },
      h('h3', { id: 'notes-title' }, 'Notes'), notesList(desk, studyId, id)),
    h('section', { 'aria-labelledby': 'q-title' },
      h('h3', { id: 'q-title' }, 'Q-table, rebuilt by replay'),
      values.length === 0 ? h('p', {}, 'No Q-values yet: no track has been rated.') : qTable(q, values)),
    h('section', { 'aria-labelledby': 'tracks-title' },
      h('h3', { id: 'tracks-title' }, 'Tracks so far'),
      tracks.length === 0 ? h('p', {}, 'No tracks yet.') : trackTable(player, tracks, tempo))));
}

/** Whether the agent could learn at all: a revisit rate near zero means every state was new to it. */
function learningFacts(l: NonNullable<QTable['learning']>): HTMLElement {
  const percent = (share: number) => `${(share * 100).toFixed(1)} %`;
  const weights = l.weights ? Object.entries(l.weights) : [];
  return h('section', { 'aria-labelledby': 'learning-title', id: 'learning' },
    h('h3', { id: 'learning-title' }, 'How much the agent could learn'),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Updates'), h('dd', {}, String(l.updates)),
      h('dt', {}, 'State revisit rate'), h('dd', { id: 'revisit-rate' },
        `${percent(l.stateRevisitRate)} (${l.revisitedStates} of ${l.updates} updates met a state seen before)`),
      h('dt', {}, 'Q-table size'), h('dd', {}, String(l.qTableSize)),
      h('dt', {}, 'Greedy steps with a learnt value'), h('dd', { id: 'informed-share' },
        `${percent(l.informedGreedyShare)} (${l.informedGreedySteps} of ${l.greedySteps})`)),
    weights.length === 0 ? null : h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: 'weights' },
      h('caption', {}, 'Weights of the linear learner, by feature'),
      h('thead', {}, h('tr', {}, ['Feature', 'Weight'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, weights.map(([feature, w]) => h('tr', {},
        h('td', {}, h('code', {}, feature)), h('td', { class: 'num' }, w.toFixed(4))))))));
}

function qTable(q: QTable, values: QTable['values']): HTMLElement {
  const rows = values.map((v) => h('tr', {},
    h('td', {}, h('code', { class: 'state' }, v.state)),
    h('td', {}, h('code', {}, v.action)),
    h('td', { class: 'num' }, v.value.toFixed(4))));
  return h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: 'q-table' },
    h('caption', {}, `${q.entries} state–action values`),
    h('thead', {}, h('tr', {}, ['State', 'Action', 'Value'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, rows)));
}

function trackTable(player: LivePlayer, tracks: readonly TrackRow[], tempo: number | null): HTMLElement {
  const play = (t: TrackRow) => tempo === null ? '–' : h('button', {
    type: 'button', 'aria-label': `Play episode ${t.episode} step ${t.step}`,
    onclick: () => {
      player.unlock();
      void player.play({ tempo, notes: t.notes });
    },
  }, 'Play');
  const rows = tracks.map((t) => h('tr', { 'data-episode': t.episode, 'data-step': t.step },
    h('td', { class: 'num' }, String(t.episode)),
    h('td', { class: 'num' }, String(t.step)),
    h('td', {}, t.edit ? `${t.edit}${t.explored ? ' (explored)' : ''}` : '–'),
    h('td', { class: 'notes' }, describe(t.notes)),
    h('td', { class: 'num rating-cell' }, t.rating === null ? '–' : String(t.rating)),
    h('td', { class: 'num' }, t.millisToRate === null ? '–' : `${(t.millisToRate / 1000).toFixed(1)} s`),
    h('td', {}, play(t))));
  return h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: 'tracks' },
    h('caption', {}, `${tracks.length} tracks; step 0 is the episode's random start`),
    h('thead', {}, h('tr', {}, ['Episode', 'Step', 'Edit', 'Notes', 'Rating', 'Time to rate', 'Listen']
      .map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, rows)));
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : Number(v);
}

function tempoOf(events: readonly StoredEventView[]): number | null {
  const chosen = events.find((e) => e.type === 'StartParametersChosen');
  return chosen ? num(chosen.data.tempo) : null;
}

/** Every presented track in order (with the episode's start as step 0), joined with its edit and rating. */
export function tracksOf(events: readonly StoredEventView[]): TrackRow[] {
  const rows = new Map<string, TrackRow>();
  const row = (episode: number, step: number): TrackRow => {
    const key = `${episode}:${step}`;
    let r = rows.get(key);
    if (!r) {
      r = { episode, step, notes: [], edit: null, explored: null, rating: null, millisToRate: null };
      rows.set(key, r);
    }
    return r;
  };
  for (const e of events) {
    const d = e.data;
    switch (e.type) {
      case 'EpisodeStarted':
        row(num(d.episode), 0).notes = d.track as Note[];
        break;
      case 'ActionChosen': {
        const r = row(num(d.episode), num(d.step));
        r.edit = `${String(d.edit)}@${String(d.note)}`;
        r.explored = Boolean(d.explored);
        break;
      }
      case 'TrackPresented':
        row(num(d.episode), num(d.step)).notes = d.track as Note[];
        break;
      case 'TrackRated': {
        const r = row(num(d.episode), num(d.step));
        r.rating = num(d.rating);
        r.millisToRate = d.millisToRate === undefined || d.millisToRate === null ? null : num(d.millisToRate);
        break;
      }
      default:
        break;
    }
  }
  return [...rows.values()];
}
