/**
 * The live monitor: the study's participants from GET /monitor, kept current by the server's event stream
 * (`row` replaces or adds one participant, `counts` the counts). Filtered, sorted and shown 50 at a time;
 * the logic is in monitor-model.ts. Tokens never reach this table.
 */
import { ApiError, type Session } from './api.ts';
import type { Desk } from './dashboard.ts';
import { h, replace } from './dom.ts';
import {
  choices, countsOf, filterRows, mergeRow, pageOf, participantName, since, sortRows, toggleSort,
  type Counts, type Filter, type MonitorRow, type Sort, type SortKey,
} from './monitor-model.ts';
import { rowActions } from './participant-actions.ts';
import { participantPath, studyPath, when, type Monitor, type StudySummary } from './research-api.ts';

const PAGE_SIZE = 50;

const COLUMNS: readonly { key: SortKey | null; title: string }[] = [
  { key: 'participant', title: 'Participant' }, { key: 'arm', title: 'Arm' }, { key: 'phase', title: 'Phase' },
  { key: 'progress', title: 'Episode / step' }, { key: 'lastRating', title: 'Last rating' },
  { key: 'lastActionAt', title: 'Since last action' }, { key: 'startedAt', title: 'Started' },
  { key: null, title: 'Flags' }, { key: null, title: 'Actions' },
];

export class LiveMonitor {
  private rows: MonitorRow[] = [];
  private counts: Counts | null = null;
  private sort: Sort = { key: 'startedAt', direction: 'descending' };
  private filter: Filter = { arm: '', phase: '', text: '' };
  private page = 1;
  private source: EventSource | null = null;
  private clock = 0;
  private redraw = 0;
  private stopped = false;
  private readonly liveState = h('p', { id: 'live-state', class: 'live-state', 'aria-live': 'polite' });
  private readonly countsBox = h('div', { id: 'monitor-counts', class: 'counts' });
  private readonly armSelect = h('select', { id: 'filter-arm' });
  private readonly phaseSelect = h('select', { id: 'filter-phase' });
  private readonly table = h('table', { class: 'data', id: 'monitor-table' });
  private readonly pager = h('nav', { class: 'pager', 'aria-label': 'Pages of participants' });

  constructor(private readonly desk: Desk, private readonly box: HTMLElement, private readonly study: StudySummary) {}

  async start(): Promise<void> {
    const text = h('input', { type: 'search', id: 'filter-text', autocomplete: 'off' });
    this.armSelect.addEventListener('change', () => this.setFilter({ arm: this.armSelect.value }));
    this.phaseSelect.addEventListener('change', () => this.setFilter({ phase: this.phaseSelect.value }));
    text.addEventListener('input', () => this.setFilter({ text: text.value }));
    replace(this.box,
      h('h2', { id: 'monitor-title' }, 'Participants'),
      this.liveState, this.countsBox,
      h('div', { class: 'filters', role: 'group', 'aria-label': 'Filter participants' },
        h('div', { class: 'field' }, h('label', { for: 'filter-arm' }, 'Arm'), this.armSelect),
        h('div', { class: 'field' }, h('label', { for: 'filter-phase' }, 'Phase'), this.phaseSelect),
        h('div', { class: 'field' }, h('label', { for: 'filter-text' }, 'Label or id'), text)),
      h('div', { class: 'table-wrap' }, this.table), this.pager);
    await this.load();
    if (this.desk.api.usesCookie) {
      this.connect();
    } else {
      this.setLive('This view is not live here (no browser session): reload the page to see changes.', 'off');
    }
    this.clock = window.setInterval(() => this.tick(), 1000);
    this.desk.onLeave(() => this.stop());
  }

  stop(): void {
    this.stopped = true;
    this.source?.close();
    clearInterval(this.clock);
  }

  private async load(): Promise<void> {
    try {
      const monitor = await this.desk.api.get<Monitor>(`${studyPath(this.study.id)}/monitor`);
      this.rows = monitor.participants;
      this.counts = monitor.counts;
    } catch (e) {
      if (!(this.desk.legacy && e instanceof ApiError && e.status === 404)) {
        throw e;
      }
      this.rows = await legacyRows(this.desk, this.study.id);
      this.counts = null;
    }
    this.draw();
  }

