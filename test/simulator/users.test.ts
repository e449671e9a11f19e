import { DEMO_GUEST_IDS, DEMO_USER_IDS } from '../../simulator';
import { EVENTUAL, asCollection, asEntity, asError, call, ids, names, useSimulator } from './helpers';

const DEFAULT_USER_PROPERTIES = [
  'businessPhones',
  'displayName',
  'givenName',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
  'id',
];
const UNSUPPORTED_QUERY = { code: 'Request_UnsupportedQuery', message: 'Unsupported Query.' };

describe('GET /users', () => {
  const t = useSimulator();
  let plusUserId = '';
  let spaceUserId = '';

  beforeAll(() => {
    plusUserId = t.sim.directory.addUser({ displayName: 'Plus Address', userPrincipalName: 'plus@example.com', mail: 'a+b@partner.com' }).id;
    spaceUserId = t.sim.directory.addUser({ displayName: 'Space Address', userPrincipalName: 'space@example.com', mail: 'a b@partner.com' }).id;
  });

  describe('$select', () => {
    it('returns only the default property set without $select', async () => {
      const res = await t.graph('/users');
      expect(res.status).toBe(200);
      const body = asCollection(res);
      expect(body['@odata.context']).toBe(`${t.sim.url}/v1.0/$metadata#users`);
      for (const user of body.value) expect(Object.keys(user)).toEqual(DEFAULT_USER_PROPERTIES);
    });

    it('returns exactly the selected properties, matching names case-insensitively', async () => {
      const res = await t.graph(
        `/users?$filter=id eq '${DEMO_GUEST_IDS.danaWhitfieldContoso}'&$select=id,USERTYPE,otherMails,externalUserState,createdDateTime`,
      );
      const body = asCollection(res);
      expect(body['@odata.context']).toBe(`${t.sim.url}/v1.0/$metadata#users(id,userType,otherMails,externalUserState,createdDateTime)`);
      expect(body.value).toEqual([
        {
          id: DEMO_GUEST_IDS.danaWhitfieldContoso,
          userType: 'Guest',
          otherMails: ['dwhitfield@contoso.com'],
          externalUserState: 'Accepted',
          createdDateTime: '2024-06-03T16:10:00Z',
        },
      ]);
    });

    it('answers 400 Request_BadRequest to an unknown $select property', async () => {
      const res = await t.graph('/users?$select=id,favouriteColour');
      expect(res.status).toBe(400);
      expect(asError(res)).toMatchObject({
        code: 'Request_BadRequest',
        message: "Could not find a property named 'favouriteColour' on type 'microsoft.graph.user'.",
      });
    });
  });

  describe('$top and $skip', () => {
    it.each(['0', '1000', '-1'])('answers 400 Request_BadRequest to $top=%s', async (top) => {
      const res = await t.graph(`/users?$top=${top}`);
      expect(res.status).toBe(400);
      expect(asError(res).code).toBe('Request_BadRequest');
      expect(asError(res).message).toContain('Must be between 1 and 999 inclusive');
    });

    it('accepts $top=999 and $top=1', async () => {
      expect((await t.graph('/users?$top=999')).status).toBe(200);
      expect(asCollection(await t.graph('/users?$top=1')).value).toHaveLength(1);
    });

    it('answers 400 BadRequest to a non-numeric $top', async () => {
      const res = await t.graph('/users?$top=ten');
      expect(res.status).toBe(400);
      expect(asError(res).code).toBe('BadRequest');
    });

    it('refuses $skip with 400 Request_BadRequest', async () => {
      const res = await t.graph('/users?$skip=10');
      expect(res.status).toBe(400);
      expect(asError(res).code).toBe('Request_BadRequest');
      expect(asError(res).message).toContain('$skip');
    });

    it('caps $top at 500 when signInActivity is selected', async () => {
      const res = await t.graph('/users?$select=id,signInActivity&$top=999');
      expect(res.status).toBe(400);
      expect(asError(res).message).toContain('between 1 and 500');
      expect((await t.graph('/users?$select=id,signInActivity&$top=500')).status).toBe(200);
    });
  });

  describe('$filter (default support)', () => {
    it('filters on userType case-insensitively', async () => {
      const body = asCollection(await t.graph("/users?$filter=userType eq 'guest'&$select=id"));
      expect(ids(body).sort()).toEqual(Object.values(DEMO_GUEST_IDS).sort());
    });

    it('finds a mail containing a quote when the quote is doubled', async () => {
      const res = await t.graph("/users?$filter=mail eq 'liam.o''brien@northwind.com'&$select=id,mail");
      expect(ids(asCollection(res))).toEqual([DEMO_GUEST_IDS.liamOBrienNorthwind]);
    });

    it('answers 400 BadRequest "Invalid filter clause" to an undoubled quote', async () => {
      const res = await t.graph("/users?$filter=mail eq 'liam.o'brien@northwind.com'");
      expect(res.status).toBe(400);
      expect(asError(res).code).toBe('BadRequest');
      expect(asError(res).message).toMatch(/^Invalid filter clause/);
    });

    it('decodes an unencoded + as a space, so a+b@ matches "a b@" and not the plus address', async () => {
      const raw = asCollection(await t.graph("/users?$filter=mail eq 'a+b@partner.com'&$select=id"));
      expect(ids(raw)).toEqual([spaceUserId]);
      const encoded = asCollection(await t.graph("/users?$filter=mail eq 'a%2Bb@partner.com'&$select=id"));
      expect(ids(encoded)).toEqual([plusUserId]);
    });

    it('matches a guest UPN with %23 for # and %27 for quotes', async () => {
      const upn = encodeURIComponent("liam.o''brien_northwind.com#EXT#@example.onmicrosoft.com");
      const res = await t.graph(`/users?$filter=userPrincipalName eq %27${upn}%27&$select=id`);
      expect(ids(asCollection(res))).toEqual([DEMO_GUEST_IDS.liamOBrienNorthwind]);
    });

    it('finds a guest by an otherMails alias with any lambda variable name', async () => {
      for (const variable of ['x', 'm', 'addr']) {
        const res = await t.graph(`/users?$filter=otherMails/any(${variable}:${variable} eq 'DWhitfield@contoso.com')&$select=id`);
        expect(ids(asCollection(res))).toEqual([DEMO_GUEST_IDS.danaWhitfieldContoso]);
      }
      const byMail = asCollection(await t.graph("/users?$filter=mail eq 'dwhitfield@contoso.com'&$select=id"));
      expect(byMail.value).toEqual([]);
    });

    it('combines mail and otherMails with or, without advanced parameters', async () => {
      const res = await t.graph("/users?$filter=mail eq 'dwhitfield@contoso.com' or otherMails/any(x:x eq 'dwhitfield@contoso.com')&$select=id");
      expect(res.status).toBe(200);
      expect(ids(asCollection(res))).toEqual([DEMO_GUEST_IDS.danaWhitfieldContoso]);
    });

    it("accepts the B2B invitation guidance's lookup (UPN, mail, proxyAddresses, otherMails) without advanced parameters", async () => {
      const lookup = (email: string) =>
        t.graph(
          `/users?$filter=${encodeURIComponent(`userPrincipalName eq '${email}' or mail eq '${email}' or proxyAddresses/any(p:p eq 'SMTP:${email}') or otherMails/any(o:o eq '${email}')`)}&$select=id`,
        );
      const alias = await lookup('dwhitfield@contoso.com');
      expect(alias.status).toBe(200);
      expect(ids(asCollection(alias))).toEqual([DEMO_GUEST_IDS.danaWhitfieldContoso]);
      expect(ids(asCollection(await lookup('AlexW@example.com')))).toEqual([DEMO_USER_IDS.alexWilber]);
      expect(asCollection(await lookup('nobody@nowhere.example')).value).toEqual([]);
    });

    it('finds users by a proxyAddresses entry (primary SMTP: from mail), but endswith on it needs advanced parameters', async () => {
      const byProxy = asCollection(
        await t.graph(`/users?$filter=${encodeURIComponent("proxyAddresses/any(p:p eq 'smtp:alexw@example.com')")}&$select=id,proxyAddresses`),
      );
      expect(byProxy.value).toEqual([{ id: DEMO_USER_IDS.alexWilber, proxyAddresses: ['SMTP:alexw@example.com'] }]);
      const ending = `/users?$filter=${encodeURIComponent("proxyAddresses/any(p:endswith(p,'@contoso.com'))")}&$count=true&$select=id`;
      expect((await t.graph(ending)).status).toBe(400);
      expect(ids(asCollection(await t.graph(ending, { headers: EVENTUAL })))).toContain(DEMO_GUEST_IDS.danaWhitfieldContoso);
    });

    it('supports in, and, parentheses, startswith and accountEnabled', async () => {
      const inList = asCollection(await t.graph("/users?$filter=mail in ('alexw@example.com','MEGANB@example.com')&$select=displayName"));
      expect(names(inList).sort()).toEqual(['Alex Wilber', 'Megan Bowen']);
      const starts = asCollection(await t.graph("/users?$filter=startswith(displayName,'meg')&$select=displayName"));
      expect(names(starts)).toEqual(['Megan Bowen']);
      const nested = asCollection(
        await t.graph("/users?$filter=userType eq 'Guest' and (accountEnabled eq false or externalUserState eq 'PendingAcceptance')&$select=id"),
      );
      expect(ids(nested).sort()).toEqual([DEMO_GUEST_IDS.liamOBrienNorthwind, DEMO_GUEST_IDS.raviKumarFabrikam].sort());
    });

    it('supports ge/le on externalUserStateChangeDateTime by default', async () => {
      const res = await t.graph('/users?$filter=externalUserStateChangeDateTime ge 2025-01-01T00:00:00Z&$select=id');
      expect(ids(asCollection(res)).sort()).toEqual([DEMO_GUEST_IDS.janeDoeFabrikam, DEMO_GUEST_IDS.raviKumarFabrikam].sort());
    });

    it('answers 400 to a quoted date-time literal', async () => {
      const res = await t.graph("/users?$filter=externalUserStateChangeDateTime ge '2025-01-01T00:00:00Z'");
      expect(res.status).toBe(400);
      expect(asError(res).message).toContain('incompatible types');
    });

    it('answers 400 Request_BadRequest to an unknown filter property', async () => {
      const res = await t.graph("/users?$filter=shoeSize eq '42'");
      expect(res.status).toBe(400);
      expect(asError(res).message).toBe("Could not find a property named 'shoeSize' on type 'microsoft.graph.user'.");
    });

    it('refuses to combine signInActivity with another property', async () => {
      const res = await t.graph("/users?$filter=userType eq 'Guest' and signInActivity/lastSignInDateTime le 2026-01-01T00:00:00Z");
      expect(res.status).toBe(400);
      expect(asError(res).code).toBe('Request_UnsupportedQuery');
      const alone = await t.graph('/users?$filter=signInActivity/lastSignInDateTime le 2026-11-01T00:00:00Z&$select=id');
      expect(ids(asCollection(alone))).toEqual([DEMO_GUEST_IDS.janeDoeFabrikam]);
    });
  });

  describe('advanced queries (ConsistencyLevel: eventual + $count=true)', () => {
    const ADVANCED_FILTERS = ["endswith(mail,'@fabrikam.com')", "userType ne 'Member'", "not(userType eq 'Member')", 'createdDateTime ge 2025-01-01T00:00:00Z'];

    it.each(ADVANCED_FILTERS)('answers 400 Request_UnsupportedQuery to %s without the header', async (filter) => {
      const res = await t.graph(`/users?$filter=${filter}&$count=true`);
      expect(res.status).toBe(400);
      expect(asError(res)).toMatchObject(UNSUPPORTED_QUERY);
    });

    it.each(ADVANCED_FILTERS)('answers 400 to %s with the header but without $count=true', async (filter) => {
      const res = await t.graph(`/users?$filter=${filter}`, { headers: EVENTUAL });
      expect(res.status).toBe(400);
      expect(asError(res)).toMatchObject(UNSUPPORTED_QUERY);
    });

    it('runs endswith with both advanced parameters and adds @odata.count', async () => {
      const res = await t.graph("/users?$filter=endswith(mail,'@fabrikam.com')&$count=true&$select=id", { headers: EVENTUAL });
      expect(res.status).toBe(200);
      const body = asCollection(res);
      expect(body['@odata.count']).toBe(2);
      expect(ids(body).sort()).toEqual([DEMO_GUEST_IDS.janeDoeFabrikam, DEMO_GUEST_IDS.raviKumarFabrikam].sort());
    });

    it('silently ignores $count=true without the header', async () => {
      const res = await t.graph("/users?$filter=userType eq 'Guest'&$count=true");
      expect(res.status).toBe(200);
      expect(asCollection(res)['@odata.count']).toBeUndefined();
    });

    it('answers 400 Request_BadRequest to /users/$count without the header', async () => {
      const res = await t.graph('/users/$count');
      expect(res.status).toBe(400);
      expect(asError(res)).toMatchObject({ code: 'Request_BadRequest', message: '$count is not currently supported.' });
    });

    it('answers /users/$count as a text/plain integer with the header, honouring $filter', async () => {
      const res = await t.graph("/users/$count?$filter=userType eq 'Guest'", { headers: EVENTUAL });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/plain');
      expect(res.text).toBe('4');
    });

    it('answers 400 Request_UnsupportedQuery to $search without ConsistencyLevel', async () => {
      const res = await t.graph('/users?$search="displayName:meg"');
      expect(res.status).toBe(400);
      expect(asError(res)).toMatchObject({
        code: 'Request_UnsupportedQuery',
        message: "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
      });
    });

    it('searches displayName and mail by token prefix with the header', async () => {
      const byName = asCollection(await t.graph('/users?$search="displayName:bow"&$select=displayName', { headers: EVENTUAL }));
      expect(names(byName)).toEqual(['Megan Bowen']);
      const byMail = asCollection(await t.graph('/users?$search="mail:jane"&$select=displayName', { headers: EVENTUAL }));
      expect(names(byMail)).toEqual(['Jane Doe (Fabrikam)']);
      const either = asCollection(await t.graph('/users?$search="displayName:adele" OR "displayName:lynne"&$select=displayName', { headers: EVENTUAL }));
      expect(names(either).sort()).toEqual(['Adele Vance', 'Lynne Robbins']);
    });

    it('sorts by displayName alone, but needs advanced parameters to sort a filtered list', async () => {
      const sorted = asCollection(await t.graph('/users?$orderby=displayName desc&$top=2&$select=displayName'));
      expect(names(sorted)).toEqual(['Space Address', 'Ravi Kumar (Fabrikam)']);
      const refused = await t.graph("/users?$filter=userType eq 'Guest'&$orderby=displayName");
      expect(refused.status).toBe(400);
      expect(asError(refused).code).toBe('Request_UnsupportedQuery');
      const allowed = await t.graph("/users?$filter=userType eq 'Guest'&$orderby=displayName&$count=true&$select=displayName", {
        headers: EVENTUAL,
      });
      expect(names(asCollection(allowed))).toEqual(['Dana Whitfield (Contoso)', 'Jane Doe (Fabrikam)', "Liam O'Brien (Northwind)", 'Ravi Kumar (Fabrikam)']);
    });
  });
});

