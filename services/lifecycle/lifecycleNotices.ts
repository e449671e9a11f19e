/**
 * Delivers the lifecycle's messages from the outbox: each is rendered from what the store holds
 * when it goes out, and sent to whoever answers for the guest (the sponsor, or the approvers when
 * the approver group sponsors it) or to the admin who asked. Sending twice is harmless for a card
 * that replaces nothing; a message is sent again only when a crash came between sending it and
 * marking it delivered.
 */
import type { NamedRef } from '../requests/model';
import type { Logger } from '../platform/logger';
import type { OutboxHandlers } from '../platform/outboxDeliverer';
import type { Store } from '../store/store';
import { grantLabel, LIFECYCLE_MESSAGE, lifecycleMessagePayload, type GuestLifecycle, type LifecycleMessagePayload } from './guestLifecycle';
import type { Grant, ManagedGuest, Sponsor } from './model';
import type { AccessEnded, LifecycleMessage, LifecycleMessenger, SponsorLeft } from './messages';

/** Where the approver group is reached: the approvals channel when an admin set one, else each approver's chat. */
export interface ApproverAudience {
  channel(): Promise<string | undefined>;
  people(): Promise<NamedRef[]>;
}

/** Renders a message that needs more than the store (campaign cards), or undefined when there is nothing to send. */
export type MessageRenderer = (
  payload: LifecycleMessagePayload,
) => Promise<{ to: Sponsor | 'approvers' | { conversation: Record<string, unknown> }; messages: LifecycleMessage[] } | undefined>;

type Delivery = 'delivered' | 'unreachable';

export class LifecycleNotices {
  constructor(
    private readonly deps: {
      store: Store;
      messenger: LifecycleMessenger;
      lifecycle: GuestLifecycle;
      approvers: ApproverAudience;
      logger: Logger;
      /** Campaign messages, rendered by the recertification and cleanup services. */
      campaigns?: MessageRenderer;
    },
  ) {}

  handlers(): OutboxHandlers {
    return { [LIFECYCLE_MESSAGE]: (item) => this.deliver(lifecycleMessagePayload.parse(item.payload)) };
  }

  private async deliver(payload: LifecycleMessagePayload): Promise<Delivery> {
    const { store, lifecycle } = this.deps;
    switch (payload.message) {
      case 'expiryNotice': {
        const guest = await store.getManagedGuest(payload.guestId);
        const notice = await lifecycle.expiryNotice(payload.guestId, payload.endsAt);
        // Extended (or ended) before the notice went out: there is nothing left to ask.
        if (!guest || !notice || !notice.items.some((i) => i.given)) return 'unreachable';
        return this.toSponsor(guest.sponsor, [notice], guest.guestId);
      }
      case 'grantsEnded':
      case 'guestEnded': {
        const guest = await store.getManagedGuest(payload.guestId);
        if (!guest) return 'unreachable';
        const grants = await store.listGrants({ guestId: payload.guestId });
        const ended =
          payload.message === 'grantsEnded'
            ? grants.filter((g) => payload.grantIds.includes(g.id))
            : grants.filter((g) => g.state === 'ended' || g.state === 'failed');
        return this.toSponsor(guest.sponsor, [accessEnded(guest, ended, payload.message === 'guestEnded')]);
      }
      case 'sponsorLeft': {
        const guests = await store.listManagedGuests(payload.guestIds);
        const byId = new Map(guests.map((g) => [g.guestId, g]));
        const message: SponsorLeft = {
          kind: 'sponsorLeft',
          sponsor: { id: payload.sponsorId, name: payload.sponsorName, why: payload.why },
          guests: payload.guestIds
            .map((id) => byId.get(id))
            .filter((g): g is ManagedGuest => g !== undefined)
            .map((g) => ({ id: g.guestId, displayName: g.displayName, email: g.email })),
          inDirectory: payload.inDirectory,
        };
        return this.toApprovers([message]);
      }
      default: {
        const rendered = await this.deps.campaigns?.(payload);
        if (!rendered) return 'unreachable';
        if (rendered.to === 'approvers') return this.toApprovers(rendered.messages);
        if ('conversation' in rendered.to) {
          let reached = false;
          for (const message of rendered.messages) reached = (await this.deps.messenger.sendToConversation(rendered.to.conversation, message)) || reached;
          return reached ? 'delivered' : 'unreachable';
        }
        return this.toSponsor(rendered.to, rendered.messages);
      }
    }
  }

  /** A user sponsor in their 1:1 chat; a group sponsor (the approvers) where the approvers are reached. */
  private async toSponsor(sponsor: Sponsor, messages: LifecycleMessage[], bindGuestId?: string): Promise<Delivery> {
    if (sponsor.kind === 'group') return this.toApprovers(messages);
    let reached = false;
    for (const message of messages) reached = (await this.deps.messenger.sendToUser(sponsor.id, message, bindGuestId)) !== undefined || reached;
    if (!reached) this.deps.logger.info({ sponsorId: sponsor.id }, 'sponsor has no chat with the bot');
    return reached ? 'delivered' : 'unreachable';
  }

  private async toApprovers(messages: LifecycleMessage[]): Promise<Delivery> {
    const { approvers, messenger } = this.deps;
    const channel = await approvers.channel();
    let reached = false;
    for (const message of messages) {
      if (channel) reached = (await messenger.sendToChannel(channel, message)) !== undefined || reached;
      else for (const person of await approvers.people()) reached = (await messenger.sendToUser(person.id, message)) !== undefined || reached;
    }
    return reached ? 'delivered' : 'unreachable';
  }
}

/** What ended for a guest, in words: removed, left alone (someone else gave it), and what failed. */
function accessEnded(guest: ManagedGuest, grants: Grant[], withAccount: boolean): AccessEnded {
  const message: AccessEnded = {
    kind: 'accessEnded',
    guest: { id: guest.guestId, displayName: guest.displayName, email: guest.email },
    removed: [],
    leftAlone: [],
    problems: [],
  };
  for (const grant of grants.filter((g) => g.kind !== 'account')) {
    if (grant.state === 'failed') message.problems.push(`${grantLabel(grant)}: ${grant.endReason ?? 'could not be removed'}`);
    else if (grant.endReason === 'notGiven') message.leftAlone.push(grantLabel(grant));
    else if (grant.endReason === 'removed' || grant.endReason === 'alreadyGone') message.removed.push(grantLabel(grant));
  }
  if (withAccount) {
    if (guest.endState === 'failed') message.problems.push('The guest account could not be ended; an admin should look at it (see the audit log).');
    else if (guest.endState === 'disabled' || guest.endState === 'deleted' || guest.endState === 'kept') message.account = guest.endState;
  }
  return message;
}
