import { asCollection, asError, call, useSimulator } from './helpers';

describe('HTTP conventions', () => {
  const t = useSimulator();

  it('answers errors with code, message and innerError{date, request-id, client-request-id}', async () => {
    const res = await t.graph('/users/00000000-0000-4000-8000-00000000dead');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(Object.keys(res.body as object)).toEqual(['error']);
    const error = asError(res);
    expect(Object.keys(error)).toEqual(['code', 'message', 'innerError']);
    expect(error.innerError.date).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    expect(error.innerError['request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(error.innerError['request-id']).toBe(res.headers.get('request-id'));
  });

  it('echoes the client-request-id header in innerError and in the response headers', async () => {
    const res = await t.graph('/users/nope', { headers: { 'client-request-id': 'trace-1234' } });
    expect(asError(res).innerError['client-request-id']).toBe('trace-1234');
    expect(res.headers.get('client-request-id')).toBe('trace-1234');
  });

  it('answers 400 Request_BadRequest "Invalid object identifier" to a malformed id', async () => {
    const res = await t.graph('/groups/not-a-guid');
    expect(res.status).toBe(400);
    expect(asError(res)).toMatchObject({ code: 'Request_BadRequest', message: "Invalid object identifier 'not-a-guid'." });
  });

  it('answers 404 Request_ResourceNotFound with the service wording to an unknown id', async () => {
    const id = 'e0c9b1d2-3f4a-4b5c-9d6e-7f8091a2b3c4';
    const res = await t.graph(`/groups/${id}`);
    expect(res.status).toBe(404);
    expect(asError(res)).toMatchObject({
      code: 'Request_ResourceNotFound',
      message: `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
    });
  });

  it('answers 404 UnknownError for an unknown route, naming the segment', async () => {
    const res = await t.graph('/users/00000000-0000-0000-0000-0000000000020/photos');
    expect(res.status).toBe(404);
    expect(asError(res)).toMatchObject({ code: 'UnknownError', message: "Resource not found for the segment 'photos'." });
    expect((await call(`${t.sim.url}/beta/users`)).status).toBe(404);
  });

  it('answers 405 with an Allow header to an unsupported method', async () => {
    const res = await t.graph('/invitations');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(asError(res).code).toBe('Request_BadRequest');
  });

  it('matches path segments case-insensitively', async () => {
    const res = await t.graph('/Users?$top=1');
    expect(res.status).toBe(200);
    expect(asCollection(res).value).toHaveLength(1);
  });

  it('answers 400 BadRequest to malformed JSON and to a JSON body without a JSON Content-Type', async () => {
    const malformed = await t.graph('/invitations', {
      method: 'POST',
      rawBody: '{"invitedUserEmailAddress":',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect(asError(malformed).code).toBe('BadRequest');
    expect(asError(malformed).message).toMatch(/^Unable to read JSON request payload/);
    const wrongType = await t.graph('/invitations', { method: 'POST', rawBody: '{}', headers: { 'Content-Type': 'text/plain' } });
    expect(wrongType.status).toBe(400);
  });

  it('answers 413 to a body over 1 MB', async () => {
    const res = await t.graph('/invitations', {
      method: 'POST',
      rawBody: JSON.stringify({ pad: 'x'.repeat(1024 * 1024 + 10) }),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(res.status).toBe(413);
    expect(asError(res).innerError['request-id']).toBeTruthy();
  });

  it('refuses /me for an application caller', async () => {
    const res = await t.graph('/me');
    expect(res.status).toBe(400);
    expect(asError(res).message).toBe('/me request is only valid with delegated authentication flow.');
  });

  it('answers 400 to a query option given twice', async () => {
    const res = await t.graph('/users?$top=1&$top=2');
    expect(res.status).toBe(400);
  });

  it('serves the organization with its verified and initial domains', async () => {
    const res = await t.graph('/organization');
    const org = asCollection(res).value[0];
    expect(org).toMatchObject({ id: '00000000-0000-0000-0000-0000000000001', displayName: 'Example Corp (demo)' });
    expect(org.verifiedDomains).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'example.com', isDefault: true }),
        expect.objectContaining({ name: 'example.onmicrosoft.com', isInitial: true }),
      ]),
    );
  });
});
