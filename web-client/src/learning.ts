/**
 * How one participant's ratings shaped the agent: the diagnostics in plain words, four charts (ratings across
 * episodes, explore versus exploit, the edits chosen, the Q-table's growth), every rated step in a paged timeline,
 * what moved a state-action's value (provenance) and the Q-table with its greedy policy as of any point of the log.
 * Opened at #study=<id>&learning=<participantId>; the numbers come from GET /api/participants/:id/learning,
 * /provenance and /q-table?at=, the sentences and tables from learning-model.ts.
 */
import type { QTable } from './api.ts';
import { actionsChart, dataTable, exploreChart, growthChart, trajectoryChart, type Figure } from './charts.ts';
import { pageTitle, words, type Desk } from './dashboard.ts';
import { h, replace } from './dom.ts';
import {
  actionBars, diagnosticsTable, exploreExploit, fixed, flagTexts, growth, notJudgedYet, policyTable, positionAfterStep, provenanceView, stepAt,
  stepLabel, timelineRow, trajectory, type TimelineRow,
} from './learning-model.ts';
import { pageOf } from './monitor-model.ts';
import { LivePlayer } from './player.ts';
import { participantPath, type LearningStep, type ParticipantLearning, type Provenance } from './research-api.ts';

const STEPS_PER_PAGE = 50;
const VALUES_PER_PAGE = 50;

const player = new LivePlayer();

export async function showLearning(desk: Desk, view: HTMLElement, studyId: string, id: string): Promise<void> {
  const learning = await desk.api.get<ParticipantLearning>(`${participantPath(id)}/learning`);
  const back = `#study=${encodeURIComponent(studyId)}`;
  const figures: Figure[] = [
    trajectoryChart(trajectory(learning.episodes, learning.steps)),
    exploreChart(exploreExploit(learning.episodes)),
    actionsChart(actionBars(learning.actions)),
    growthChart(growth(learning.steps)),
  ];
  const provenance = h('section', { id: 'provenance', 'aria-labelledby': 'provenance-title', class: 'panel' },
    h('h2', { id: 'provenance-title', tabindex: -1 }, 'What moved a value'),
    h('p', { class: 'hint' }, 'Choose "What moved it" on a step of the timeline or a value of the Q-table to see '
      + 'the ratings that changed that value, and by how much.'));
  const showProvenance = (state: string, action: string) => void loadProvenance(desk, id, provenance, state, action);
  replace(view, h('section', { class: 'page desk learning', 'aria-labelledby': 'page-title', 'data-participant': id },
    h('p', { class: 'crumbs' }, h('a', { href: '#studies' }, 'Studies'), ' › ',
      h('a', { href: back }, `Study ${studyId}`), ' › ',
      h('a', { href: `${back}&details=${encodeURIComponent(id)}` }, 'Participant details')),
    pageTitle('How the ratings shaped the agent'),
    h('p', { class: 'meta' }, 'Participant ', h('code', {}, id), ` · arm ${learning.arm} · ${learning.phase} · `,
      `${learning.steps.length} rated steps in ${learning.episodes.length} episodes`),
    diagnosticsSection(learning),
    h('section', { 'aria-labelledby': 'charts-title' },
      h('h2', { id: 'charts-title' }, 'Over the episodes'),
      h('div', { class: 'charts' }, figures.map((f) => f.element))),
    timelineSection(learning.steps, showProvenance),
    provenance,
    pointInTimeSection(desk, id, learning.steps, showProvenance)));
  for (const f of figures) {
    desk.onLeave(f.draw());
  }
  desk.onLeave(() => player.stop());
}

function diagnosticsSection(learning: ParticipantLearning): HTMLElement {
  const flags = flagTexts(learning.diagnostics);
  const notYet = notJudgedYet(learning.diagnostics);
  return h('section', { id: 'diagnostics', 'aria-labelledby': 'diagnostics-title',
    class: flags.length ? 'panel warning-panel' : 'panel' },
  h('h2', { id: 'diagnostics-title' }, flags.length > 0
    ? `${flags.length} warning ${flags.length === 1 ? 'sign' : 'signs'}`
    : notYet ? 'Warning signs: not judged yet' : 'No warning signs'),
  flags.length > 0
    ? h('ul', { class: 'flags-list' }, flags.map((f) => h('li', { 'data-flag': f.kind },
      h('strong', {}, `${f.title}. `), f.message, f.meaning ? h('span', { class: 'meta' }, ` ${f.meaning}`) : null)))
    : h('p', {}, notYet ?? 'The agent\'s corrections shrink, its choices are not stuck on one edit, it meets states '
      + 'again, and the ratings do not fall, as far as the protocol\'s thresholds tell.'),
  h('details', { class: 'chart-data' }, h('summary', {}, 'Show the figures'),
    dataTable(diagnosticsTable(learning.diagnostics), 'diagnostics-table')));
}

