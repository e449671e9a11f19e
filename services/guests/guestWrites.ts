/**
 * The admins' writes on a guest (disable, delete, resend an invitation), run by the worker as jobs
 * after the click that asked for them, and the lookups they share with the guest commands. Each job
 * checks again that the person who clicked is an admin, looks the guest up again, writes once, audits
 * what happened, and keeps the result on the job; for a click on a chat card it also leaves the
 * result in the outbox, which shows it on that card.
 */
import { z } from 'zod';
import { FeatureOff, type Capabilities } from '../directory/capabilities';
import type { GraphDirectory } from '../directory/graphDirectory';
import { GraphFailure, toGraphFailure } from '../directory/graphErrors';
import { deleteUserRequest, disableUserRequest, type DirectoryGuest, type GraphWrite } from '../directory/guestQueries';
import type { Feature } from '../directory/permissions';
import type { Clock } from '../platform/clock';
import { isDirectoryId } from '../platform/ids';
import type { Logger } from '../platform/logger';
import type { OutboxHandlers } from '../platform/outboxDeliverer';
import { normaliseEmail } from '../requests/inviteValidation';
import { REQUEST_STATES, type AuditEntry, type Job, type NamedRef, type Person } from '../requests/model';
import type { GuestJobStatus, NewOutboxEntry, Store } from '../store/store';
import type { AdminOutcome, GuestOrigin, GuestRef, PlannedCall, ReinviteDone, RevokeDone, RevokeOperation } from './guestModel';

export type GuestWritesDirectory = Pick<GraphDirectory, 'getGuest' | 'findUsersByEmail' | 'reinvite' | 'send' | 'urlOf' | 'directoryRolesOf'>;

export interface GuestWritesSettings {
  inviteRedirectUrl: string;
}

/** The feature each revoke operation belongs to. */
export const REVOKE_FEATURE: Readonly<Record<RevokeOperation, Feature>> = { disable: 'revokeDisable', delete: 'revokeDelete' };

/** How long Graph keeps a deleted user restorable. */
export const RESTORE_WINDOW_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The outbox kind that updates a clicked guest card with its job's result. */
export const GUEST_CARD = 'guest.card';

export const GUEST_OPERATIONS = ['disable', 'delete', 'resend'] as const;
export type GuestOperation = (typeof GUEST_OPERATIONS)[number];

/** Where a card lives: the conversation (a Bot Framework reference, opaque here) and its message id. */
export const cardAddressSchema = z.object({ conversation: z.record(z.string(), z.unknown()), activityId: z.string().min(1) });
export type CardAddress = z.infer<typeof cardAddressSchema>;

/**
 * Where a write's result is shown: the chat card that was clicked (updated through the outbox), or
 * the tab, which has no card and asks for the result by the job's id (`GuestAdmin.guestWrite`).
 */
export type ResultDestination = { card: CardAddress } | { tab: true };

/** A queued write: what, on which guest, for whom, from which click, and where its result goes. */
const orderFields = z.object({
  operation: z.enum(GUEST_OPERATIONS),
  guestId: z.string(),
  actor: z.object({ aadObjectId: z.string(), name: z.string() }),
  source: z.string(),
});
// The card's address stays a field of its own, as orders queued before the tab existed have it.
const guestOrderSchema = z.union([orderFields.extend({ card: cardAddressSchema }), orderFields.extend({ tab: z.literal(true) })]);
export type GuestOrder = z.infer<typeof guestOrderSchema>;

const guestRefSchema: z.ZodType<GuestRef> = z.object({
  id: z.string(),
  displayName: z.string(),
  email: z.string(),
  enabled: z.boolean(),
  state: z.enum(['PendingAcceptance', 'Accepted']).nullable(),
});
const plannedCallSchema: z.ZodType<PlannedCall> = z.object({ method: z.string(), url: z.string(), body: z.string().optional(), expected: z.string() });
const failureKinds = z.enum(['forbidden', 'notFound', 'invalid', 'failed', 'turnedOff']);

/** What a guest write ended with, as the clicked card shows it. */
export const guestWriteResultSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('revoked'),
    done: z.object({
      guest: guestRefSchema,
      operation: z.enum(['disable', 'delete']),
      call: plannedCallSchema,
      restorableUntil: z.string().optional(),
      unchanged: z.boolean().optional(),
    }),
  }),
  z.object({ kind: z.literal('reinvited'), done: z.object({ guest: guestRefSchema, redeemUrl: z.string(), resetRedemption: z.boolean() }) }),
  z.object({ kind: z.literal('refused'), outcome: z.object({ kind: failureKinds, message: z.string() }) }),
]);
export type GuestWriteResult = z.infer<typeof guestWriteResultSchema>;

const guestCardPayload = z.object({ card: cardAddressSchema, result: guestWriteResultSchema });

