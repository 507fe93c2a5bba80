/**
 * The researcher's page: the studies and their participants, and for one participant the Q-table rebuilt by
 * replaying their events and the tracks so far with their ratings. Needs a researcher token; the server
 * refuses these routes to participants, and a participant token never reaches this page.
 */
import { Api, ApiError, type Caller, type QTable, type Session, type StoredEventView } from './api.ts';
import { byId, h, replace } from './dom.ts';
import { describe, type Note } from './music.ts';
import { LivePlayer } from './player.ts';
import { alert, status } from './status.ts';

interface TrackRow {
  episode: number;
  step: number;
  notes: readonly Note[];
  edit: string | null;
  explored: boolean | null;
  rating: number | null;
  millisToRate: number | null;
}

export class ResearcherApp {
  private readonly player = new LivePlayer();
  private selected: string | null = null;

  constructor(private readonly api: Api, private readonly caller: Caller) {}

  async start(): Promise<void> {
    document.title = 'Researcher – Tuneloop';
    document.body.classList.add('researcher');
    const studies = await this.api.get<{ studies: string[] }>('/api/studies');
    const ids = this.caller.studyId ? studies.studies.filter((s) => s === this.caller.studyId) : studies.studies;
    const select = h('select', { id: 'study', onchange: () => void this.showStudy(select.value) },
      ids.map((id) => h('option', { value: id }, id)));
    replace(byId('view'), h('section', { class: 'page researcher', 'aria-labelledby': 'page-title' },
      h('h1', { id: 'page-title', tabindex: -1 }, 'Researcher view'),
      h('p', { class: 'meta' }, 'Participants never see this page. Values are rebuilt from the event log on each load.'),
      h('div', { class: 'field inline' }, h('label', { for: 'study' }, 'Study'), select,
        h('button', { type: 'button', id: 'refresh', onclick: () => void this.showStudy(select.value) }, 'Refresh')),
      h('section', { 'aria-labelledby': 'participants-title' },
        h('h2', { id: 'participants-title' }, 'Participants'),
        h('div', { id: 'participants', class: 'table-wrap' })),
      h('section', { id: 'detail', 'aria-live': 'polite', 'aria-labelledby': 'detail-title' })));
    byId('page-title').focus();
    if (ids.length > 0) {
      await this.showStudy(ids[0]);
    } else {
      replace(byId('participants'), h('p', {}, 'There are no studies on this server yet.'));
    }
  }

  private async showStudy(studyId: string): Promise<void> {
    const list = await this.api.get<{ participants: string[] }>(`/api/studies/${encodeURIComponent(studyId)}/participants`);
    const sessions = await Promise.all(list.participants.map((id) =>
      this.api.get<Session>(`/api/participants/${id}`).catch(() => null)));
    const rows = list.participants.map((id, i) => {
      const s = sessions[i];
      const progress = s?.progress
        ? `${s.progress.completedEpisodes} of ${s.progress.minEpisodes} episodes done`
          + (s.phase === 'training' ? `; episode ${s.progress.episode}, step ${s.progress.step}` : '')
        : '';
      return h('tr', { 'data-participant': id },
        h('td', {}, String(i + 1)),
        h('td', {}, h('code', {}, id)),
        h('td', {}, s?.phase ?? '?'),
        h('td', {}, progress),
        h('td', {}, h('button', { type: 'button', 'aria-controls': 'detail',
          'aria-label': `Show participant ${i + 1}`, onclick: () => void this.showParticipant(id) }, 'Show')));
    });
    replace(byId('participants'), rows.length === 0 ? h('p', {}, 'No participants yet.')
      : h('table', { class: 'data' },
        h('caption', {}, `${rows.length} participant${rows.length === 1 ? '' : 's'} in ${studyId}, in enrolment order`),
        h('thead', {}, h('tr', {}, ['#', 'Participant', 'Phase', 'Progress', ''].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, rows)));
    const first = this.selected && list.participants.includes(this.selected) ? this.selected : list.participants[0];
    if (first) {
      await this.showParticipant(first);
    }
  }

  private async showParticipant(id: string): Promise<void> {
    this.selected = id;
    status('Loading…', 'saving');
    let q: QTable;
    let events: StoredEventView[];
    try {
      [q, { events }] = await Promise.all([
        this.api.get<QTable>(`/api/participants/${id}/q-table`),
        this.api.get<{ events: StoredEventView[] }>(`/api/participants/${id}/events`)]);
    } catch (e) {
      status('', 'idle');
      alert(e instanceof ApiError ? e.detail : String(e));
      return;
    }
    status(`Participant ${id} loaded.`, 'info');
    const tempo = tempoOf(events);
    const tracks = tracksOf(events);
    const values = [...q.values].sort((a, b) => a.state.localeCompare(b.state) || a.action.localeCompare(b.action));
    for (const row of document.querySelectorAll('#participants tr[data-participant]')) {
      row.classList.toggle('selected', (row as HTMLElement).dataset.participant === id);
    }
    replace(byId('detail'),
      h('h2', { id: 'detail-title' }, 'Participant ', h('code', {}, id)),
      h('dl', { class: 'facts' },
        h('dt', {}, 'Phase'), h('dd', { id: 'detail-phase' }, q.phase),
        h('dt', {}, 'Events'), h('dd', {}, String(events.length)),
        h('dt', {}, 'Stream version'), h('dd', {}, String(q.version)),
        h('dt', {}, 'Tempo'), h('dd', {}, tempo ? `${tempo} BPM` : '–')),
      h('section', { 'aria-labelledby': 'q-title' },
        h('h3', { id: 'q-title' }, 'Q-table, rebuilt by replay'),
        values.length === 0 ? h('p', {}, 'No Q-values yet: no track has been rated.') : this.qTable(q, values)),
      h('section', { 'aria-labelledby': 'tracks-title' },
        h('h3', { id: 'tracks-title' }, 'Tracks so far'),
        tracks.length === 0 ? h('p', {}, 'No tracks yet.') : this.trackTable(tracks, tempo)));
  }

  private qTable(q: QTable, values: QTable['values']): HTMLElement {
    const rows = values.map((v) => h('tr', {},
      h('td', {}, h('code', { class: 'state' }, v.state)),
      h('td', {}, h('code', {}, v.action)),
      h('td', { class: 'num' }, v.value.toFixed(4))));
    return h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: 'q-table' },
      h('caption', {}, `${q.entries} state–action values`),
      h('thead', {}, h('tr', {}, ['State', 'Action', 'Value'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rows)));
  }

  private trackTable(tracks: readonly TrackRow[], tempo: number | null): HTMLElement {
    const play = (t: TrackRow) => tempo === null ? '–' : h('button', {
      type: 'button', 'aria-label': `Play episode ${t.episode} step ${t.step}`,
      onclick: () => {
        this.player.unlock();
        void this.player.play({ tempo, notes: t.notes });
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