/** The button that opens the provenance of a state-action. */
function provenanceButton(credited: { state: string; action: string }, label: string,
                          open: (state: string, action: string) => void): HTMLButtonElement {
  return h('button', { type: 'button', class: 'small', 'aria-label': `What moved it: ${label}`,
    onclick: () => open(credited.state, credited.action) }, 'What moved it');
}

function timelineSection(steps: readonly LearningStep[], open: (state: string, action: string) => void): HTMLElement {
  const rows = steps.map((s) => ({ step: s, row: timelineRow(s) }));
  const table = h('table', { class: 'data', id: 'timeline' });
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages of steps' });
  let page = 1;
  const play = (s: LearningStep) => {
    const tempo = s.tempo ?? s.track?.tempo ?? null;
    return s.track && tempo ? h('button', { type: 'button', class: 'small', 'aria-label': `Play step ${stepLabel(s)}`,
      onclick: () => {
        player.unlock();
        void player.play({ tempo, notes: s.track!.notes });
      } }, 'Play') : '–';
  };
  const line = ({ step, row }: { step: LearningStep; row: TimelineRow }) => h('tr', {
    'data-position': row.position, 'data-episode': row.episode, 'data-step': row.step },
  h('th', { scope: 'row' }, row.key),
  h('td', {}, play(step)),
  h('td', {}, row.action),
  h('td', { class: 'choice' }, row.choice),
  h('td', { class: 'num rating-cell' }, row.rating),
  h('td', { class: 'num' }, row.timeToRate),
  h('td', { class: 'num q-cell' }, row.q),
  h('td', {}, row.credited ? provenanceButton(row.credited, `the value credited at step ${row.key}`, open) : '–'));
  const draw = () => {
    const shown = pageOf(rows, page, STEPS_PER_PAGE);
    page = shown.page;
    replace(table,
      h('caption', {}, rows.length === 0 ? 'No rated step yet'
        : `Steps ${shown.first} to ${shown.last} of ${shown.total}`),
      h('thead', {}, h('tr', {}, ['Episode.step', 'Listen', 'Edit', 'Choice', 'Rating', 'Time to rate',
        'Q before → after', 'Provenance'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, shown.rows.map(line)));
    drawPager(pager, shown.page, shown.pages, (to) => { page = to; draw(); });
  };
  draw();
  return h('section', { 'aria-labelledby': 'timeline-title' },
    h('h2', { id: 'timeline-title' }, 'Step by step'),
    h('p', { class: 'hint' }, 'Each rated track of training: the edit the agent made (explored at random with '
      + 'probability ε, else exploited its best value), the rating, and how the rating changed the value of that '
      + 'edit in that state.'),
    h('div', { class: 'table-wrap' }, table), pager);
}

function drawPager(pager: HTMLElement, page: number, pages: number, go: (page: number) => void): void {
  const button = (to: number, text: string, label: string, enabled: boolean) => h('button', {
    type: 'button', disabled: !enabled, 'aria-label': label, onclick: () => go(to) }, text);
  const name = pager.getAttribute('aria-label') ?? 'pages';
  replace(pager, pages <= 1 ? null : [
    button(1, '« First', `First of the ${name.toLowerCase()}`, page > 1),
    button(page - 1, '‹ Previous', `Previous of the ${name.toLowerCase()}`, page > 1),
    h('span', { class: 'page-of', 'aria-current': 'page' }, `Page ${page} of ${pages}`),
    button(page + 1, 'Next ›', `Next of the ${name.toLowerCase()}`, page < pages),
    button(pages, 'Last »', `Last of the ${name.toLowerCase()}`, page < pages)]);
}

async function loadProvenance(desk: Desk, id: string, box: HTMLElement, state: string, action: string):
  Promise<void> {
  const title = h('h2', { id: 'provenance-title', tabindex: -1 }, 'What moved a value');
  replace(box, title, h('p', { 'aria-busy': 'true' }, 'Loading…'));
  try {
    const query = new URLSearchParams({ state, action });
    const p = await desk.api.get<Provenance>(`${participantPath(id)}/provenance?${query.toString()}`);
    const v = provenanceView(p);
    replace(box, title,
      h('p', {}, 'Action ', h('code', {}, p.action), ' in state ', h('code', { class: 'state' }, p.state)),
      h('p', { id: 'provenance-summary' }, v.summary),
      dataTable(v.table, 'provenance-table'));
  } catch (e) {
    replace(box, title, h('p', { role: 'alert' }, words(e)));
  }
  box.scrollIntoView({ block: 'nearest' });
  title.focus();
}

/** The Q-table and greedy policy replayed to a chosen step (or any log position). */
function pointInTimeSection(desk: Desk, id: string, steps: readonly LearningStep[],
                            open: (state: string, action: string) => void): HTMLElement {
  const result = h('div', { id: 'at-result', 'aria-live': 'polite' });
  const last = steps[steps.length - 1];
  if (!last) {
    return h('section', { 'aria-labelledby': 'at-title' }, h('h2', { id: 'at-title' }, 'Q-table at a point in time'),
      h('p', {}, 'No step has been rated yet.'));
  }
  const slider = h('input', { type: 'range', id: 'at-step', min: 1, max: steps.length, step: 1, value: steps.length,
    'aria-describedby': 'at-step-shown' });
  const shownStep = h('output', { id: 'at-step-shown', for: 'at-step' });
  const position = h('input', { type: 'number', id: 'at-position', min: 0, step: 1, value: last.position,
    inputmode: 'numeric' });
  let timer = 0;
  let asked = 0;
  /** `at` null: the table as it is now. */
  const load = async (at: number | null) => {
    const ask = ++asked;
    result.setAttribute('aria-busy', 'true');
    try {
      const q = await desk.api.get<QTable>(`${participantPath(id)}/q-table${at === null ? '' : `?at=${at}`}`);
      if (ask === asked) {
        position.value = q.at === undefined ? position.value : String(q.at);
        drawAt(result, q, q.at === undefined ? null : stepAt(steps, q.at), open);
      }
    } catch (e) {
      if (ask === asked) {
        replace(result, h('p', { role: 'alert' }, words(e)));
      }
    } finally {
      if (ask === asked) {
        result.removeAttribute('aria-busy');
      }
    }
  };
  /** The step the slider stands on, said in its output and, for screen readers, as the slider's value. */
  const say = (s: LearningStep) => {
    const text = `after step ${stepLabel(s)} (rating ${s.rating})`;
    shownStep.textContent = text;
    slider.setAttribute('aria-valuetext', text);
  };
  const fromSlider = () => {
    const index = Number(slider.value) - 1;
    say(steps[index] ?? last);
    clearTimeout(timer);
    timer = window.setTimeout(() => void load(positionAfterStep(steps, index)), 150); // dragging asks once it rests
  };
  slider.addEventListener('input', fromSlider);
  const form = h('form', { novalidate: true, class: 'inline-form at-form' },
    h('div', { class: 'field' }, h('label', { for: 'at-step' }, 'Step'), slider, shownStep),
    h('div', { class: 'field' }, h('label', { for: 'at-position' }, 'or log position'), position),
    h('button', { type: 'submit', id: 'at-show' }, 'Show'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const at = Number(position.value);
    if (!Number.isInteger(at) || at < 0) {
      replace(result, h('p', { role: 'alert' }, 'The log position is a whole number, 0 or more.'));
      position.focus();
      return;
    }
    const s = stepAt(steps, at);
    if (s) {
      slider.value = String(steps.indexOf(s) + 1);
      say(s);
    }
    void load(at);
  });
  say(last);
  void load(null);
  return h('section', { 'aria-labelledby': 'at-title' },
    h('h2', { id: 'at-title' }, 'Q-table at a point in time'),
    h('p', { class: 'hint' }, 'Replays the participant\'s events up to the chosen step (or log position) and shows '
      + 'the Q-table and the edit the agent would have chosen in each state as of then. A step\'s value update '
      + 'comes just after its rating in the log: "after step" includes it.'),
    form, result);
}

function drawAt(box: HTMLElement, q: QTable, step: LearningStep | null, open: (state: string, action: string) => void):
  void {
  const values = [...q.values].sort((a, b) => a.state.localeCompare(b.state) || a.action.localeCompare(b.action));
  const table = h('table', { class: 'data', id: 'at-q-table' });
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages of values' });
  let page = 1;
  const draw = () => {
    const shown = pageOf(values, page, VALUES_PER_PAGE);
    page = shown.page;
    replace(table,
      h('caption', {}, `${values.length} state–action values` + (shown.pages > 1
        ? `, ${shown.first} to ${shown.last} shown` : '')),
      h('thead', {}, h('tr', {}, ['State', 'Action', 'Value', 'Provenance'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, shown.rows.map((v) => h('tr', { 'data-state': v.state, 'data-action': v.action },
        h('td', {}, h('code', { class: 'state' }, v.state)),
        h('td', {}, h('code', {}, v.action)),
        h('td', { class: 'num' }, fixed(v.value, 4)),
        h('td', {}, provenanceButton(v, `${v.action} in state ${v.state}`, open))))));
    drawPager(pager, shown.page, shown.pages, (to) => { page = to; draw(); });
  };
  draw();
  replace(box,
    h('p', { id: 'at-shown' }, `As of log position ${q.at ?? '–'} `,
      step ? `(the last rating by then: step ${stepLabel(step)})` : '(before the first rating)',
      `: ${q.entries} values.`),
    values.length === 0 ? h('p', {}, 'The Q-table was empty then.') : [h('div', { class: 'table-wrap' }, table), pager],
    q.policy && q.policy.length > 0 ? dataTable(policyTable(q.policy, 'Greedy policy: the best-valued edit per state'),
      'at-policy') : null);
}
