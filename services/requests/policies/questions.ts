/** A policy's questions for the requester: checking the answers typed on the form. */
import type { RequestAnswer } from '../model';
import type { PolicyQuestion } from './policyFile';

/** The form's input id of a question's answer (the card sends it back flat, beside the other fields). */
export function answerInputId(questionId: string): string {
  return `answer_${questionId}`;
}

export const MAX_ANSWER = 500;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The answers to keep with the request, or each problem by question id. */
export function checkAnswers(
  questions: readonly PolicyQuestion[],
  typed: Readonly<Record<string, string>>,
): { ok: true; answers: RequestAnswer[] } | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const answers: RequestAnswer[] = [];
  for (const question of questions) {
    const answer = (typed[question.id] ?? '').trim();
    if (!answer) {
      if (question.required) errors[question.id] = `Answer "${question.label}": this request's policy requires it.`;
      continue;
    }
    if (answer.length > MAX_ANSWER) errors[question.id] = `Keep the answer under ${MAX_ANSWER} characters.`;
    else if (question.type === 'choice' && !question.choices?.includes(answer)) errors[question.id] = 'Choose one of the answers offered.';
    else if (question.type === 'date' && (!DATE.test(answer) || Number.isNaN(Date.parse(`${answer}T00:00:00Z`)))) errors[question.id] = 'Enter a date.';
    else answers.push({ id: question.id, label: question.label, answer });
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, answers };
}
