/** The studies the researcher may see, and a new study from a protocol file or pasted YAML. */
import { ApiError } from './api.ts';
import { pageTitle, words, type Desk } from './dashboard.ts';
import { h, replace } from './dom.ts';
import { when, type Problem, type Study, type StudySummary } from './research-api.ts';
import { status } from './status.ts';

/** An older server answers plain study ids. */
function summaries(studies: readonly (StudySummary | string)[]): StudySummary[] {
  return studies.map((s) => typeof s === 'string'
    ? { id: s, title: s, protocolId: '', protocolVersion: '', status: 'open', createdAt: '', participants: NaN }
    : s);
}

export async function showStudies(desk: Desk, view: HTMLElement): Promise<void> {
  const { studies } = await desk.api.get<{ studies: (StudySummary | string)[] }>('/api/studies');
  const list = summaries(studies);
  const rows = list.map((s) => h('tr', { 'data-study': s.id },
    h('td', {}, h('a', { href: `#study=${encodeURIComponent(s.id)}` }, h('code', {}, s.id))),
    h('td', {}, s.title),
    h('td', {}, desk.legacy ? '–' : h('span', { class: `badge status-${s.status}` }, s.status)),
    h('td', { class: 'num' }, Number.isNaN(s.participants) ? '–' : String(s.participants)),
    h('td', {}, when(s.createdAt))));
  replace(view, h('section', { class: 'page desk studies', 'aria-labelledby': 'page-title' },
    pageTitle('Studies'),
    list.length === 0 ? h('p', {}, 'There are no studies you can see yet.')
      : h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: 'studies' },
        h('caption', {}, `${list.length} stud${list.length === 1 ? 'y' : 'ies'}`),
        h('thead', {}, h('tr', {}, ['Study', 'Title', 'Status', 'Participants', 'Created']
          .map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, rows))),
    desk.legacy ? null : newStudyForm(desk)));
}

function newStudyForm(desk: Desk): HTMLElement {
  const file = h('input', { type: 'file', id: 'protocol-file', accept: '.yaml,.yml,text/yaml,text/plain',
    'aria-describedby': 'protocol-file-hint' });
  const text = h('textarea', { id: 'protocol-text', rows: 10, spellcheck: 'false',
    'aria-describedby': 'protocol-text-hint' });
  const id = h('input', { type: 'text', id: 'study-id', pattern: '[a-z0-9-]+', autocomplete: 'off',
    'aria-describedby': 'study-id-hint' });
  const problems = h('div', { id: 'protocol-problems', class: 'problems', tabindex: -1, hidden: true });
  file.addEventListener('change', () => {
    const chosen = file.files?.[0];
    if (chosen) {
      void chosen.text().then((t) => {
        text.value = t;
        status(`Read ${chosen.name}: you can check it below before creating the study.`, 'info');
      });
    }
  });
  const form = h('form', { class: 'new-study', 'aria-labelledby': 'new-study-title', novalidate: true },
    h('h2', { id: 'new-study-title' }, 'New study'),
    h('div', { class: 'field' }, h('label', { for: 'protocol-file' }, 'Protocol file (YAML)'), file,
      h('p', { class: 'hint', id: 'protocol-file-hint' }, 'Its text is put into the field below.')),
    h('div', { class: 'field' }, h('label', { for: 'protocol-text' }, 'Protocol (YAML)'), text,
      h('p', { class: 'hint', id: 'protocol-text-hint' }, 'Or paste the protocol here.')),
    h('div', { class: 'field' }, h('label', { for: 'study-id' }, 'Study id (optional)'), id,
      h('p', { class: 'hint', id: 'study-id-hint' },
        'Lower-case letters, digits and dashes. Left empty, the server chooses one.')),
    problems,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'create-study' },
      'Create study')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void create();
  });
  const create = async () => {
    problems.hidden = true;
    if (!text.value.trim()) {
      showProblems(problems, 'The protocol is empty: choose a file or paste its YAML.', []);
      return;
    }
    status('Creating the study…', 'saving');
    try {
      const body: Record<string, string> = { protocol: text.value };
      if (id.value.trim()) {
        body.id = id.value.trim();
      }
      const study = await desk.api.post<Study>('/api/studies', body);
      status(`Study ${study.id} created. It is paused until you open it.`, 'saved');
      location.hash = `study=${encodeURIComponent(study.id)}`;
    } catch (err) {
      status('', 'idle');
      const list = err instanceof ApiError && Array.isArray(err.body.problems) ? err.body.problems as Problem[] : [];
      // With a list, the summary counts and the list says where; without one, the server's sentence says all.
      const summary = list.length > 0
        ? `The protocol was not accepted: ${list.length === 1 ? 'one problem' : `${list.length} problems`}, `
          + 'listed below. Fix them in the text above (or in the file) and create the study again.'
        : err instanceof ApiError && err.status === 422 ? `The protocol was not accepted: ${err.words}` : words(err);
      showProblems(problems, summary, list);
    }
  };
  return form;
}

function showProblems(box: HTMLElement, summary: string, problems: readonly Problem[]): void {
  replace(box,
    h('p', { class: 'alert' }, summary),
    problems.length === 0 ? null : h('ul', { 'aria-label': 'Problems in the protocol' },
      problems.map((p) => h('li', {}, h('code', {}, p.path || '(whole file)'), ': ', p.reason))));
  box.hidden = false;
  box.focus();
}
