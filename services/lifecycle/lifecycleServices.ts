/** The lifecycle services the bot's handlers call, built once in the composition root. */
import type { GuestLifecycle } from './guestLifecycle';
import type { Cleanup } from './cleanup';
import type { Recertification } from './recertification';
import type { Sponsors } from './sponsors';

export interface LifecycleServices {
  /** Expiry notices and the sponsor's answers to them, and the ends they lead to. */
  access: GuestLifecycle;
  /** Who answers for each guest: the `sponsor` command, and sponsors who left. */
  sponsors: Sponsors;
  /** Recertification campaigns: digests to sponsors, their answers, escalation to the approvers. */
  recertification: Recertification;
  /** Stale-guest cleanup: plans, dry runs, runs, and sponsors keeping guests out of them. */
  cleanup: Cleanup;
}
