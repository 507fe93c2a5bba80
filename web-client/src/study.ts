/**
 * One study: its status (open, pause, close), the entry links, personal links, a preview as a participant,
 * the members, the live monitor of its participants, how the agent learnt in each arm, the data export and the
 * access log (who read what of the participants' data).
 */
import { ApiError } from './api.ts';
import { toCsv } from './csv.ts';
import { pageTitle, words, type Desk } from './dashboard.ts';
import { confirmed, copyButton } from './dialog.ts';
import { h, replace, saveBlob } from './dom.ts';
import { accessRows, armBands, flagCountTable, flagTitle } from './learning-model.ts';
import { showMonitor } from './monitor.ts';
import {
  studyPath, when, type AccessLogPage, type Member, type PersonalLink, type Study, type StudyLearning,
  type StudyStatus,
} from './research-api.ts';
import { alert, status } from './status.ts';

async function loadStudy(desk: Desk, id: string): Promise<Study> {
  try {
    return await desk.api.get<Study>(studyPath(id));
  } catch (e) {
    if (desk.legacy && e instanceof ApiError && e.status === 404) {
      return { id, title: id, protocolId: '', protocolVersion: '', status: 'open', createdAt: '', participants: NaN };
    }
    throw e;
  }
}

export async function showStudy(desk: Desk, view: HTMLElement, id: string): Promise<void> {
  const study = await loadStudy(desk, id);
  const statusBox = h('div', { class: 'study-status', id: 'study-status' });
  const monitor = h('section', { id: 'monitor', class: 'monitor', 'aria-labelledby': 'monitor-title' });
  replace(view, h('section', { class: 'page desk study', 'aria-labelledby': 'page-title', 'data-study': study.id },
    h('p', { class: 'crumbs' }, h('a', { href: '#studies' }, 'Studies')),
    pageTitle(study.title),
    h('p', { class: 'meta' }, 'Study ', h('code', {}, study.id),
      study.protocolId ? ` · protocol ${study.protocolId} version ${String(study.protocolVersion)}` : '',
      study.createdAt ? ` · created ${when(study.createdAt)}` : ''),
    desk.legacy ? null : statusBox,
    desk.legacy ? null : h('div', { class: 'study-tools' },
      linksSection(study), previewSection(desk, study), personalLinksSection(desk, study)),
    monitor,
    desk.legacy ? null : learningSection(desk, study),
    desk.legacy ? null : exportSection(study),
    desk.legacy ? null : accessLogSection(desk, study),
    desk.legacy ? null : membersSection(desk, study)));
  if (!desk.legacy) {
    drawStatus(desk, statusBox, study);
  }
  await showMonitor(desk, monitor, study);
}

function drawStatus(desk: Desk, box: HTMLElement, study: Study): void {
  const change = async (to: 'open' | 'pause' | 'close', button: HTMLButtonElement) => {
    if (to === 'close' && !await confirmed('Close this study for good?',
      'Closing is final: nobody can join any more, and the study cannot be opened again. '
      + 'Participants already in it are handled as the protocol says.', 'Close the study', true)) {
      return;
    }
    button.setAttribute('aria-busy', 'true');
    try {
      const changed = await desk.api.post<Study>(`${studyPath(study.id)}/${to}`, undefined);
      status(`The study is now ${changed.status}.`, 'saved');
      drawStatus(desk, box, changed);
      box.querySelector<HTMLElement>('.status-value')?.focus();
    } catch (e) {
      button.removeAttribute('aria-busy');
      alert(`The study's status did not change: ${words(e)}`);
    }
  };
  const button = (to: 'open' | 'pause' | 'close', text: string, enabled: boolean) => {
    const b = h('button', { type: 'button', id: `study-${to}`, disabled: !enabled,
      class: to === 'close' ? 'danger' : '' }, text);
    b.addEventListener('click', () => void change(to, b));
    return b;
  };
  const s: StudyStatus = study.status;
  replace(box,
    h('p', {}, 'Status: ', h('strong', { class: `status-value badge status-${s}`, tabindex: -1 }, s), ' ',
      h('span', { class: 'meta' }, s === 'open' ? 'taking participants'
        : s === 'paused' ? 'not taking participants for now' : 'finished for good'),
      ` · ${Number.isNaN(study.participants) ? '?' : study.participants} participants`),
    h('div', { class: 'actions', role: 'group', 'aria-label': 'Study status' },
      button('open', 'Open', s === 'paused'),
      button('pause', 'Pause', s === 'open'),
      button('close', 'Close…', s !== 'closed')));
}

function linkField(id: string, label: string, url: string, hint: string): HTMLElement {
  return h('div', { class: 'field link-field' },
    h('label', { for: id }, label),
    h('div', { class: 'with-button' },
      h('input', { type: 'text', id, readonly: true, value: url, 'aria-describedby': `${id}-hint` }),
      copyButton(() => url, `Copy the ${label.toLowerCase()}`, label)),
    h('p', { class: 'hint', id: `${id}-hint` }, hint));
}