/** How a guest job ended: its result, kept on the job, and the outbox entries that announce it. */
export interface GuestWriteEnd {
  result: GuestWriteResult;
  outbox: NewOutboxEntry[];
}

/** A queued write as it stands, for the admin who queued it. */
export interface GuestWriteStatus {
  jobId: string;
  operation: GuestOperation;
  guestId: string;
  /** The admin who queued it; only they are shown it. */
  actorId: string;
  state: 'working' | 'done';
  /** Once done: what changed, or why nothing did. Absent for a job that ended without a result it could keep. */
  result?: GuestWriteResult;
}

/** Shows a job's result on the card that was clicked; implemented in bot/ with the adapter. */
export interface GuestCardUpdater {
  /** 'unreachable' when the conversation cannot be addressed; throws when the update failed. */
  showGuestWriteResult(card: CardAddress, result: GuestWriteResult): Promise<'delivered' | 'unreachable'>;
}

export class GuestWrites {
  constructor(
    private readonly deps: {
      store: Store;
      directory: GuestWritesDirectory;
      roles: { isAdmin(aadObjectId: string): Promise<boolean> };
      settings: GuestWritesSettings;
      capabilities: Capabilities;
      clock: Clock;
      logger: Logger;
    },
  ) {}

  /** The order for a click, as a job's payload. */
  static order(order: GuestOrder): Record<string, unknown> {
    return guestOrderSchema.parse(order);
  }

  /** A guest job as the store holds it, read as a write's status; undefined when its order cannot be read. */
  static status(job: GuestJobStatus): GuestWriteStatus | undefined {
    const order = guestOrderSchema.safeParse(job.payload);
    if (!order.success) return undefined;
    const status: GuestWriteStatus = {
      jobId: job.id,
      operation: order.data.operation,
      guestId: order.data.guestId,
      actorId: order.data.actor.aadObjectId,
      state: job.state === 'done' ? 'done' : 'working',
    };
    const result = job.state === 'done' ? guestWriteResultSchema.safeParse(job.result) : undefined;
    if (result?.success) status.result = result.data;
    return status;
  }

  /**
   * Carries out a queued write and returns its result, with the outbox entry that shows it on the
   * clicked card when there is one. Throws a GraphFailure when Graph failed in a way worth retrying
   * (the worker decides).
   */
  async run(job: Job & { kind: 'guest' }): Promise<GuestWriteEnd> {
    const order = guestOrderSchema.parse(job.payload);
    let result: GuestWriteResult;
    try {
      result = await this.carryOut(order);
    } catch (error) {
      if (error instanceof FeatureOff) result = refused({ kind: 'turnedOff', message: error.message });
      else {
        const failure = toGraphFailure(error);
        if (failure.transient) throw failure;
        this.deps.logger.warn({ jobId: job.id, status: failure.status, code: failure.code }, 'guest administration call failed');
        result = refused({ kind: 'failed', message: failure.userMessage });
      }
    }
    return this.ended(job, order, result);
  }

  /** The worker gave up retrying: the result says why, with Graph's reason, and the audit log records it. */
  async gaveUp(job: Job & { kind: 'guest' }, failure: GraphFailure): Promise<GuestWriteEnd> {
    const order = guestOrderSchema.parse(job.payload);
    await this.audit(order.actor, `guest_${order.operation}_failed`, order.source, undefined, {
      guestId: order.guestId,
      status: failure.status,
      code: failure.code,
    });
    const message = `${failure.userMessage} Gave up after ${job.attempts} attempts.`;
    return this.ended(job, order, refused({ kind: 'failed', message }));
  }

  /** The deliverer's handler that updates clicked guest cards. */
  handlers(updater: GuestCardUpdater): OutboxHandlers {
    return {
      [GUEST_CARD]: async (item) => {
        const { card, result } = guestCardPayload.parse(item.payload);
        return updater.showGuestWriteResult(card, result);
      },
    };
  }

  /** The result, and for a click on a chat card the outbox entry that shows it there; the tab reads it from the job. */
  private ended(job: Job, order: GuestOrder, result: GuestWriteResult): GuestWriteEnd {
    if (!('card' in order)) return { result, outbox: [] };
    return { result, outbox: [{ key: `job:${job.id}:card`, kind: GUEST_CARD, payload: { card: order.card, result } }] };
  }

