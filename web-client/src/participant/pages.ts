/**
 * Which page shows which phase of the session. A new phase of the participant's flow is one more page module
 * (a PageFactory, see page.ts) and one more line here.
 */
import type { Phase } from '../api.ts';
import type { PageFactory } from './page.ts';
import { betweenPage } from './pages/between.ts';
import { consentPage } from './pages/consent.ts';
import { declinedPage, endedPage, fromSession, withdrawnPage } from './pages/end.ts';
import { finishedPage } from './pages/finished.ts';
import { parametersPage } from './pages/parameters.ts';
import { trainingPage } from './pages/training.ts';

export const pageFor: Readonly<Record<Phase, PageFactory>> = {
  consent: consentPage,
  declined: fromSession(declinedPage),
  parameters: parametersPage,
  training: trainingPage,
  'between-episodes': betweenPage,
  finished: finishedPage,
  withdrawn: fromSession(withdrawnPage),
  ended: fromSession(endedPage),
};

/** Phases in which the participant still has something to do (a pause or a closed study stops them). */
export const ACTIVE: ReadonlySet<Phase> = new Set<Phase>(['consent', 'parameters', 'training', 'between-episodes']);

/** Phases whose pages offer "Withdraw from the study" at their foot. */
export const CAN_WITHDRAW: ReadonlySet<Phase> = new Set<Phase>(['parameters', 'training', 'between-episodes',
  'finished']);
