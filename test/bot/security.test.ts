import { Writable } from 'node:stream';
import { VERBS } from '../../cards/verbs';
import { DEMO_GROUP_IDS, DEMO_GUEST_IDS } from '../../simulator/seed';
import type { AdaptiveCard } from '../../cards/adaptiveCard';
import { allActions, cardText } from '../helpers/adaptiveCards';
import { BotHarness, people } from '../helpers/botHarness';
import { cardsFor, clickOnCard, invokeCard, invokeError, say } from '../helpers/conversation';
import { teamsActivities } from '../helpers/teamsActivities';

const FORM = {
  displayName: 'Eve Example',
  email: 'eve.example@fabrikam.com',
  message: 'A private note for Eve',
  groupIds: DEMO_GROUP_IDS.projectFalcon,
  directoryRoleId: 'none',
  justification: 'Confidential merger work with Fabrikam',
};

function unsignedToken(claims: Record<string, string>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT', kid: 'forged' })}.${part(claims)}.${Buffer.from('signature').toString('base64url')}`;
}

async function fileRequest(harness: BotHarness, requester = people.alex, form: Record<string, string> = FORM): Promise<string> {
  const opened = await say(harness, requester, 'invite');
  const status = cardText(invokeCard(await harness.post(harness.activities.cardAction(requester, VERBS.submitInvite, form, opened.activityId))));
  return /GA-[0-9A-Z]{6}/.exec(status)![0];
}