  private async carryOut(order: GuestOrder): Promise<GuestWriteResult> {
    const { actor, guestId, source, operation } = order;
    // Membership may have changed since the click; the check is cached, so it costs little.
    if (!(await this.deps.roles.isAdmin(actor.aadObjectId))) {
      await this.audit(actor, 'admin_command_refused', source, undefined, { command: operation, why: 'not_admin' });
      return refused({ kind: 'forbidden', message: 'Only members of the guest access admin group can manage guests. Your attempt was recorded.' });
    }
    const found = await this.findGuestById(actor, guestId, source);
    if (found.kind !== 'ok') return refused(found);
    if (operation === 'resend') {
      const done = await this.reinvite(actor, found.value, source);
      return done.kind === 'ok' ? { kind: 'reinvited', done: done.value } : refused(done);
    }
    const done = await this.revoke(actor, found.value, operation, source);
    return done.kind === 'ok' ? { kind: 'revoked', done: done.value } : refused(done);
  }

  /** Disables sign-in or deletes the guest; a failure worth retrying is thrown. */
  private async revoke(actor: Person, guest: DirectoryGuest, operation: RevokeOperation, source: string): Promise<AdminOutcome<RevokeDone>> {
    const off = this.turnedOff(REVOKE_FEATURE[operation]);
    if (off) return off;
    const write = operation === 'disable' ? disableUserRequest(guest.id) : deleteUserRequest(guest.id);
    const call = this.planned(write);
    const origin = await this.originOf(guest);
    if (operation === 'disable' && guest.accountEnabled === false) {
      await this.audit(actor, 'guest_disable_unchanged', source, origin?.requestId, { guestId: guest.id });
      return ok({ guest: guestRef(guest), operation, call, unchanged: true });
    }
    try {
      await this.deps.directory.send(write);
    } catch (error) {
      const failure = toGraphFailure(error);
      // A transient failure is retried by the worker, which audits it if it gives up.
      if (failure.transient) throw failure;
      await this.audit(actor, `guest_${operation}_failed`, source, origin?.requestId, { guestId: guest.id, status: failure.status, code: failure.code });
      if (failure.status === 404) return { kind: 'notFound', message: 'This guest no longer exists: someone deleted them already.' };
      if (operation === 'delete' && failure.status === 403) return { kind: 'failed', message: await this.deleteRefused(guest, failure) };
      return { kind: 'failed', message: failure.userMessage };
    }
    const done: RevokeDone = { guest: { ...guestRef(guest), enabled: false }, operation, call };
    if (operation === 'delete') done.restorableUntil = this.restorableUntil();
    await this.audit(actor, operation === 'disable' ? 'guest_disabled' : 'guest_deleted', source, origin?.requestId, { guestId: guest.id });
    return ok(done);
  }

  /**
   * The guest a button names. The id came from a card, so it is looked up again and must be a guest:
   * an altered id pointing at an employee is refused and audited.
   */
  async findGuestById(actor: Person, guestId: string, source: string): Promise<AdminOutcome<DirectoryGuest>> {
    if (!isDirectoryId(guestId)) return { kind: 'invalid', message: 'The card named no guest I can look up.' };
    const user = await this.deps.directory.getGuest(guestId, false);
    if (!user) return { kind: 'notFound', message: 'This guest no longer exists: someone may have deleted them.' };
    if (user.userType !== 'Guest') {
      await this.audit(actor, 'admin_command_refused', source, undefined, { why: 'not_a_guest', userId: user.id });
      return { kind: 'forbidden', message: 'This account is not a guest, so it cannot be managed here.' };
    }
    return ok(user);
  }

  /** The request through which this bot invited the guest, if any: who asked and who approved. */
  async originOf(guest: DirectoryGuest): Promise<GuestOrigin | undefined> {
    const addresses = [...new Set([guest.mail, ...guest.otherMails].filter((a): a is string => Boolean(a)).map(normaliseEmail))];
    const requests = (await Promise.all(addresses.map((a) => this.deps.store.findRequestsByEmail(a, REQUEST_STATES)))).flat();
    const invited = requests
      .filter((r) => r.state === 'completed' && (!r.outcome?.guestId || r.outcome.guestId.toLowerCase() === guest.id.toLowerCase()))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
    if (!invited) return undefined;
    const origin: GuestOrigin = { requestId: invited.id, requestedBy: invited.requester.name, requestedAt: invited.createdAt };
    if (invited.decision?.outcome === 'approved') {
      origin.approvedBy = invited.decision.by.name;
      origin.approvedAt = invited.decision.at;
    }
    return origin;
  }

  async reinvite(actor: Person, guest: DirectoryGuest, source: string): Promise<AdminOutcome<ReinviteDone>> {
    if (guest.accountEnabled === false) {
      return { kind: 'invalid', message: `${guest.displayName}'s account is disabled: enable it in Microsoft Entra before sending a new invitation.` };
    }
    const off = this.turnedOff(this.resendFeature(guest));
    if (off) return off;
    const resetRedemption = stateOf(guest) === 'Accepted';
    const invitation = await this.deps.directory.reinvite({
      email: emailOf(guest),
      guestId: guest.id,
      redirectUrl: this.deps.settings.inviteRedirectUrl,
      resetRedemption,
    });
    const origin = await this.originOf(guest);
    await this.audit(actor, 'guest_reinvited', source, origin?.requestId, { guestId: guest.id, resetRedemption });
    const ref = guestRef(guest);
    return ok({ guest: resetRedemption ? { ...ref, state: 'PendingAcceptance' } : ref, redeemUrl: invitation.redeemUrl, resetRedemption });
  }

