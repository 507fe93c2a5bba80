/**
 * Entry through a study link: /?join=<studyId> (from Prolific also with PROLIFIC_PID, STUDY_ID, SESSION_ID).
 * A browser that has joined this study before uses its stored token, so a reload never enrols twice;
 * otherwise the page joins, keeps the token and drops the query from the address bar.
 */
import { Api, ApiError, type Caller } from './api.ts';
import { byId, h, replace } from './dom.ts';
import { status } from './status.ts';
import { uuid } from './uuid.ts';

const PROLIFIC = ['PROLIFIC_PID', 'STUDY_ID', 'SESSION_ID'] as const;

const storeKey = (studyId: string) => `tuneloop.join.${studyId}`;
const attemptKey = (studyId: string) => `tuneloop.joinAttempt.${studyId}`;

/**
 * The Idempotency-Key of this browser's attempt to join: made once and kept until the server has answered,
 * so that a resend, or a reload while the answer was lost, gets the same participant back (`returning`).
 */
function attempt(studyId: string): { key: string; done: () => void } {
  let key: string | null = null;
  try {
    key = localStorage.getItem(attemptKey(studyId));
    if (!key) {
      key = uuid();
      localStorage.setItem(attemptKey(studyId), key);
    }
  } catch {
    // private mode: the key still holds for this page's resends
  }
  const kept = key ?? uuid();
  return {
    key: kept,
    done: () => {
      try {
        localStorage.removeItem(attemptKey(studyId));
      } catch {
        // nothing kept
      }
    },
  };
}

function stored(studyId: string): string | null {
  try {
    return localStorage.getItem(storeKey(studyId));
  } catch {
    return null;
  }
}

function keep(studyId: string, token: string | null): void {
  try {
    if (token) {
      localStorage.setItem(storeKey(studyId), token);
    } else {
      localStorage.removeItem(storeKey(studyId));
    }
  } catch {
    // private mode: this visit still works
  }
}

const NOT_OPEN: Record<string, [string, string]> = {
  paused: ['This study is paused', 'This study is paused at the moment. Please try again later.'],
  closed: ['This study has closed', 'This study is no longer taking participants. Thank you for your interest.'],
  full: ['This study is full', 'This study has all the participants it needs. Thank you for your interest.'],
};

function page(title: string, text: string): void {
  document.title = `${title} – Tuneloop`;
  replace(byId('view'), h('section', { class: 'page end', 'aria-labelledby': 'page-title' },
    h('h1', { id: 'page-title', tabindex: -1 }, title), h('p', {}, text)));
  byId('page-title').focus();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The participant token for this study, or null after a page saying why there is none. */
export async function joinStudy(studyId: string, query: URLSearchParams,
                                check: (token: string) => Promise<Caller | ApiError>): Promise<string | null> {
  const before = stored(studyId);
  if (before) {
    const caller = await check(before);
    if (!(caller instanceof ApiError) && caller.role === 'participant') {
      return before;
    }
    keep(studyId, null); // no longer valid: join again
  }
  const prolific = Object.fromEntries(PROLIFIC.map((k) => [k, query.get(k) ?? '']));
  const body = query.get('PROLIFIC_PID') ? { prolific } : {};
  const api = new Api({ none: true });
  const { key, done } = attempt(studyId);
  for (let delay = 1000; ; delay = Math.min(delay * 2, 5000)) {
    try {
      const joined = await api.post<{ participantId: string; token: string; returning: boolean }>(
        `/api/studies/${encodeURIComponent(studyId)}/join`, body, key);
      keep(studyId, joined.token);
      done();
      status('', 'idle');
      return joined.token;
    } catch (e) {
      if (e instanceof ApiError && !e.retryable) {
        done(); // answered: a later visit is a new attempt
      }
      if (e instanceof ApiError && e.status === 409) {
        const reason = typeof e.body.reason === 'string' ? e.body.reason : '';
        const [title, text] = NOT_OPEN[reason] ?? ['This study is not open', e.detail || NOT_OPEN.paused[1]];
        page(title, text);
        return null;
      }
      if (e instanceof ApiError && e.status === 404) {
        page('There is no such study', 'Please check the link you were given, or ask the researcher for it.');
        return null;
      }
      if (e instanceof ApiError && !e.retryable) {
        page('You could not join', e.words);
        return null;
      }
      status('Cannot reach the study server. Trying again…', 'offline');
      await sleep(delay);
    }
  }
}