describe('security rules', () => {
  describe('with a bot app id configured', () => {
    let harness: BotHarness;
    beforeAll(async () => {
      harness = await BotHarness.start({
        MicrosoftAppId: '11111111-2222-3333-4444-555555555555',
        MicrosoftAppPassword: 'not-a-real-secret',
        MicrosoftAppTenantId: '00000000-0000-0000-0000-0000000000001',
      });
    });
    afterAll(() => harness.stop());

    it('refuses a request without a Bot Framework token', async () => {
      const result = await harness.post(harness.activities.message(people.alex, 'help'));
      expect(result.status).toBe(401);
      expect(harness.connector.recorded).toHaveLength(0);
    });

    it('refuses a token that the Bot Framework did not issue', async () => {
      const forged = `Bearer ${unsignedToken({ iss: 'https://login.evil.example/', aud: '11111111-2222-3333-4444-555555555555' })}`;
      const result = await harness.post(harness.activities.message(people.alex, 'help'), { Authorization: forged });
      expect(result.status).toBe(401);
      expect(harness.connector.recorded).toHaveLength(0);
    });
  });

  describe('in local mode', () => {
    let harness: BotHarness;
    beforeEach(async () => {
      harness = await BotHarness.start();
    });
    afterEach(() => harness.stop());

    it('refuses activities from another tenant and remembers nothing of them', async () => {
      const foreign = teamsActivities({ serviceUrl: harness.connector.url, tenantId: '99999999-9999-9999-9999-999999999999' });
      const invoke = await harness.post(foreign.cardAction(people.megan, VERBS.approve, { requestId: 'GA-000000' }));
      expect(invoke.status).toBe(403);
      const message = await harness.post(foreign.message(people.megan, 'help'));
      expect(message.status).toBe(200);
      expect(harness.connector.recorded).toHaveLength(0);
      expect(await harness.app.store.getConversation(`user:${people.megan.aadObjectId}`)).toBeUndefined();
    });

    it('does not take authority from card data', async () => {
      // The approval card goes to the approvals channel, where Isaiah (no approver) can click it too.
      await harness.post(harness.activities.channelMessage(people.lynne, 'set approvals channel'));
      const requestId = await fileRequest(harness);
      const posted = harness.connector.in('19:approvals@thread.tacv2').find((r) => r.kind === 'send' && JSON.stringify(r.activity).includes(requestId))!;
      const tampered = {
        requestId,
        approver: people.megan.aadObjectId,
        from: { aadObjectId: people.megan.aadObjectId, name: 'Megan Bowen' },
        role: 'approver',
      };
      const error = invokeError(await harness.post(harness.activities.channelCardAction(people.isaiah, VERBS.approve, tampered, posted.activityId)));
      expect(error.statusCode).toBe(403);
      expect((await harness.app.store.getRequest(requestId))?.state).toBe('pending');
    });

    it('refuses a click whose data names another request than the card it came from', async () => {
      await say(harness, people.megan, 'hello');
      const first = await fileRequest(harness);
      const second = await fileRequest(harness, people.alex, { ...FORM, email: 'other.guest@fabrikam.com' });
      const firstCard = cardsFor(harness, people.megan).find((c) => c.text.includes(first))!;

      const forged = invokeError(await harness.post(harness.activities.cardAction(people.megan, VERBS.approve, { requestId: second }, firstCard.activityId)));
      expect(forged).toMatchObject({ statusCode: 400, code: 'BadRequest' });
      expect((await harness.app.store.getRequest(first))?.state).toBe('pending');
      expect((await harness.app.store.getRequest(second))?.state).toBe('pending');
      expect((await harness.app.store.listAudit(second)).map((a) => a.action)).not.toContain('request_approved');

      // The same click with the card's own request goes through.
      const approved = cardText(
        invokeCard(await harness.post(harness.activities.cardAction(people.megan, VERBS.approve, { requestId: first }, firstCard.activityId))),
      );
      expect(approved).toContain('Approved by Megan Bowen');
    });

    it('refuses approve, deny and cancel clicks that name no card the bot recorded for the request, and audits them', async () => {
      await say(harness, people.megan, 'hello');
      const requestId = await fileRequest(harness);
      const noCard = harness.activities.cardAction(people.megan, VERBS.approve, { requestId });
      const unknownCard = harness.activities.cardAction(people.megan, VERBS.deny, { requestId, reason: 'No' }, 'activity-that-was-never-posted');
      const otherChat = harness.activities.cardAction(people.isaiah, VERBS.approve, { requestId }, cardsFor(harness, people.megan)[0].activityId);
      const cancel = harness.activities.cardAction(people.alex, VERBS.cancel, { requestId });
      for (const click of [noCard, unknownCard, otherChat, cancel]) {
        expect(invokeError(await harness.post(click))).toMatchObject({
          statusCode: 400,
          code: 'BadRequest',
          message: expect.stringContaining('not on a card I can find'),
        });
      }
      expect((await harness.app.store.getRequest(requestId))?.state).toBe('pending');
      const refused = (await harness.app.store.listAudit(requestId)).filter((a) => a.action === 'card_click_refused');
      expect(refused.map((a) => [a.source, a.detail?.why])).toEqual([noCard, unknownCard, otherChat, cancel].map((c) => [c.id, 'untied']));
    });

    it('records every card with decision buttons, so clicks on them work, also after a click replaced the card', async () => {
      await say(harness, people.megan, 'hello');
      const opened = await say(harness, people.alex, 'invite');
      const status = cardText(invokeCard(await harness.post(harness.activities.cardAction(people.alex, VERBS.submitInvite, FORM, opened.activityId))));
      const requestId = /GA-[0-9A-Z]{6}/.exec(status)![0];
      const approval = cardsFor(harness, people.megan).find((c) => c.text.includes(requestId))!;
      // The status card replaced the form in place, so it is the form's message; the approval card was posted.
      expect(await harness.app.store.listCardMessages(requestId)).toEqual(
        expect.arrayContaining([
          { requestId, role: 'requester', conversationKey: `user:${people.alex.aadObjectId}`, activityId: opened.activityId },
          { requestId, role: 'approval', conversationKey: `user:${people.megan.aadObjectId}`, activityId: approval.activityId },
        ]),
      );
      // A deny without a reason brings the card back in place; its Approve still belongs to the request.
      expect(
        cardText(invokeCard(await harness.post(harness.activities.cardAction(people.megan, VERBS.deny, { requestId, reason: '' }, approval.activityId)))),
      ).toContain('Give a reason');
      expect(
        cardText(invokeCard(await harness.post(harness.activities.cardAction(people.megan, VERBS.approve, { requestId }, approval.activityId)))),
      ).toContain('Approved by Megan Bowen');

      // An admin's guest card and revoke card are recorded for their guest.
      const guestCard = await say(harness, people.lynne, 'guest jane.doe@fabrikam.com');
      const revokeCard = await say(harness, people.lynne, 'revoke jane.doe@fabrikam.com');
      for (const card of [guestCard, revokeCard]) {
        expect(await harness.app.store.findGuestCardMessage(`user:${people.lynne.aadObjectId}`, card.activityId)).toEqual({
          guestId: DEMO_GUEST_IDS.janeDoeFabrikam,
          conversationKey: `user:${people.lynne.aadObjectId}`,
          activityId: card.activityId,
        });
      }
    });

    it('denies when the approver is the requester', async () => {
      await say(harness, people.adele, 'hello');
      const requestId = await fileRequest(harness, people.megan);
      // Megan has no approval card of her own request: an Approve forged onto her status card is still refused as hers.
      const statusCard = (await harness.app.store.listCardMessages(requestId)).find((c) => c.role === 'requester')!;
      const error = invokeError(await harness.post(harness.activities.cardAction(people.megan, VERBS.approve, { requestId }, statusCard.activityId)));
      expect(error).toMatchObject({ statusCode: 403, message: 'You asked for this guest, so another approver has to decide.' });
      const audit = await harness.app.store.listAudit(requestId);
      expect(audit.some((a) => a.action === 'approve_refused' && a.detail?.why === 'self_approval')).toBe(true);
      // The requester gets no approval card for their own request; another approver does.
      const approveButtons = (card: AdaptiveCard) => allActions(card).filter((a) => a.type === 'Action.Execute' && a.verb === VERBS.approve);
      expect(cardsFor(harness, people.megan).flatMap((c) => approveButtons(c.card))).toHaveLength(0);
      expect(cardsFor(harness, people.adele).some((c) => c.text.includes(requestId))).toBe(true);
      const approved = cardText(invokeCard(await clickOnCard(harness, people.adele, VERBS.approve, { requestId })));
      expect(approved).toContain('Approved by Adele Vance');
    });

    it('shows user text literally on cards, so it cannot become links or images', async () => {
      await say(harness, people.megan, 'hello');
      await fileRequest(harness, people.alex, {
        ...FORM,
        displayName: '**Boss** <b>x</b>',
        justification: 'See [the contract](https://evil.example/phish) and ![logo](https://evil.example/track.png)',
      });
      const approval = cardsFor(harness, people.megan).find((c) => c.text.includes('eve.example'))!;
      expect(approval.text).toContain('\\[the contract\\](https://evil.example/phish)');
      expect(approval.text).toContain('!\\[logo\\]');
      expect(approval.text).toContain('\\*\\*Boss\\*\\* \\<b\\>x\\</b\\>');
      expect(approval.text).not.toMatch(/[^\\]\[the contract\]/);
    });

    it('answers malformed, oversized and non-activity bodies with 4xx and keeps serving', async () => {
      expect((await harness.post('{"type": "message", ')).status).toBe(400);
      expect((await harness.post('[1, 2, 3]')).status).toBe(400);
      expect((await harness.post({ text: 'no type' })).status).toBe(400);
      expect((await harness.post({ type: 'message', text: 'x'.repeat(300 * 1024) })).status).toBe(413);
      const health = await fetch(`${harness.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
    });

    it('refuses unknown verbs, unexpected card data and senders without an identity', async () => {
      const unknownVerb = invokeError(await harness.post(harness.activities.cardAction(people.alex, 'request.delete', { requestId: 'GA-000000' })));
      expect(unknownVerb).toMatchObject({ statusCode: 400, code: 'NotSupported' });
      const badData = invokeError(await harness.post(harness.activities.cardAction(people.megan, VERBS.approve, { requestId: 42 })));
      expect(badData).toMatchObject({ statusCode: 400, code: 'BadRequest' });
      const anonymous = harness.activities.cardAction(people.megan, VERBS.approve, { requestId: 'GA-000000' });
      const withoutId = { ...anonymous, from: { id: '29:someone', name: 'Someone' } };
      expect(invokeError(await harness.post(withoutId))).toMatchObject({ statusCode: 401 });
      const notAnInvoke = { ...anonymous, value: { action: { type: 'Action.Submit' } } };
      expect(invokeError(await harness.post(notAnInvoke))).toMatchObject({ statusCode: 400 });
      const unknownRequest = invokeError(await harness.post(harness.activities.cardAction(people.megan, VERBS.approve, { requestId: 'GA-ZZZZZZ' })));
      expect(unknownRequest).toMatchObject({ statusCode: 400, message: expect.stringContaining('not on a card I can find') });
    });
  });

  describe('logs', () => {
    it('hold ids, never guest addresses, messages, justifications or secrets', async () => {
      const lines: string[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString('utf8'));
          done();
        },
      });
      const harness = await BotHarness.start({ LOG_LEVEL: 'trace', MicrosoftAppTenantId: '00000000-0000-0000-0000-0000000000001' }, { logStream: sink });
      try {
        await say(harness, people.megan, 'hello');
        const requestId = await fileRequest(harness);
        await clickOnCard(harness, people.megan, VERBS.approve, { requestId });
        await harness.settle();
        const log = lines.join('');
        expect(log).toContain(requestId);
        expect(log).toContain('request completed');
        for (const secret of [FORM.email, 'fabrikam.com', FORM.message, FORM.justification, FORM.displayName]) {
          expect(log).not.toContain(secret);
        }
      } finally {
        await harness.stop();
      }
    });
  });
});