describe('GET /users/{id | userPrincipalName}', () => {
  const t = useSimulator();

  it('returns a Playground user by its 13-digit id with the default properties', async () => {
    const res = await t.graph(`/users/${DEMO_USER_IDS.isaiahLanger}`);
    expect(res.status).toBe(200);
    const user = asEntity(res);
    expect(user['@odata.context']).toBe(`${t.sim.url}/v1.0/$metadata#users/$entity`);
    expect(user).toMatchObject({ id: DEMO_USER_IDS.isaiahLanger, mail: 'isaiahl@example.com', userPrincipalName: 'isaiah@example.com' });
    expect(user.userType).toBeUndefined();
  });

  it('returns a user by userPrincipalName and honours $select', async () => {
    const res = await t.graph('/users/ISAIAH@example.com?$select=id,userType,accountEnabled');
    expect(asEntity(res)).toEqual({
      '@odata.context': `${t.sim.url}/v1.0/$metadata#users(id,userType,accountEnabled)/$entity`,
      id: DEMO_USER_IDS.isaiahLanger,
      userType: 'Member',
      accountEnabled: true,
    });
  });

  it('resolves a guest UPN when # is sent as %23', async () => {
    const res = await t.graph('/users/jane.doe_fabrikam.com%23EXT%23@example.onmicrosoft.com?$select=id');
    expect(res.status).toBe(200);
    expect(asEntity(res).id).toBe(DEMO_GUEST_IDS.janeDoeFabrikam);
  });

  it('loses everything after an unencoded # (a fragment), which then fails as a malformed id', async () => {
    const res = await call(`${t.sim.url}/v1.0/users/jane.doe_fabrikam.com#EXT#@example.onmicrosoft.com`);
    expect(res.status).toBe(400);
    expect(asError(res).message).toBe("Invalid object identifier 'jane.doe_fabrikam.com'.");
  });

  it('answers 404 to an unknown UPN', async () => {
    const res = await t.graph('/users/nobody@example.com');
    expect(res.status).toBe(404);
    expect(asError(res).code).toBe('Request_ResourceNotFound');
  });
});

describe('GET /users/{id}/manager', () => {
  const t = useSimulator();

  it("answers the user's manager as a directory object", async () => {
    const res = await t.graph(`/users/${DEMO_USER_IDS.alexWilber}/manager?$select=id,displayName`);
    expect(res.status).toBe(200);
    expect(asEntity(res)).toMatchObject({ id: DEMO_USER_IDS.isaiahLanger, displayName: 'Isaiah Langer' });
  });

  it('answers 404 Request_ResourceNotFound for a user without a manager', async () => {
    const res = await t.graph(`/users/${DEMO_USER_IDS.isaiahLanger}/manager`);
    expect(res.status).toBe(404);
    expect(asError(res)).toMatchObject({ code: 'Request_ResourceNotFound' });
  });
});
