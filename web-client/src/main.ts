/**
 * Entry: decides whose pages to open from the address.
 * - `?join=<studyId>` joins the study (join.ts) and opens the participant's pages;
 * - `#kiosk=<code>` starts a supervised session: the participant's pages, the researcher signed out here;
 * - `#participant=<token>` (a personal link) opens the participant's pages;
 * - `#researcher=<api token>` is turned into a browser session once, then dropped from the address;
 * - otherwise a researcher's browser session opens the dashboard, a participant token kept in this browser
 *   resumes the participant's pages, and anyone else gets the sign-in page (also at `#login`).
 * Participant tokens are kept in localStorage and sent only in the Authorization header.
 */
import './style.css';
import { Api, ApiError, NetworkError, type Caller } from './api.ts';
import { Dashboard } from './dashboard.ts';
import { byId, h, replace } from './dom.ts';
import { joinStudy } from './join.ts';
import { ParticipantApp } from './participant/app.ts';
import type { Researcher, SignedIn } from './research-api.ts';
import { signInPage } from './signin.ts';
import { status } from './status.ts';

const PARTICIPANT = 'tuneloop.participantToken';
/** An older server has no browser sessions: its researcher token lives for this tab only. */
const LEGACY_RESEARCHER = 'tuneloop.researcherToken';

interface ResearcherCaller {
  readonly role: 'researcher';
  readonly researcher?: Researcher;
  readonly csrfToken?: string | null;
}

function storage(kind: 'local' | 'session'): Storage | null {
  try {
    return kind === 'local' ? localStorage : sessionStorage;
  } catch {
    return null;
  }
}

function rememberParticipant(token: string | null): void {
  try {
    if (token) {
      storage('local')?.setItem(PARTICIPANT, token);
    } else {
      storage('local')?.removeItem(PARTICIPANT);
    }
  } catch {
    // private mode: the link still works, reopening without it does not
  }
}

/** Drops the secret part of the address (tokens, codes, the join query) without a reload. */
function cleanAddress(): void {
  history.replaceState(null, '', location.pathname);
}

function page(title: string, ...text: string[]): void {
  replace(byId('view'), h('section', { class: 'page', 'aria-labelledby': 'page-title' },
    h('h1', { id: 'page-title', tabindex: -1 }, title), text.map((t) => h('p', {}, t))));
  byId('page-title').focus();
}

