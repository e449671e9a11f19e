import { ensureBuilt, startBotProcess, type BotProcess } from '../helpers/botProcess';

/** `npm start` says at start whether app owners may approve invitations. */
describe('the start banner', () => {
  let bot: BotProcess | undefined;

  beforeAll(() => ensureBuilt());

  afterEach(async () => {
    await bot?.stop();
    bot = undefined;
  });

  it.each([
    [{}, 'App owners:  approve access for existing guests only; new guests go to the approver group (APP_OWNERS_MAY_INVITE=false)'],
    [{ APP_OWNERS_MAY_INVITE: 'true' }, 'App owners:  may approve inviting new guests for their apps (APP_OWNERS_MAY_INVITE=true)'],
  ])(
    'names which app owner policy is in force with %j',
    async (env, line) => {
      bot = await startBotProcess({ LOG_LEVEL: 'silent', ...env });
      expect(bot.output()).toContain(line);
    },
    60_000,
  );
});
