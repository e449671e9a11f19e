import { loadDemoSeed, type SeedFixture } from '../../simulator';
import { EVENTUAL, asCollection, asError, call, ids, useSimulator, type CollectionJson } from './helpers';

const EXTRA_USERS = 1200;

/** The demo tenant plus 1200 "Load Test" guests, so the guest list is longer than one 999-item page. */
function bigSeed(): SeedFixture {
  const seed = loadDemoSeed();
  for (let i = 0; i < EXTRA_USERS; i += 1) {
    const n = String(i).padStart(4, '0');
    seed.users.push({
      id: `aaaaaaaa-0000-4000-8000-00000000${n}`,
      displayName: `Load Test ${n}`,
      userPrincipalName: `load${n}_partner.com#EXT#@example.onmicrosoft.com`,
      mail: `load${n}@partner.com`,
      otherMails: [`load${n}@partner.com`],
      userType: 'Guest',
      creationType: 'Invitation',
      externalUserState: 'Accepted',
      createdDateTime: '2025-05-05T05:05:05Z',
    });
  }
  return seed;
}

describe('paging', () => {
  const t = useSimulator(() => ({ seed: bigSeed() }));
  const totalGuests = EXTRA_USERS + 4;

  it('pages over more than 999 guests with absolute nextLinks followed verbatim, counting only on the first page', async () => {
    const first = await t.graph("/users?$filter=userType eq 'Guest'&$select=id,displayName&$top=999&$count=true", { headers: EVENTUAL });
    expect(first.status).toBe(200);
    const page1 = asCollection(first);
    expect(page1.value).toHaveLength(999);
    expect(page1['@odata.count']).toBe(totalGuests);
    const nextLink = page1['@odata.nextLink'];
    expect(nextLink).toBeDefined();
    expect(nextLink?.startsWith(`${t.sim.url}/v1.0/users?`)).toBe(true);
    // The link carries the original options.
    expect(nextLink).toContain('$top=999');
    expect(nextLink).toContain('$count=true');
    expect(nextLink).toContain('$select=id,displayName');
    expect(nextLink).toMatch(/\$skiptoken=[A-Za-z0-9_-]+$/);

    const second = await call(nextLink as string, { headers: EVENTUAL });
    const page2 = asCollection(second);
    expect(page2.value).toHaveLength(totalGuests - 999);
    expect(page2['@odata.count']).toBeUndefined();
    expect(page2['@odata.nextLink']).toBeUndefined();
    expect(Object.keys(page2.value[0])).toEqual(['id', 'displayName']);

    const all = [...ids(page1), ...ids(page2)];
    expect(new Set(all).size).toBe(totalGuests);
  });

  it('uses pages of 100 by default', async () => {
    let link: string | undefined = `${t.sim.url}/v1.0/users?$select=id`;
    const seen: string[] = [];
    let pages = 0;
    while (link) {
      const page: CollectionJson = asCollection(await call(link));
      expect(page.value.length).toBeLessThanOrEqual(100);
      seen.push(...ids(page));
      link = page['@odata.nextLink'];
      pages += 1;
    }
    const total = t.sim.directory.users.length;
    expect(pages).toBe(Math.ceil(total / 100));
    expect(new Set(seen).size).toBe(total);
  });

  it('does not carry ConsistencyLevel into the next page: an advanced query without the header fails there', async () => {
    const first = asCollection(await t.graph("/users?$filter=endswith(mail,'@partner.com')&$count=true&$top=10&$select=id", { headers: EVENTUAL }));
    const next = await call(first['@odata.nextLink'] as string);
    expect(next.status).toBe(400);
    expect(asError(next).code).toBe('Request_UnsupportedQuery');
  });

  it('keeps later pages stable when a user is created between requests', async () => {
    const first = asCollection(await t.graph("/users?$filter=startswith(displayName,'Load Test')&$top=600&$select=id"));
    t.sim.directory.addUser({ id: 'aaaaaaaa-0000-4000-8000-00000000000a', displayName: 'Load Test early', userPrincipalName: 'early@example.com' });
    const second = asCollection(await call(first['@odata.nextLink'] as string));
    const all = [...ids(first), ...ids(second)];
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBe(EXTRA_USERS);
  });

  it('answers 400 Request_BadRequest to a forged $skiptoken', async () => {
    const res = await t.graph('/users?$skiptoken=not-a-token');
    expect(res.status).toBe(400);
    expect(asError(res).code).toBe('Request_BadRequest');
  });
});
