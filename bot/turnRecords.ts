import type { AuditEntry } from '../services/requests/model';
import type { Store } from '../services/store/store';

/**
 * The few things command and action handlers record or look up themselves, besides asking the
 * services: which cards they posted, and whether a conversation's address is known. Handlers get
 * this and never the whole store.
 */
export interface TurnRecords {
  /** Remembers a requester's status card (the form it replaced), so it is updated in place and its Cancel is tied to the request. */
  recordRequesterCard(requestId: string, conversationKey: string, activityId: string): Promise<void>;
  /** Remembers a card whose buttons act on one guest, so that a click on them is tied to that guest. */
  recordGuestCard(guestId: string, conversationKey: string, activityId: string): Promise<void>;
  /** Whether the bot has stored where to post in this conversation (a channel it was mentioned in, a 1:1 chat). */
  knowsConversation(conversationKey: string): Promise<boolean>;
}

/** What the router itself reads and writes around the handlers: clicked cards, refused clicks, greetings. */
export interface RouterRecords {
  /** The request id recorded for this card message, if the bot recorded one. */
  requestOfCard(conversationKey: string, activityId: string): Promise<string | undefined>;
  /** The guest id recorded for this card message, if the bot recorded one. */
  guestOfCard(conversationKey: string, activityId: string): Promise<string | undefined>;
  /** Audits a refusal the router decided (a click not tied to its card). */
  audit(entry: AuditEntry): Promise<void>;
  /** Records that a person was greeted; false when they had been already. */
  markGreeted(aadObjectId: string, value: string, audit: AuditEntry): Promise<boolean>;
}

/** The records of a turn, on the store: the one place handlers' and the router's store access is built. */
export function storeRecords(store: Store): { turn: TurnRecords; router: RouterRecords } {
  const greetedKey = (aadObjectId: string) => `greeted:${aadObjectId}`;
  return {
    turn: {
      recordRequesterCard: (requestId, conversationKey, activityId) => store.saveCardMessage({ requestId, role: 'requester', conversationKey, activityId }),
      recordGuestCard: (guestId, conversationKey, activityId) => store.saveGuestCardMessage({ guestId, conversationKey, activityId }),
      knowsConversation: async (conversationKey) => (await store.getConversation(conversationKey)) !== undefined,
    },
    router: {
      requestOfCard: async (conversationKey, activityId) => (await store.findCardMessage(conversationKey, activityId))?.requestId,
      guestOfCard: async (conversationKey, activityId) => (await store.findGuestCardMessage(conversationKey, activityId))?.guestId,
      audit: (entry) => store.appendAudit(entry),
      async markGreeted(aadObjectId, value, audit) {
        if (await store.getSetting(greetedKey(aadObjectId))) return false;
        await store.setSetting(greetedKey(aadObjectId), value, audit);
        return true;
      },
    },
  };
}
