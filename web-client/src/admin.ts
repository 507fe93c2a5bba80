/** The researcher's own API tokens, and for admins the researchers of this server. */
import { pageTitle, words, type Desk } from './dashboard.ts';
import { confirmed, copyButton } from './dialog.ts';
import { h, replace } from './dom.ts';
import { when, type ApiTokenInfo, type ResearcherInfo, type ResearcherRole } from './research-api.ts';
import { alert, status } from './status.ts';

/** A secret shown once, with a copy button and the warning that it will not be shown again. */
function shownOnce(id: string, label: string, secret: string, warning: string): HTMLElement {
  return h('div', { class: 'shown-once', role: 'group', 'aria-labelledby': `${id}-label` },
    h('p', { class: 'warning', id: `${id}-label` }, warning),
    h('div', { class: 'field' }, h('label', { for: id }, label),
      h('div', { class: 'with-button' }, h('input', { type: 'text', id, readonly: true, value: secret }),
        copyButton(() => secret, `Copy the ${label.toLowerCase()}`, label))));
}

export async function showTokens(desk: Desk, view: HTMLElement): Promise<void> {
  const { tokens } = await desk.api.get<{ tokens: ApiTokenInfo[] }>('/api/tokens');
  const created = h('div', { id: 'created-token', 'aria-live': 'polite' });
  const name = h('input', { type: 'text', id: 'token-name', autocomplete: 'off', required: true,
    'aria-describedby': 'token-name-hint' });
  const form = h('form', { novalidate: true, class: 'inline-form', 'aria-labelledby': 'new-token-title' },
    h('h2', { id: 'new-token-title' }, 'New API token'),
    h('div', { class: 'field' }, h('label', { for: 'token-name' }, 'Name'), name,
      h('p', { class: 'hint', id: 'token-name-hint' }, 'What it is for, e.g. "analysis laptop".')),
    h('button', { type: 'submit', id: 'create-token', class: 'primary' }, 'Create token'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void (async () => {
      if (!name.value.trim()) {
        alert('Give the token a name.');
        name.focus();
        return;
      }
      try {
        const made = await desk.api.post<{ id: string; name: string; token: string }>('/api/tokens',
          { name: name.value.trim() });
        await showTokens(desk, view);
        replace(document.getElementById('created-token') ?? created, shownOnce('new-token', 'Token', made.token,
          `Token "${made.name}" was created. Copy it now: it is shown only once. Send it as `
          + '"Authorization: Bearer <token>".'));
      } catch (err) {
        alert(`No token was created: ${words(err)}`);
      }
    })();
  });
  const revoke = async (t: ApiTokenInfo) => {
    if (!await confirmed(`Revoke the token "${t.name}"?`,
      'Scripts that use it stop working at once. This cannot be undone.', 'Revoke', true)) {
      return;
    }
    try {
      await desk.api.delete(`/api/tokens/${encodeURIComponent(t.id)}`);
      await showTokens(desk, view);
      status(`The token "${t.name}" was revoked.`, 'saved');
    } catch (err) {
      alert(`Not revoked: ${words(err)}`);
    }
  };
  replace(view, h('section', { class: 'page desk tokens', 'aria-labelledby': 'page-title' },
    pageTitle('API tokens'),
    h('p', {}, 'Tokens let scripts and the command line use the API as you. Revoke one you no longer use.'),
    tokens.length === 0 ? h('p', {}, 'You have no API tokens.') : h('div', { class: 'table-wrap' },
      h('table', { class: 'data', id: 'tokens' },
        h('caption', {}, 'Your API tokens'),
        h('thead', {}, h('tr', {}, ['Name', 'Created', 'Last used', 'State', ''].map((t) =>
          h('th', { scope: 'col' }, t)))),
        h('tbody', {}, tokens.map((t) => h('tr', { 'data-token': t.id },
          h('td', {}, t.name), h('td', {}, when(t.createdAt)), h('td', {}, t.lastUsedAt ? when(t.lastUsedAt) : 'never'),
          h('td', {}, t.revokedAt ? `revoked ${when(t.revokedAt)}` : 'active'),
          h('td', {}, t.revokedAt ? null : h('button', { type: 'button', class: 'danger',
            'aria-label': `Revoke ${t.name}`, onclick: () => void revoke(t) }, 'Revoke'))))))),
    form, created));
}

export async function showResearchers(desk: Desk, view: HTMLElement): Promise<void> {
  if (desk.researcher.role !== 'admin') {
    replace(view, h('section', { class: 'page desk', 'aria-labelledby': 'page-title' },
      pageTitle('Researchers'), h('p', {}, 'Only administrators manage researchers.')));
    return;
  }
  const { researchers } = await desk.api.get<{ researchers: ResearcherInfo[] }>('/api/researchers');
  const email = h('input', { type: 'email', id: 'researcher-email', autocomplete: 'off', required: true });
  const role = h('select', { id: 'researcher-role' },
    h('option', { value: 'researcher' }, 'Researcher'), h('option', { value: 'admin' }, 'Administrator'));
  const created = h('div', { id: 'created-researcher', 'aria-live': 'polite' });
  const form = h('form', { novalidate: true, class: 'inline-form', 'aria-labelledby': 'new-researcher-title' },
    h('h2', { id: 'new-researcher-title' }, 'Add researcher'),
    h('div', { class: 'field' }, h('label', { for: 'researcher-email' }, 'Email'), email),
    h('div', { class: 'field' }, h('label', { for: 'researcher-role' }, 'Role'), role),
    h('button', { type: 'submit', id: 'add-researcher', class: 'primary' }, 'Add researcher'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void (async () => {
      try {
        const made = await desk.api.post<{ id: string; email: string; role: ResearcherRole; password?: string }>(
          '/api/researchers', { email: email.value.trim(), role: role.value });
        await showResearchers(desk, view);
        const box = document.getElementById('created-researcher') ?? created;
        replace(box, made.password
          ? shownOnce('new-password', 'Password', made.password, `${made.email} was added. Give them this `
            + 'password in person or by a safe channel: it is shown only once.')
          : h('p', {}, `${made.email} was added.`));
      } catch (err) {
        alert(`Not added: ${words(err)}`);
      }
    })();
  });
  replace(view, h('section', { class: 'page desk researchers', 'aria-labelledby': 'page-title' },
    pageTitle('Researchers'),
    h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: 'researchers' },
      h('caption', {}, `${researchers.length} researchers on this server`),
      h('thead', {}, h('tr', {}, ['Email', 'Role', 'Added'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, researchers.map((r) => h('tr', { 'data-researcher': r.id },
        h('td', {}, r.email), h('td', {}, r.role), h('td', {}, when(r.createdAt))))))),
    form, created));
}
