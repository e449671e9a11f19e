/**
 * Local mode's stand-ins for what Teams and Entra do around a tab: the local issuer's public keys,
 * and for the local Teams host page the people one can be and a token for each. They exist only
 * without an app id, where /api/messages takes unsigned activities too and the bot listens on this
 * machine only: a token from here grants nothing an unsigned activity would not.
 */
import type * as restify from 'restify';
import { z } from 'zod';
import type { LocalIssuer, LocalPerson } from '../../services/identity/localIssuer';
import type { Logger } from '../../services/platform/logger';
import { receiveJson } from '../server';

export const LOCAL_ISSUER_KEYS_PATH = '/tab/local-issuer/keys';
export const LOCAL_HOST_PAGE_PATH = '/tab/local-host.html';

const tokenBody = z.object({ aadObjectId: z.string().min(1).max(64) });

export function registerLocalIssuerKeys(server: restify.Server, issuer: LocalIssuer): void {
  // Published like Entra's key set, for anyone checking a local token by hand.
  server.get(LOCAL_ISSUER_KEYS_PATH, async (_req: restify.Request, res: restify.Response) => {
    res.header('Cache-Control', 'no-store');
    res.send(200, issuer.jwks());
  });
}

/** The host page's API: who can sign in, and their token. */
export function registerLocalHost(server: restify.Server, deps: { issuer: LocalIssuer; people: readonly LocalPerson[]; logger: Logger }): void {
  const { issuer, people, logger } = deps;
  server.get('/tab/local-host/people', async (_req: restify.Request, res: restify.Response) => {
    res.header('Cache-Control', 'no-store');
    res.send(200, { people: people.map((p) => ({ aadObjectId: p.aadObjectId, name: p.name, userPrincipalName: p.userPrincipalName })) });
  });
  server.post('/tab/local-host/token', async (req: restify.Request, res: restify.Response) => {
    res.header('Cache-Control', 'no-store');
    const received = await receiveJson(req, { maxBytes: 4096, expected: 'a JSON object naming aadObjectId' });
    if (received.kind === 'aborted') return;
    if (received.kind === 'refused') {
      res.send(received.status, { error: received.reason });
      return;
    }
    const parsed = tokenBody.safeParse(received.value);
    const person = parsed.success ? people.find((p) => p.aadObjectId === parsed.data.aadObjectId) : undefined;
    if (!person) {
      res.send(404, { error: 'The local host page signs in only the people it lists.' });
      return;
    }
    logger.info({ aadObjectId: person.aadObjectId }, 'local token issued');
    res.send(200, { token: await issuer.issue(person) });
  });
}