function linksSection(study: Study): HTMLElement {
  return h('section', { 'aria-labelledby': 'links-title' },
    h('h2', { id: 'links-title' }, 'Entry links'),
    study.links ? [
      linkField('general-link', 'General link', study.links.general,
        'Anyone who opens it joins the study while it is open.'),
      linkField('prolific-link', 'Prolific link', study.links.prolific,
        'Paste it into Prolific as the study URL; Prolific fills in its ids.'),
    ] : h('p', {}, 'This server sent no entry links.'));
}

function previewSection(desk: Desk, study: Study): HTMLElement {
  const preview = h('button', { type: 'button', id: 'preview' }, 'Preview as participant');
  preview.addEventListener('click', () => void (async () => {
    try {
      const { url } = await desk.api.post<{ participantId: string; url: string }>(`${studyPath(study.id)}/preview`,
        undefined);
      window.open(url, '_blank', 'noopener');
      status('The preview opened in a new tab. Test participants are left out of the counts.', 'info');
    } catch (e) {
      alert(`No preview: ${words(e)}`);
    }
  })());
  return h('section', { 'aria-labelledby': 'preview-title' },
    h('h2', { id: 'preview-title' }, 'Preview'),
    h('p', {}, 'Go through the study as a test participant, left out of the counts.'), preview);
}

function personalLinksSection(desk: Desk, study: Study): HTMLElement {
  const labels = h('textarea', { id: 'link-labels', rows: 4, 'aria-describedby': 'link-labels-hint' });
  const result = h('div', { id: 'personal-links', 'aria-live': 'polite' });
  const form = h('form', { novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'link-labels' }, 'Labels, one per line'), labels,
      h('p', { class: 'hint', id: 'link-labels-hint' },
        'For example P01, P02: each line makes one participant with their own link.')),
    h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'create-links' }, 'Create links')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void (async () => {
      const wanted = labels.value.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
      if (wanted.length === 0) {
        alert('Write at least one label.');
        labels.focus();
        return;
      }
      try {
        const { links } = await desk.api.post<{ links: PersonalLink[] }>(`${studyPath(study.id)}/links`,
          { labels: wanted });
        labels.value = '';
        alert('');
        showLinks(result, study.id, links);
      } catch (err) {
        alert(`No links were made: ${words(err)}`);
      }
    })();
  });
  return h('section', { 'aria-labelledby': 'personal-title' },
    h('h2', { id: 'personal-title' }, 'Personal links'), form, result);
}

function showLinks(box: HTMLElement, studyId: string, links: readonly PersonalLink[]): void {
  const csv = () => toCsv(['label', 'participantId', 'url'], links.map((l) => [l.label, l.participantId, l.url]));
  replace(box,
    h('p', { class: 'warning' }, `${links.length} links made. They are shown only now: download the CSV before `
      + 'you leave this page. The links work like passwords: give each one only to its participant.'),
    h('button', { type: 'button', id: 'download-links', class: 'primary',
      onclick: () => saveBlob(new Blob([csv()], { type: 'text/csv' }), `${studyId}-personal-links.csv`) },
    'Download CSV'),
    h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: 'links-table' },
      h('caption', {}, 'Personal links'),
      h('thead', {}, h('tr', {}, ['Label', 'Participant', 'Link'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, links.map((l) => h('tr', {},
        h('td', {}, l.label), h('td', {}, h('code', {}, l.participantId.slice(0, 8))),
        h('td', { class: 'url' }, h('code', {}, l.url))))))));
}

function membersSection(desk: Desk, study: Study): HTMLElement {
  const list = h('ul', { id: 'members' });
  const email = h('input', { type: 'email', id: 'member-email', autocomplete: 'off', required: true });
  const draw = (members: readonly Member[]) => replace(list,
    members.map((m) => h('li', {}, m.email, ' ', h('span', { class: 'meta' }, `(${m.role})`))));
  const form = h('form', { novalidate: true, class: 'inline-form' },
    h('div', { class: 'field' }, h('label', { for: 'member-email' }, 'Add a researcher by email'), email),
    h('button', { type: 'submit', id: 'add-member' }, 'Add'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void (async () => {
      try {
        const { members } = await desk.api.post<{ members: Member[] }>(`${studyPath(study.id)}/members`,
          { email: email.value.trim() });
        draw(members);
        status(`${email.value.trim()} can now see and run this study.`, 'saved');
        email.value = '';
      } catch (err) {
        alert(`Not added: ${words(err)}`);
      }
    })();
  });
  void desk.api.get<{ members: Member[] }>(`${studyPath(study.id)}/members`)
    .then((m) => draw(m.members), (e: unknown) => replace(list, h('li', {}, words(e))));
  return h('section', { 'aria-labelledby': 'members-title' },
    h('h2', { id: 'members-title' }, 'Members'), list, form);
}