  /** The guest's directory roles; undefined when they cannot be read (turned off, or Graph failed). */
  async rolesHeldBy(guestId: string): Promise<NamedRef[] | undefined> {
    if (!this.deps.capabilities.isOn('roleHolder')) return undefined;
    try {
      return await this.deps.directory.directoryRolesOf(guestId);
    } catch (error) {
      const failure = toGraphFailure(error);
      this.deps.logger.warn({ guestId, status: failure.status, code: failure.code }, 'directory role lookup failed');
      return undefined;
    }
  }

  /**
   * Why Graph refused a deletion, in the admin's terms. Holding User.DeleteRestore.All (or
   * User.ReadWrite.All) is not enough to delete a user with a privileged administrator role: the app
   * would itself need a higher privileged Entra role (user-delete.md). So the role is named when it
   * can be read, and the permission is blamed only when the bot could not tell it holds it.
   */
  async deleteRefused(guest: DirectoryGuest, failure: GraphFailure): Promise<string> {
    const name = guest.displayName;
    const rule =
      'Microsoft Graph lets an app delete a user who holds a privileged administrator role only when the app itself holds a higher ' +
      'privileged Entra role (such as Privileged Authentication Administrator); User.DeleteRestore.All or User.ReadWrite.All is not enough.';
    const roles = await this.rolesHeldBy(guest.id);
    if (roles && roles.length > 0) {
      const held = roles.map((r) => r.displayName).join(', ');
      return `Microsoft Graph refused to delete ${name}: they hold the directory role ${held}. ${rule} Remove ${name}'s role in Microsoft Entra (Roles and administrators) first, then delete them, or disable their sign-in instead.`;
    }
    const why = this.deps.capabilities.checked
      ? `The bot's app holds the permission to delete users, so ${name} most likely holds a privileged administrator role.`
      : `Either the bot's app lacks User.DeleteRestore.All, or ${name} holds a privileged administrator role.`;
    return `Microsoft Graph refused to delete ${name} (${failure.code}). ${why} ${rule} Check ${name}'s roles in Microsoft Entra and remove them first, or disable their sign-in instead.`;
  }

  /** A guest who redeemed gets a redemption reset, which needs more than a new invitation. */
  resendFeature(guest: DirectoryGuest): Feature {
    return stateOf(guest) === 'Accepted' ? 'resendWithReset' : 'resend';
  }

  /** The outcome for a feature that is off, or undefined when it is on. */
  turnedOff(feature: Feature): { kind: 'turnedOff'; message: string } | undefined {
    const message = this.deps.capabilities.offMessage(feature);
    return message ? { kind: 'turnedOff', message } : undefined;
  }

  planned(write: GraphWrite): PlannedCall {
    const call: PlannedCall = { method: write.method, url: this.deps.directory.urlOf(write.path), expected: '204 No Content' };
    if (write.body) call.body = JSON.stringify(write.body);
    return call;
  }

  restorableUntil(): string {
    return new Date(this.deps.clock.now().getTime() + RESTORE_WINDOW_DAYS * DAY_MS).toISOString();
  }

  audit(actor: Person, action: string, source: string, requestId?: string, detail?: AuditEntry['detail']): Promise<void> {
    const entry: AuditEntry = { actor: actor.aadObjectId, action, source, at: this.deps.clock.now().toISOString() };
    if (requestId) entry.requestId = requestId;
    if (detail) entry.detail = detail;
    return this.deps.store.appendAudit(entry);
  }
}

function refused(outcome: Exclude<AdminOutcome<unknown>, { kind: 'ok' }>): GuestWriteResult {
  return { kind: 'refused', outcome: { kind: outcome.kind, message: outcome.message } };
}

export function ok<T>(value: T): AdminOutcome<T> {
  return { kind: 'ok', value };
}

export function emailOf(guest: DirectoryGuest): string {
  return guest.mail ?? guest.otherMails[0] ?? guest.userPrincipalName;
}

export function stateOf(guest: DirectoryGuest): GuestRef['state'] {
  return guest.externalUserState === 'PendingAcceptance' || guest.externalUserState === 'Accepted' ? guest.externalUserState : null;
}

export function guestRef(guest: DirectoryGuest): GuestRef {
  return { id: guest.id, displayName: guest.displayName, email: emailOf(guest), enabled: guest.accountEnabled !== false, state: stateOf(guest) };
}
