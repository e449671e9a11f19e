import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { PLAYGROUNDS } from '../../scripts/localRun';
import { DEMO_SERVICE_PRINCIPAL_IDS, DEMO_TENANT_ID, demoWellKnownIds, loadDemoSeed } from '../../simulator/seed';

interface PlaygroundUser {
  id: string;
  name: string;
  userPrincipleName: string;
  aadObjectId: string;
  givenName: string;
  surname: string;
  email: string;
}

interface PlaygroundConfig {
  version: string;
  tenantId: string;
  bot: { id: string; name: string };
  currentUser: PlaygroundUser;
  users: PlaygroundUser[];
}

const ROOT = path.join(__dirname, '..', '..');

function readConfig(file: string): PlaygroundConfig {
  return parse(readFileSync(path.join(ROOT, file), 'utf8')) as PlaygroundConfig;
}

describe('the Agents Playground configs used by npm run local', () => {
  const seed = loadDemoSeed();
  const demo = demoWellKnownIds();
  const members = (groupId: string) => seed.groups.find((g) => g.id === groupId)?.members ?? [];

  it.each(Object.entries(PLAYGROUNDS))('%s: lists at least 5 users of the demo tenant, as the simulated directory has them', (_role, playground) => {
    const config = readConfig(playground.configFile);
    expect(config.version).toBe('0.1.1');
    expect(config.tenantId).toBe(DEMO_TENANT_ID);
    // The Playground refuses a file with fewer than 5 users.
    expect(config.users.length).toBeGreaterThanOrEqual(5);

    for (const user of [config.currentUser, ...config.users]) {
      const seeded = seed.users.find((u) => u.id === user.aadObjectId);
      expect(seeded).toBeDefined();
      expect(user).toMatchObject({
        name: seeded!.displayName,
        userPrincipleName: seeded!.userPrincipalName,
        email: seeded!.mail,
        givenName: seeded!.givenName,
        surname: seeded!.surname,
      });
    }
    const ids = [config.currentUser, ...config.users].map((u) => u.aadObjectId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('signs the requester in as an employee and the approver as a member of the approver group', () => {
    const requester = readConfig(PLAYGROUNDS.requester.configFile).currentUser;
    const approver = readConfig(PLAYGROUNDS.approver.configFile).currentUser;

    expect(requester.name).toBe(PLAYGROUNDS.requester.user);
    expect(members(demo.approverGroupId)).not.toContain(requester.aadObjectId);
    expect(approver.name).toBe(PLAYGROUNDS.approver.user);
    expect(members(demo.approverGroupId)).toContain(approver.aadObjectId);
  });

  it('signs the admin page in as an approver, an admin and an owner of the Partner Portal app', () => {
    const admin = readConfig(PLAYGROUNDS.admin.configFile).currentUser;
    const partnerPortal = (seed.servicePrincipals ?? []).find((sp) => sp.id === DEMO_SERVICE_PRINCIPAL_IDS.partnerPortal);

    expect(admin.name).toBe(PLAYGROUNDS.admin.user);
    expect(members(demo.adminGroupId)).toContain(admin.aadObjectId);
    expect(members(demo.approverGroupId)).toContain(admin.aadObjectId);
    expect(partnerPortal?.owners).toContain(admin.aadObjectId);
  });

  it('gives every instance the same bot and the same people, so each sees the others in the team', () => {
    const [first, ...others] = Object.values(PLAYGROUNDS).map((playground) => readConfig(playground.configFile));
    const people = (config: PlaygroundConfig) => [config.currentUser, ...config.users].map((u) => u.aadObjectId).sort();

    expect(others.length).toBe(2);
    for (const config of others) {
      expect(config.bot).toEqual(first.bot);
      expect(people(config)).toEqual(people(first));
    }
    const signedIn = Object.values(PLAYGROUNDS).map((playground) => readConfig(playground.configFile).currentUser.aadObjectId);
    expect(new Set(signedIn).size).toBe(signedIn.length);
  });
});
