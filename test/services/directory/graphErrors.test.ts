import { GraphFailure, parseRetryAfter, toGraphFailure } from '../../../services/directory/graphErrors';

describe('GraphFailure', () => {
  it.each([429, 500, 503, 504, 0])('treats %s as transient', (status) => {
    expect(new GraphFailure(status, 'x', 'y').transient).toBe(true);
  });

  it.each([400, 401, 403, 404, 409])('treats %s as permanent', (status) => {
    expect(new GraphFailure(status, 'x', 'y').transient).toBe(false);
  });

  it("explains a refusal without blaming the permissions alone, naming the code and Graph's words", () => {
    const message = new GraphFailure(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.').userMessage;
    expect(message).toContain('either its app lacks a Graph permission this needs (an admin can see which with npm run check-permissions)');
    expect(message).toContain('or the object is protected from apps, such as a user who holds a privileged administrator role');
    expect(message).toContain('Authorization_RequestDenied');
    expect(message).toContain('Insufficient privileges');
  });
});

describe('toGraphFailure', () => {
  it("reads status, code, message, request id and Retry-After from the client's GraphError", () => {
    const headers = new Headers({ 'Retry-After': '7' });
    const failure = toGraphFailure({ statusCode: 429, code: 'TooManyRequests', message: 'Please retry again later.', requestId: 'r-1', headers });
    expect(failure).toMatchObject({ status: 429, code: 'TooManyRequests', graphMessage: 'Please retry again later.', requestId: 'r-1', retryAfterSeconds: 7 });
  });

  it('turns a network failure into a transient status 0', () => {
    const failure = toGraphFailure(new TypeError('fetch failed'));
    expect(failure.status).toBe(0);
    expect(failure.transient).toBe(true);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    const now = new Date('2026-11-26T10:00:00Z');
    expect(parseRetryAfter('10', now)).toBe(10);
    expect(parseRetryAfter('Thu, 26 Nov 2026 10:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
