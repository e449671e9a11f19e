import { odataString, pathSegment, queryString } from '../../../services/directory/odata';

describe('odataString', () => {
  it('doubles single quotes instead of escaping them with a backslash', () => {
    expect(odataString("o'brien@contoso.com")).toBe("'o''brien@contoso.com'");
  });
});

describe('queryString', () => {
  it('percent-encodes plus, hash, ampersand, percent and quotes in values', () => {
    const query = queryString({ $filter: `mail eq ${odataString("a+b#c&d%e'f@x.com")}` });
    expect(query).toBe("?$filter=mail%20eq%20'a%2Bb%23c%26d%25e''f%40x.com'");
  });

  it('leaves out undefined values and keeps $ in keys', () => {
    expect(queryString({ $top: 999, $filter: undefined, $count: true })).toBe('?$top=999&$count=true');
  });

  it('is empty when nothing is set', () => {
    expect(queryString({})).toBe('');
  });
});

describe('pathSegment', () => {
  it('encodes the # of guest user principal names', () => {
    expect(pathSegment('jane_fabrikam.com#EXT#@example.onmicrosoft.com')).toBe('jane_fabrikam.com%23EXT%23%40example.onmicrosoft.com');
  });
});
