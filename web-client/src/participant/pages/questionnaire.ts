/**
 * Questions: a questionnaire block, the debrief (its text, then its items if any) and the questions asked between
 * episodes. Each item is checked on the page before anything is sent (answers.ts); what the server still refuses
 * comes back with its `field` and is shown at the item.
 */
import type { ApiError, Item, Session } from '../../api.ts';
import { h, paragraphs } from '../../dom.ts';
import { alert } from '../../status.ts';
import { checkAnswers, itemOfField } from '../answers.ts';
import type { PendingCommand } from '../commands.ts';
import { itemsForm } from '../items.ts';
import { pageSection, type Page, type PageContext } from '../page.ts';

export interface Questions {
  readonly element: HTMLFormElement;
  /** Shows the server's refusal at its item; true when it did. */
  refused(command: PendingCommand, error: ApiError): boolean;
}

/** A form of the items with one submit button; sends POST answers for `block`. */
export function questions(block: string, items: readonly Item[], context: PageContext, submit: string): Questions {
  const form = itemsForm(block, items);
  const element = h('form', { class: 'questions', id: 'questions', novalidate: true }, form.element,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'submit-answers' }, submit)));
  element.addEventListener('submit', (e) => {
    e.preventDefault();
    if (context.waiting()) {
      return;
    }
    const { answers, problems } = checkAnswers(items, form.read());
    form.show(problems);
    const count = Object.keys(problems).length;
    if (count > 0) {
      alert(count === 1 ? 'One answer needs a look: see the question marked below.'
        : `${count} answers need a look: see the questions marked below.`);
      return;
    }
    alert('');
    context.player.unlock();
    context.send({ action: 'answers', body: { block, answers } });
  });
  return {
    element,
    refused(command, error) {
      const item = command.action === 'answers' ? itemOfField(error.field, items) : null;
      if (!item) {
        return false;
      }
      form.show({ [item]: error.words });
      alert('The server did not accept an answer: see the question marked below.');
      return true;
    },
  };
}

/** The questionnaire and debrief blocks. */
export function questionnairePage(session: Session, context: PageContext): Page {
  const block = session.block;
  const items = block?.items ?? [];
  const debrief = session.phase === 'debrief';
  const title = block?.title ?? (debrief ? 'Thank you' : 'A few questions');
  const form = questions(block?.id ?? '', items, context, debrief ? 'Finish' : 'Continue');
  const element = pageSection(debrief ? 'debrief' : 'questionnaire', title,
    block?.text ? h('div', { class: 'block-text' }, paragraphs(block.text)) : null, form.element);
  return { element, title, refused: form.refused };
}