  /** The stream reconnects by itself after a drop; a refusal closes it, so then we start a new one. */
  private connect(): void {
    const source = new EventSource(`${studyPath(this.study.id)}/monitor/stream`);
    this.source = source;
    let dropped = false;
    source.addEventListener('open', () => {
      this.setLive('Live: changes appear as they happen.', 'live');
      if (dropped) {
        dropped = false;
        void this.load().catch(() => undefined); // catch up on what changed while away
      }
    });
    source.addEventListener('error', () => {
      dropped = true;
      this.setLive('Reconnecting… the table may be behind until the connection is back.', 'reconnecting');
      if (source.readyState === EventSource.CLOSED && !this.stopped) {
        setTimeout(() => { if (!this.stopped) this.connect(); }, 5000);
      }
    });
    source.addEventListener('row', (e) => {
      this.rows = mergeRow(this.rows, JSON.parse((e as MessageEvent<string>).data) as MonitorRow);
      this.schedule();
    });
    source.addEventListener('counts', (e) => {
      this.counts = JSON.parse((e as MessageEvent<string>).data) as Counts;
      this.schedule();
    });
  }

  private setLive(text: string, state: string): void {
    if (this.liveState.dataset.state !== state) {
      this.liveState.dataset.state = state;
      replace(this.liveState, text);
    }
  }

  /** Many updates in a burst draw once. */
  private schedule(): void {
    if (!this.redraw) {
      this.redraw = requestAnimationFrame(() => {
        this.redraw = 0;
        this.draw();
      });
    }
  }

  /** Also called by the row actions, with the row the server answered. */
  update(row: MonitorRow): void {
    this.rows = mergeRow(this.rows, row);
    this.draw();
  }

  private setFilter(change: Partial<Filter>): void {
    this.filter = { ...this.filter, ...change };
    this.page = 1;
    this.draw();
  }