/** Mean rating per episode and arm with 95 % bands, the flag counts per arm, and who is flagged. */
function learningSection(desk: Desk, study: Study): HTMLElement {
  const box = h('div', { id: 'study-learning', 'aria-busy': 'true' }, h('p', {}, 'Loading…'));
  // The charting library is loaded with the first chart, not with every page.
  void Promise.all([desk.api.get<StudyLearning>(`${studyPath(study.id)}/learning`), import('./charts.ts')])
    .then(([learning, charts]) => drawLearning(desk, box, study, learning, charts),
      (e: unknown) => replace(box, h('p', {}, `Not available: ${words(e)}`)))
    .finally(() => box.removeAttribute('aria-busy'));
  return h('section', { 'aria-labelledby': 'study-learning-title' },
    h('h2', { id: 'study-learning-title' }, 'Learning, by arm'),
    h('p', { class: 'hint' }, 'Participants\' mean rating per episode; the band is the 95 % confidence interval of '
      + 'the mean across participants. Test and withdrawn participants are left out. See the researcher guide for '
      + 'what the flags mean.'),
    box);
}

function drawLearning(desk: Desk, box: HTMLElement, study: Study, learning: StudyLearning,
                      charts: typeof import('./charts.ts')): void {
  if (learning.arms.every((a) => a.episodes.length === 0)) {
    replace(box, h('p', {}, 'No participant has rated a training track yet.'));
    return;
  }
  const chart = charts.armBandsChart(armBands(learning));
  const flagged = learning.participants.filter((p) => p.flags.length > 0);
  replace(box,
    h('div', { class: 'charts' }, chart.element),
    charts.dataTable(flagCountTable(learning), 'arm-flags'),
    flagged.length === 0 ? h('p', {}, 'No participant is flagged.') : h('details', { id: 'flagged' },
      h('summary', {}, `${flagged.length} flagged participants`),
      h('ul', {}, flagged.map((p) => h('li', {},
        h('a', { href: `#study=${encodeURIComponent(study.id)}&learning=${encodeURIComponent(p.participantId)}` },
          h('code', {}, p.participantId.slice(0, 8))),
        ` (arm ${p.arm}): ${p.flags.map(flagTitle).join(', ')}`)))));
  desk.onLeave(chart.draw());
}

/** The whole study's data as a zip of CSV or JSON Lines files (recorded in the access log). */
function exportSection(study: Study): HTMLElement {
  const link = (format: 'csv' | 'jsonl', text: string) => h('a', { class: 'button', id: `export-${format}`,
    href: `${studyPath(study.id)}/export?format=${format}`, download: `${study.id}-${format}-export.zip` }, text);
  return h('section', { 'aria-labelledby': 'export-title' },
    h('h2', { id: 'export-title' }, 'Export'),
    h('p', {}, 'Every participant\'s events, ratings and answers, one zip file. Test and withdrawn participants '
      + 'are left out. Each download is recorded in the access log.'),
    h('p', { class: 'actions' }, link('csv', 'Download CSV'), ' ', link('jsonl', 'Download JSON Lines')));
}

/** Who read which participant data of this study and when, newest first, a page at a time. */
function accessLogSection(desk: Desk, study: Study): HTMLElement {
  const body = h('tbody', {});
  const more = h('button', { type: 'button', id: 'access-more', hidden: true }, 'Show older entries');
  const note = h('p', { id: 'access-empty', hidden: true }, 'Nobody has read participant data of this study yet.');
  let before: number | null = null;
  const load = async () => {
    try {
      const page = await desk.api.get<AccessLogPage>(`${studyPath(study.id)}/access-log?limit=50`
        + (before === null ? '' : `&before=${before}`));
      for (const r of accessRows(page)) {
        body.appendChild(h('tr', { 'data-id': r.id },
          h('td', {}, when(r.at)), h('td', {}, r.who), h('td', {}, r.what), h('td', {}, h('code', {}, r.participant))));
      }
      before = page.next;
      more.hidden = page.next === null;
      note.hidden = body.childElementCount > 0;
    } catch (e) {
      alert(`The access log could not be loaded: ${words(e)}`);
    }
  };
  more.addEventListener('click', () => void load());
  void load();
  return h('section', { 'aria-labelledby': 'access-title' },
    h('h2', { id: 'access-title' }, 'Access log'),
    h('p', { class: 'hint' }, 'Every reading of participants\' data (events, replays, learning views, exports, '
      + 'audits), as the server recorded it.'),
    note,
    h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: 'access-log' },
      h('caption', {}, 'Access log, newest first'),
      h('thead', {}, h('tr', {}, ['When', 'Who', 'What', 'Participant'].map((t) => h('th', { scope: 'col' }, t)))),
      body)),
    more);
}
