/**
 * The learning views' charts, drawn with Chart.js (only the parts used are registered, so the bundle stays small).
 * Every chart is a figure: a caption with a sentence that says what it shows, the canvas (an image with that
 * sentence as its name) and the same numbers as a table under "Show the numbers", for readers who cannot see it.
 */
import {
  BarController, BarElement, CategoryScale, Chart, Filler, Legend, LinearScale, LineController, LineElement,
  PointElement, ScatterController, Tooltip, type ChartConfiguration, type ChartDataset,
} from 'chart.js';
import { h } from './dom.ts';
import type { ArmBands, DataTable, ExploreExploit, Growth, ActionBars, Trajectory } from './learning-model.ts';

Chart.register(BarController, BarElement, CategoryScale, Filler, Legend, LinearScale, LineController, LineElement,
  PointElement, ScatterController, Tooltip);

/** Colours told apart by most colour-blind readers (Okabe and Ito), each with a see-through fill. */
const PALETTE = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9'];

function alpha(hex: string, a: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
}

function css(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

/** A table from the view model, as the text alternative of a chart or on its own. */
export function dataTable(t: DataTable, id?: string): HTMLElement {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'data', id },
    h('caption', {}, t.caption),
    h('thead', {}, h('tr', {}, t.head.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, t.rows.map((r) => h('tr', {}, r.map((c, i) => i === 0 ? h('th', { scope: 'row' }, c)
      : h('td', { class: /^[−+-]?[\d.]+( %| s)?$/.test(c) ? 'num' : '' }, c)))))));
}

export interface Figure {
  readonly element: HTMLElement;
  /** Draws the chart once the figure is in the page; returns what frees it. */
  draw(): () => void;
}

function figure(id: string, title: string, summary: string, table: DataTable,
                config: () => ChartConfiguration): Figure {
  const canvas = h('canvas', { role: 'img', 'aria-label': `${title}. ${summary}`, id: `${id}-canvas` });
  const element = h('figure', { class: 'chart', id },
    h('figcaption', {}, h('strong', {}, `${title}.`), ' ', h('span', { class: 'chart-summary' }, summary)),
    h('div', { class: 'chart-box' }, canvas),
    h('details', { class: 'chart-data' }, h('summary', {}, 'Show the numbers'), dataTable(table, `${id}-table`)));
  return {
    element,
    draw() {
      const chart = new Chart(canvas, withDefaults(config()));
      return () => chart.destroy();
    },
  };
}

function withDefaults(config: ChartConfiguration): ChartConfiguration {
  const text = css('--fg', '#1d1d1f');
  const grid = css('--line', '#c9c7c0');
  Chart.defaults.color = text;
  Chart.defaults.borderColor = grid;
  return {
    ...config,
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      ...config.options,
      plugins: { legend: { position: 'bottom' }, ...config.options?.plugins },
    },
  } as ChartConfiguration;
}

const episodeAxis = (title = 'Episode') => ({ type: 'linear' as const, title: { display: true, text: title },
  ticks: { stepSize: 1, precision: 0 } });
/** Ratings go from 1 to 10; a wide interval is cut at the scale's ends (its exact bounds are in the table). */
const ratingAxis = { title: { display: true, text: 'Rating' }, min: 1, max: 10 };

/** Mean rating per episode as a line, each rating as a dot. */
export function trajectoryChart(t: Trajectory): Figure {
  return figure('chart-trajectory', 'Ratings across episodes', t.summary, t.table, () => ({
    type: 'scatter',
    data: {
      datasets: [
        { label: 'Mean rating per episode', data: t.episodes.map((x, i) => ({ x, y: t.means[i] ?? null })),
          showLine: true, borderColor: PALETTE[0], backgroundColor: PALETTE[0], pointRadius: 4, borderWidth: 2 },
        { label: 'Each rating', data: [...t.points], borderColor: alpha(PALETTE[1]!, 0.8),
          backgroundColor: alpha(PALETTE[1]!, 0.35), pointRadius: 3 },
      ] as ChartDataset<'scatter', { x: number; y: number | null }[]>[],
    },
    options: { scales: { x: episodeAxis(), y: ratingAxis } },
  }) as ChartConfiguration);
}

