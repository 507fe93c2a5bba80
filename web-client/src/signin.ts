/** The researcher's sign-in page: email and password for a browser session (cookie plus CSRF token). */
import { Api, ApiError } from './api.ts';
import { words } from './dashboard.ts';
import { byId, h, replace } from './dom.ts';
import type { Researcher, SignedIn } from './research-api.ts';

export function signInPage(onSignedIn: (api: Api, researcher: Researcher) => void, message = ''): void {
  document.title = 'Sign in – Tuneloop';
  const email = h('input', { type: 'email', id: 'email', name: 'email', autocomplete: 'username', required: true });
  const password = h('input', { type: 'password', id: 'password', name: 'password', autocomplete: 'current-password',
    required: true });
  const error = h('div', { id: 'signin-error', class: 'alert', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary', id: 'sign-in' }, 'Sign in');
  const form = h('form', { class: 'page signin', 'aria-labelledby': 'page-title', novalidate: true },
    h('h1', { id: 'page-title', tabindex: -1 }, 'Researcher sign-in'),
    message ? h('p', { class: 'warning' }, message) : null,
    h('div', { class: 'field' }, h('label', { for: 'email' }, 'Email'), email),
    h('div', { class: 'field' }, h('label', { for: 'password' }, 'Password'), password),
    error,
    h('div', { class: 'actions' }, submit),
    h('p', { class: 'meta' }, 'Taking part in a study? Please open the link you were given instead.'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void (async () => {
      replace(error);
      if (!email.value.trim() || !password.value) {
        replace(error, h('p', {}, 'Please enter your email and your password.'));
        return;
      }
      submit.disabled = true;
      const api = new Api({ cookie: true });
      try {
        const answer = await api.post<SignedIn>('/api/login', { email: email.value.trim(), password: password.value });
        api.csrf = answer.csrfToken;
        onSignedIn(api, answer.researcher);
      } catch (err) {
        submit.disabled = false;
        if (err instanceof ApiError && err.status === 429) {
          waitThenRetry(submit, error, err);
        } else {
          replace(error, h('p', {}, err instanceof ApiError && err.status === 401
            ? 'The email or the password is wrong.' : words(err)));
        }
        password.select();
      }
    })();
  });
  replace(byId('view'), form);
  byId('page-title').focus();
}

/** Too many attempts: say how long to wait, and keep the button off until then. */
function waitThenRetry(submit: HTMLButtonElement, error: HTMLElement, err: ApiError): void {
  const fromText = /(\d+)\s*seconds?/.exec(err.detail);
  let seconds = err.retryAfterSeconds ?? (fromText ? Number(fromText[1]) : 60);
  replace(error, h('p', {}, `Too many attempts. ${err.detail || ''} `.trim()),
    h('p', { id: 'signin-wait' }, `You can try again in ${seconds} seconds.`));
  submit.disabled = true;
  const timer = setInterval(() => {
    seconds -= 1;
    const wait = document.getElementById('signin-wait');
    if (seconds <= 0) {
      clearInterval(timer);
      submit.disabled = false;
      if (wait) wait.textContent = 'You can try again now.';
    }
  }, 1000);
}
