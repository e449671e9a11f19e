/** A policy's questions on the request forms, and the answers on every card of the request. */
import type { PolicyQuestion } from '../services/requests/policies/policyFile';
import { answerInputId, MAX_ANSWER } from '../services/requests/policies/questions';
import type { AccessRequest } from '../services/requests/model';
import type { CardElement, Fact } from './adaptiveCard';
import { errorText, fact } from './elements';
import { md } from './markdown';

/** One input per question, keeping what was typed, with its problem right below it. */
export function questionInputs(
  questions: readonly PolicyQuestion[],
  answers: Readonly<Record<string, string>>,
  errors: Readonly<Record<string, string>>,
): CardElement[] {
  const body: CardElement[] = [];
  for (const question of questions) {
    const id = answerInputId(question.id);
    const label = question.required ? question.label : `${question.label} (optional)`;
    const value = answers[question.id] ?? '';
    const required = question.required ? { isRequired: true, errorMessage: `Answer "${question.label}".` } : {};
    if (question.type === 'choice') {
      body.push({
        type: 'Input.ChoiceSet',
        id,
        label,
        choices: (question.choices ?? []).map((choice) => ({ title: choice, value: choice })),
        ...(value ? { value } : {}),
        ...required,
      });
    } else if (question.type === 'date') {
      body.push({ type: 'Input.Date', id, label, ...(value ? { value } : {}), ...required });
    } else {
      body.push({ type: 'Input.Text', id, label, maxLength: MAX_ANSWER, ...(value ? { value } : {}), ...required });
    }
    const error = errors[question.id];
    if (error) body.push(errorText(md`${error}`));
  }
  return body;
}

/** The requester's answers, one fact each, titled with the question as it was asked. */
export function answerFacts(request: Pick<AccessRequest, 'details'>): Fact[] {
  return (request.details.answers ?? []).map((answer) => fact(md`${answer.label}`, md`${answer.answer}`));
}
