import { GraphError } from '../../simulator';
import { analyzeFilter, evaluateFilter, parseFilter } from '../../simulator/odataFilter';
import { GROUP, USER } from '../../simulator/schema';

const guest = {
  id: 'abc',
  displayName: "Liam O'Brien",
  mail: "liam.o'brien@northwind.com",
  otherMails: ['LIAM@northwind.com', 'l.obrien@partner.com'],
  userType: 'Guest',
  accountEnabled: false,
  externalUserStateChangeDateTime: '2024-01-15T10:00:00Z',
};

function matches(filter: string): boolean {
  return evaluateFilter(analyzeFilter(parseFilter(filter), USER).expr, guest);
}

function errorOf(run: () => unknown): GraphError {
  try {
    run();
  } catch (err) {
    if (err instanceof GraphError) return err;
    throw err;
  }
  throw new Error('expected a GraphError');
}

describe('$filter parser and evaluator', () => {
  it('reads doubled quotes inside string literals', () => {
    expect(parseFilter("mail eq 'o''brien'")).toEqual({ kind: 'compare', op: 'eq', path: 'mail', value: { type: 'string', value: "o'brien" } });
    expect(matches("mail eq 'LIAM.O''BRIEN@northwind.com'")).toBe(true);
  });

  it('gives and precedence over or, and honours parentheses', () => {
    expect(matches("userType eq 'Member' and accountEnabled eq true or userType eq 'Guest'")).toBe(true);
    expect(matches("userType eq 'Member' and (accountEnabled eq true or userType eq 'Guest')")).toBe(false);
  });

  it('evaluates any() lambdas case-insensitively with any variable name', () => {
    expect(matches("otherMails/any(o:o eq 'liam@NORTHWIND.com')")).toBe(true);
    expect(matches("otherMails/any(o:startswith(o,'l.o'))")).toBe(true);
    expect(matches("otherMails/any(o:o eq 'nobody@x.com')")).toBe(false);
  });

  it('compares date-times as instants', () => {
    expect(matches('externalUserStateChangeDateTime ge 2024-01-15T11:00:00+01:00')).toBe(true);
    expect(matches('externalUserStateChangeDateTime le 2024-01-15T09:59:59Z')).toBe(false);
  });

  it('flags the operations that need advanced query parameters', () => {
    const advanced = (f: string) => analyzeFilter(parseFilter(f), USER).needsAdvanced;
    expect(advanced("userType eq 'Guest'")).toBe(false);
    expect(advanced("startswith(mail,'a')")).toBe(false);
    expect(advanced("mail in ('a@x.com','b@x.com')")).toBe(false);
    expect(advanced("endswith(mail,'@x.com')")).toBe(true);
    expect(advanced("userType ne 'Guest'")).toBe(true);
    expect(advanced("not(userType eq 'Guest')")).toBe(true);
    expect(advanced('mail eq null')).toBe(true);
    expect(advanced('createdDateTime le 2024-01-01T00:00:00Z')).toBe(true);
  });

  it.each(["mail eq 'unterminated", 'mail eq', "mail eq 'a' and", "(mail eq 'a'", "mail like 'a'", "foo(mail,'a')", ''])(
    'answers 400 BadRequest "Invalid filter clause" to %p',
    (filter) => {
      const err = errorOf(() => parseFilter(filter));
      expect(err.status).toBe(400);
      expect(err.code).toBe('BadRequest');
      expect(err.message).toMatch(/^Invalid filter clause/);
    },
  );

  it('rejects properties and operations the type does not support', () => {
    expect(errorOf(() => analyzeFilter(parseFilter("nickname eq 'x'"), USER)).message).toBe(
      "Could not find a property named 'nickname' on type 'microsoft.graph.user'.",
    );
    expect(errorOf(() => analyzeFilter(parseFilter("contains(displayName,'x')"), USER)).code).toBe('Request_UnsupportedQuery');
    expect(errorOf(() => analyzeFilter(parseFilter("businessPhones/any(p:p eq '1')"), USER)).code).toBe('Request_UnsupportedQuery');
    expect(errorOf(() => analyzeFilter(parseFilter('mailEnabled eq 1'), GROUP)).message).toContain('incompatible types');
    expect(errorOf(() => analyzeFilter(parseFilter("otherMails/any(x:mail eq 'a')"), USER)).code).toBe('BadRequest');
  });
});