  private draw(): void {
    const counts = this.counts ?? countsOf(this.rows);
    this.drawCounts(counts);
    fillSelect(this.armSelect, 'All arms', choices(counts.arms, this.rows, (r) => r.arm), this.filter.arm);
    fillSelect(this.phaseSelect, 'All phases', choices(counts.phases, this.rows, (r) => r.phase), this.filter.phase);
    const shown = sortRows(filterRows(this.rows, this.filter), this.sort);
    const page = pageOf(shown, this.page, PAGE_SIZE);
    this.page = page.page;
    // Keep the focus on the same control when the rows are drawn anew under it.
    const focused = document.activeElement as HTMLElement | null;
    const focusKey = focused && this.table.contains(focused) ? focused.dataset.focusKey : undefined;
    const now = Date.now();
    replace(this.table,
      h('caption', {}, `${this.rows.length} participants; ${page.total === this.rows.length ? 'all' : page.total} shown`
        + (page.total ? `, ${page.first} to ${page.last} on this page` : '')),
      h('thead', {}, h('tr', {}, COLUMNS.map((c) => this.header(c.key, c.title)))),
      h('tbody', {}, page.rows.length === 0
        ? h('tr', {}, h('td', { colspan: COLUMNS.length }, this.rows.length ? 'No participant matches the filters.'
          : 'No participants yet.'))
        : page.rows.map((r) => this.row(r, now))));
    if (focusKey) {
      this.table.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(focusKey)}"]`)?.focus();
    }
    this.drawPager(page.page, page.pages);
  }

  private drawCounts(counts: Counts): void {
    const list = (title: string, of: Readonly<Record<string, number>>) => h('div', {},
      h('h3', {}, title),
      h('ul', { class: 'count-list' }, Object.keys(of).length === 0 ? h('li', {}, 'none yet')
        : Object.entries(of).sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true }))
          .map(([k, n]) => h('li', { 'data-count': k }, h('span', {}, k), ' ', h('strong', {}, String(n))))));
    replace(this.countsBox, list('Per arm', counts.arms), list('Per phase', counts.phases));
  }

  private header(key: SortKey | null, title: string): HTMLElement {
    if (!key) {
      return h('th', { scope: 'col' }, title);
    }
    const current = this.sort.key === key ? this.sort.direction : null;
    return h('th', { scope: 'col', 'aria-sort': current ?? 'none' },
      h('button', { type: 'button', class: 'sort', 'data-focus-key': `sort:${key}`,
        onclick: () => { this.sort = toggleSort(this.sort, key); this.draw(); } },
      title, h('span', { 'aria-hidden': 'true' }, current === 'ascending' ? ' ▲' : current === 'descending' ? ' ▼' : '')));
  }

  private row(r: MonitorRow, now: number): HTMLElement {
    const name = participantName(r);
    return h('tr', { 'data-participant': r.id, 'data-phase': r.phase },
      h('th', { scope: 'row' }, r.label ?? h('code', { title: 'Short pseudonymous id' }, name)),
      h('td', {}, r.arm),
      h('td', { class: 'phase' }, r.phase),
      h('td', { class: 'num progress-cell' }, `${r.episode} / ${r.step}`),
      h('td', { class: 'num' }, r.lastRating === null ? '–' : String(r.lastRating)),
      h('td', { class: 'num since', 'data-at': r.lastActionAt ?? '' }, since(r.lastActionAt, now)),
      h('td', {}, r.startedAt ? when(r.startedAt) : '–'),
      h('td', { class: 'flags' }, r.flags.map((f) => h('span', { class: `badge flag-${f}` }, f))),
      h('td', { class: 'row-actions' },
        h('a', { href: `#study=${encodeURIComponent(this.study.id)}&details=${encodeURIComponent(r.id)}`,
          'aria-label': `Details of ${name}` }, 'Details'),
        ' ',
        this.desk.legacy ? null : h('a', {
          href: `#study=${encodeURIComponent(this.study.id)}&learning=${encodeURIComponent(r.id)}`,
          'aria-label': `Learning of ${name}` }, 'Learning'),
        this.desk.legacy ? null : h('button', { type: 'button', 'data-focus-key': `actions:${r.id}`,
          'aria-label': `Actions for ${name}`,
          onclick: () => void rowActions(this.desk, this.study.id, r, (row) => this.update(row)) },
        'Actions…')));
  }

  private drawPager(page: number, pages: number): void {
    const go = (to: number, text: string, label: string, enabled: boolean) => h('button', {
      type: 'button', disabled: !enabled, 'aria-label': label, 'data-focus-key': `page:${text}`,
      onclick: () => { this.page = to; this.draw(); } }, text);
    replace(this.pager, pages <= 1 ? null : [
      go(1, '« First', 'First page', page > 1), go(page - 1, '‹ Previous', 'Previous page', page > 1),
      h('span', { class: 'page-of', 'aria-current': 'page' }, `Page ${page} of ${pages}`),
      go(page + 1, 'Next ›', 'Next page', page < pages), go(pages, 'Last »', 'Last page', page < pages)]);
  }

  /** "Since last action" goes on counting between updates. */
  private tick(): void {
    const now = Date.now();
    for (const cell of this.table.querySelectorAll<HTMLElement>('td.since')) {
      cell.textContent = since(cell.dataset.at || null, now);
    }
  }
}

function fillSelect(select: HTMLSelectElement, all: string, values: readonly string[], chosen: string): void {
  const wanted = ['', ...values];
  if ([...select.options].map((o) => o.value).join('\n') !== wanted.join('\n')) {
    replace(select, wanted.map((v) => h('option', { value: v }, v === '' ? all : v)));
  }
  select.value = chosen;
}

/** An older server has no monitor: rows from the participant list and each session. */
async function legacyRows(desk: Desk, studyId: string): Promise<MonitorRow[]> {
  const { participants } = await desk.api.get<{ participants: string[] }>(`${studyPath(studyId)}/participants`);
  const sessions = await Promise.all(participants.map((id) =>
    desk.api.get<Session>(participantPath(id)).catch(() => null)));
  return participants.map((id, i) => {
    const s = sessions[i];
    return { id, label: null, arm: '–', phase: s?.phase ?? '?', episode: s?.progress?.episode ?? 0,
      step: s?.progress?.step ?? 0, lastRating: null, lastActionAt: null, startedAt: null, flags: [] };
  });
}

export async function showMonitor(desk: Desk, box: HTMLElement, study: StudySummary): Promise<LiveMonitor> {
  const monitor = new LiveMonitor(desk, box, study);
  await monitor.start();
  return monitor;
}