async function whoAmI(api: Api): Promise<Caller | ApiError> {
  for (let delay = 1000; ; delay = Math.min(delay * 2, 5000)) {
    try {
      const caller = await api.get<Caller>('/api/session');
      status('', 'idle');
      return caller;
    } catch (e) {
      if (e instanceof ApiError && !e.retryable) {
        return e;
      }
      status('Cannot reach the study server. Trying again…', 'offline');
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

async function participantPages(token: string): Promise<void> {
  const api = new Api(token);
  const caller = await whoAmI(api);
  if (caller instanceof ApiError) {
    rememberParticipant(null);
    page('This link does not work', caller.status === 401
      ? 'The link you opened is not (or no longer) valid. Please open the personal link you were given.'
      : caller.detail);
  } else if (caller.role === 'researcher') {
    rememberParticipant(null);
    storage('session')?.setItem(LEGACY_RESEARCHER, token);
    cleanAddress();
    dashboard(api, legacyResearcher(), true);
  } else if (caller.participantId) {
    rememberParticipant(token);
    await new ParticipantApp(api, caller.participantId).start();
  } else {
    page('This link does not work', 'The token belongs to no participant.');
  }
}

function legacyResearcher(): Researcher {
  return { id: '', email: 'the researcher link', role: 'researcher' };
}

function dashboard(api: Api, researcher: Researcher, legacy: boolean): void {
  new Dashboard(api, researcher, legacy, async () => {
    if (legacy) {
      storage('session')?.removeItem(LEGACY_RESEARCHER);
    } else {
      try {
        await api.post('/api/logout', undefined);
      } catch {
        // signed out already, or the server is away: the sign-in page comes anyway
      }
    }
    location.replace(`${location.pathname}#login`);
    location.reload();
  }).start();
}

/** The researcher's browser session, if there is one. */
async function researcherSession(): Promise<{ api: Api; researcher: Researcher } | null> {
  const api = new Api({ cookie: true });
  try {
    const caller = await api.get<Caller | ResearcherCaller>('/api/session');
    if (caller.role === 'researcher' && 'researcher' in caller && caller.researcher) {
      api.csrf = caller.csrfToken ?? null;
      return { api, researcher: caller.researcher };
    }
  } catch {
    // no session (401), or no answer: not a researcher here
  }
  return null;
}

/** `#researcher=<api token>`: a browser session from the token, used once and dropped from the address. */
async function researcherLink(token: string): Promise<void> {
  const api = new Api({ token, cookie: true });
  try {
    const answer = await api.post<SignedIn>('/api/login/token', undefined);
    cleanAddress();
    const session = new Api({ cookie: true });
    session.csrf = answer.csrfToken;
    dashboard(session, answer.researcher, false);
    return;
  } catch (e) {
    if (e instanceof NetworkError) {
      throw e;
    }
    // 404: a server without sessions; 401/403: perhaps a participant's token in this link form.
  }
  const caller = await whoAmI(new Api(token));
  if (!(caller instanceof ApiError) && caller.role === 'participant') {
    cleanAddress();
    await participantPages(token);
  } else if (!(caller instanceof ApiError) && caller.role === 'researcher') {
    await participantPages(token); // opens the older server's dashboard with the bearer token
  } else {
    cleanAddress();
    signInPage((a, r) => dashboard(a, r, false),
      'This researcher link is not (or no longer) valid. Sign in with your email and password.');
  }
}

/** `#kiosk=<code>`: the participant's session on this computer; the researcher is signed out here. */
async function kiosk(code: string): Promise<void> {
  cleanAddress();
  let answer: { participantId: string; token: string };
  try {
    answer = await new Api({ none: true }).post('/api/kiosk', { code });
  } catch (e) {
    page('This start code does not work', e instanceof ApiError
      ? 'A code works once and for two minutes. Please start the session again from the dashboard.'
      : 'The study server cannot be reached. Please reload the page.');
    return;
  }
  const session = await researcherSession();
  if (session) {
    try {
      await session.api.post('/api/logout', undefined);
    } catch {
      // the participant's pages still open; the researcher can sign out later
    }
  }
  storage('session')?.removeItem(LEGACY_RESEARCHER);
  rememberParticipant(answer.token);
  await participantPages(answer.token);
}

async function main(): Promise<void> {
  const query = new URLSearchParams(location.search);
  const hash = new URLSearchParams(location.hash.replace(/^#/, ''));
  storage('local')?.removeItem(LEGACY_RESEARCHER); // kept there by earlier versions: no token at rest
  const studyToJoin = query.get('join');
  if (studyToJoin) {
    const token = await joinStudy(studyToJoin, query, (t) => whoAmI(new Api(t)));
    if (token) {
      cleanAddress();
      rememberParticipant(token);
      await participantPages(token);
    }
    return;
  }
  const code = hash.get('kiosk');
  if (code) {
    return kiosk(code);
  }
  const personal = hash.get('participant');
  if (personal) {
    return participantPages(personal);
  }
  const researcherToken = hash.get('researcher');
  if (researcherToken) {
    return researcherLink(researcherToken);
  }
  const signIn = () => signInPage((a, r) => {
    history.replaceState(null, '', location.pathname);
    dashboard(a, r, false);
  });
  if (hash.has('login')) {
    return signIn();
  }
  const session = await researcherSession();
  if (session) {
    return dashboard(session.api, session.researcher, false);
  }
  const legacy = storage('session')?.getItem(LEGACY_RESEARCHER);
  if (legacy) {
    return participantPages(legacy);
  }
  const participant = storage('local')?.getItem(PARTICIPANT);
  if (participant) {
    return participantPages(participant);
  }
  return signIn();
}

// A link with a token or code opened over this page starts afresh; the dashboard's own pages do not.
window.addEventListener('hashchange', () => {
  const hash = new URLSearchParams(location.hash.replace(/^#/, ''));
  if (['participant', 'researcher', 'kiosk'].some((k) => hash.has(k))) {
    location.reload();
  }
});
main().catch((e: unknown) => {
  page('Something went wrong', 'Please reload the page. If this happens again, tell the researcher.', String(e));
});