/** Explored and exploited edits per episode, stacked. */
export function exploreChart(e: ExploreExploit): Figure {
  return figure('chart-explore', 'Explore versus exploit', e.summary, e.table, () => ({
    type: 'bar',
    data: {
      labels: e.episodes.map(String),
      datasets: [
        { label: 'Explored (random edit)', data: [...e.explored], backgroundColor: PALETTE[4] },
        { label: 'Exploited (best-valued edit)', data: [...e.exploited], backgroundColor: PALETTE[0] },
      ],
    },
    options: { scales: { x: { stacked: true, title: { display: true, text: 'Episode' } },
      y: { stacked: true, title: { display: true, text: 'Edits' }, ticks: { precision: 0 } } } },
  }));
}

/** How often each kind of edit was chosen, and how often of those the agent chose it as the best. */
export function actionsChart(a: ActionBars): Figure {
  return figure('chart-actions', 'Chosen edits', a.summary, a.table, () => ({
    type: 'bar',
    data: {
      labels: [...a.labels],
      datasets: [
        { label: 'Chosen', data: [...a.chosen], backgroundColor: PALETTE[2] },
        { label: 'Of which greedy', data: [...a.greedy], backgroundColor: PALETTE[0] },
      ],
    },
    options: { indexAxis: 'y', scales: { x: { title: { display: true, text: 'Times' }, ticks: { precision: 0 } } } },
  }));
}

/** The Q-table's size (left axis) and the share of updates that met a known state (right axis) step by step. */
export function growthChart(g: Growth): Figure {
  return figure('chart-growth', 'Q-table size and state revisits', g.summary, g.table, () => ({
    type: 'line',
    data: {
      labels: [...g.labels],
      datasets: [
        { label: 'Q-table size (values)', data: [...g.sizes], borderColor: PALETTE[0], backgroundColor: PALETTE[0],
          yAxisID: 'size', pointRadius: 0, borderWidth: 2 },
        { label: 'Revisit rate (%)', data: [...g.revisitPercent], borderColor: PALETTE[1],
          backgroundColor: PALETTE[1], yAxisID: 'revisit', pointRadius: 0, borderWidth: 2, borderDash: [6, 3] },
      ],
    },
    options: {
      scales: {
        x: { title: { display: true, text: 'Episode.step' }, ticks: { autoSkip: true, maxTicksLimit: 12 } },
        size: { position: 'left', beginAtZero: true, title: { display: true, text: 'Values' },
          ticks: { precision: 0 } },
        revisit: { position: 'right', min: 0, max: 100, title: { display: true, text: 'Revisit rate (%)' },
          grid: { drawOnChartArea: false } },
      },
    },
  }));
}

/** Each arm's mean rating per episode as a line inside its filled 95 % confidence band. */
export function armBandsChart(b: ArmBands): Figure {
  return figure('chart-arms', 'Mean rating per episode, by arm, with 95 % confidence bands', b.summary, b.table,
    () => ({
      type: 'line',
      data: {
        datasets: b.arms.flatMap((a, i) => {
          const colour = PALETTE[i % PALETTE.length]!;
          const at = (ys: readonly (number | null)[]) => b.episodes.map((x, j) => ({ x, y: ys[j] ?? null }));
          // The band is the area between the high and the low line ('+1': fill to the next dataset).
          return [
            { label: `Arm ${a.arm} upper 95 %`, data: at(a.highs), borderWidth: 0, pointRadius: 0,
              backgroundColor: alpha(colour, 0.18), fill: '+1' },
            { label: `Arm ${a.arm} lower 95 %`, data: at(a.lows), borderWidth: 0, pointRadius: 0,
              backgroundColor: alpha(colour, 0.18), fill: false },
            { label: `Arm ${a.arm} mean (${a.participants} participants)`, data: at(a.means), borderColor: colour,
              backgroundColor: colour, borderWidth: 2, pointRadius: 3, fill: false },
          ];
        }) as ChartDataset<'line', { x: number; y: number | null }[]>[],
      },
      options: {
        scales: { x: episodeAxis(), y: ratingAxis },
        plugins: { legend: { labels: { filter: (item) => !/ 95 %$/.test(item.text) } } },
      },
    }) as ChartConfiguration);
}
