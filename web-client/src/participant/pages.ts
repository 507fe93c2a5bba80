/**
 * Which page shows which phase of the session. A new phase of the participant's flow is one more page module
 * (a PageFactory, see page.ts) and one more line here.
 */
import type { Phase } from '../api.ts';
import { redrawn, type PageFactory } from './page.ts';
import { betweenPage } from './pages/between.ts';
import { consentPage } from './pages/consent.ts';
import { checkPage } from './pages/check.ts';
import { declinedPage, endedPage, fromSession, screenedOutPage, withdrawnPage } from './pages/end.ts';
import { evaluationPage } from './pages/evaluation.ts';
import { instructionsPage } from './pages/instructions.ts';
import { practicePage } from './pages/practice.ts';
import { questionnairePage } from './pages/questionnaire.ts';
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
  // A block's page is drawn anew for each newer session: the next block may be of the same type.
  instructions: redrawn(instructionsPage),
  'listening-check': redrawn(checkPage),
  questionnaire: redrawn(questionnairePage),
  practice: redrawn(practicePage),
  evaluation: redrawn(evaluationPage),
  debrief: redrawn(questionnairePage),
  'screened-out': fromSession(screenedOutPage),
};

/** The blocks of a flow, where the participant has something to do. */
const BLOCKS: readonly Phase[] = ['instructions', 'listening-check', 'questionnaire', 'practice', 'evaluation',
  'debrief'];

/** Phases in which the participant still has something to do (a pause or a closed study stops them). */
export const ACTIVE: ReadonlySet<Phase> = new Set<Phase>(['consent', 'parameters', 'training', 'between-episodes',
  ...BLOCKS]);

/**
 * Phases whose pages offer "Withdraw from the study" at their foot. The finished page offers "Withdraw my data"
 * itself, when the session says it may.
 */
export const CAN_WITHDRAW: ReadonlySet<Phase> = new Set<Phase>(['parameters', 'training', 'between-episodes',
  ...BLOCKS]);
