/** `policies`: the approval policies in force, and which one a hypothetical request falls under. */
import type { PoliciesView, PolicySummary } from '../services/requests/policies/policyInspector';
import { adaptiveCard, type AdaptiveCard, type CardElement, type Container } from './adaptiveCard';
import { text, title } from './elements';
import { md } from './markdown';

export function policiesCard(view: PoliciesView): AdaptiveCard {
  const body: CardElement[] = [];
  if (view.test) {
    const { test } = view;
    body.push(
      title(md`
Policy test
      `),
      text(md`${test.asked}`, { spacing: 'Small' }),
    );
    body.push(
      test.matched
        ? text(md`Falls under the policy **${test.matched}**`, { color: 'Good', bold: true })
        : text(
            md`
Falls under no policy: today's single stage applies.
            `,
            { bold: true },
          ),
    );
    for (const stage of test.stages) body.push(text(md`${stage}`, { spacing: 'Small' }));
    if (test.alsoMatching.length > 0) body.push(text(md`Also matching, less strict: ${test.alsoMatching.join(', ')}`, { subtle: true }));
    if (test.unknown.length > 0) body.push(text(md`Not found in the directory, left out of the test: ${test.unknown.join(', ')}`, { color: 'Warning' }));
  }
  body.push(
    title(md`
Approval policies in force
    `),
  );
  if (!view.active) {
    body.push(
      text(md`
No policies file (POLICIES_PATH) is configured: every request has one stage, decided by the approver group, or by an app's owners for a request that only grants their app.
      `),
    );
  } else {
    body.push(
      text(
        md`
When several policies match a request, the strictest wins: the most stages, then the most approvals in all, then the first in the file.
        `,
        { subtle: true },
      ),
    );
    body.push(...view.policies.map(policyBlock));
  }
  return adaptiveCard(body);
}

function policyBlock(policy: PolicySummary, index: number): Container {
  const items: CardElement[] = [text(md`${index + 1}. **${policy.name}** — ${policy.match}`)];
  if (policy.description) items.push(text(md`${policy.description}`, { subtle: true, spacing: 'None' }));
  for (const stage of policy.stages) items.push(text(md`${stage}`, { spacing: 'None' }));
  if (policy.questions.length > 0) items.push(text(md`Questions: ${policy.questions.join('; ')}`, { spacing: 'None' }));
  if (policy.separation.length > 0) items.push(text(md`Separation of duties: ${policy.separation.join('; ')}`, { spacing: 'None' }));
  return { type: 'Container', separator: true, items };
}
