/**
 * What a completed request gave, read from its execution steps: the grants recorded with the
 * completion, and the guest the bot looks after from then on.
 */
import type { BatchRow } from '../requests/batches/model';
import { accessUntilOf, sponsorOf, type AccessRequest, type ExecutionStep } from '../requests/model';
import { endOfDay } from './accessPeriod';
import type { NewGrant, NewManagedGuest } from './model';

/** A grant's id: one grant per request and target, so recording it again changes nothing. */
export function grantId(requestId: string, kind: NewGrant['kind'], targetId: string): string {
  return `${requestId}/${kind}/${targetId}`;
}

/** A batch row's grant id: a batch gives the same group to many guests, so the guest is part of it. */
export function batchGrantId(requestId: string, guestId: string, kind: NewGrant['kind'], targetId: string): string {
  return `${requestId}/${guestId.toLowerCase()}/${kind}/${targetId}`;
}

/**
 * The grants of a batch row that is done, ending with the row's last day. A group the guest was a
 * member of already is recorded as not given, unless the row's own invitation created the guest (then
 * nobody else can have given it: a retry that found the membership is finding this row's own).
 */
export function batchRowGrantsOf(row: BatchRow, guestId: string, createdGuest: boolean, at: string): NewGrant[] {
  const endsAt = row.accessUntil ? endOfDay(row.accessUntil) : undefined;
  const grant = (kind: NewGrant['kind'], targetId: string, targetName: string, given: boolean): NewGrant => ({
    id: batchGrantId(row.requestId, guestId, kind, targetId),
    requestId: row.requestId,
    guestId,
    kind,
    targetId,
    targetName,
    given,
    endsAt,
    createdAt: at,
  });
  const grants: NewGrant[] = [];
  if (createdGuest) grants.push(grant('account', guestId, 'Guest account', true));
  const done = new Set(row.progress.groupsDone ?? []);
  const already = new Set(row.progress.groupsAlready ?? []);
  for (const group of row.groups) {
    if (done.has(group.id)) grants.push(grant('group', group.id, group.displayName, createdGuest || !already.has(group.id)));
  }
  return grants;
}

/** A batch row's guest, sponsored by the batch's sponsor (the requester unless the batch names another). */
export function batchRowGuestOf(request: AccessRequest, row: BatchRow, guestId: string, createdGuest: boolean, at: string): NewManagedGuest {
  const sponsor = sponsorOf(request);
  const guest: NewManagedGuest = {
    guestId,
    email: row.email,
    displayName: row.displayName || row.email,
    sponsor: { kind: 'user', id: sponsor.aadObjectId, name: sponsor.name },
    createdAt: at,
  };
  if (createdGuest) guest.createdByRequest = request.id;
  return guest;
}

/**
 * The grants of a request whose steps all succeeded. A step that found the access there already
 * ("already a member", "already assigned") is recorded as not given: someone else gave it, and its
 * end removes nothing. `createdGuest` says whether this request's invitation created the account.
 */
export function grantsOf(request: AccessRequest, steps: readonly ExecutionStep[], guestId: string, createdGuest: boolean, at: string): NewGrant[] {
  const until = accessUntilOf(request);
  const endsAt = until ? endOfDay(until) : undefined;
  const output = new Map(steps.filter((s) => s.status === 'done').map((s) => [s.key, s.output]));
  const grant = (kind: NewGrant['kind'], targetId: string, targetName: string, given: boolean, assignmentId?: string): NewGrant => {
    const made: NewGrant = {
      id: grantId(request.id, kind, targetId),
      requestId: request.id,
      guestId,
      kind,
      targetId,
      targetName,
      given,
      endsAt,
      createdAt: at,
    };
    if (assignmentId) made.assignmentId = assignmentId;
    return made;
  };
  const grants: NewGrant[] = [];
  const { details } = request;
  if (createdGuest) grants.push(grant('account', guestId, 'Guest account', true));
  for (const group of details.groups) {
    const result = output.get(`group:${group.id}`)?.result;
    if (result) grants.push(grant('group', group.id, group.displayName, result === 'added'));
  }
  const role = details.directoryRole;
  const roleOutput = role ? output.get(`role:${role.id}`) : undefined;
  if (role && roleOutput) grants.push(grant('directoryRole', role.id, role.displayName, roleOutput.result === 'assigned', roleOutput.assignmentId));
  const access = details.appAccess;
  const appOutput = access ? output.get(`app:${access.app.id}:${access.role.id}`) : undefined;
  if (access && appOutput) {
    grants.push(
      grant(
        'appRole',
        `${access.app.id}:${access.role.id}`,
        `${access.app.displayName} — ${access.role.displayName}`,
        appOutput.result === 'assigned',
        appOutput.assignmentId,
      ),
    );
  }
  return grants;
}

/** The guest the request was for, with its sponsor (the colleague named on the form, or the requester). */
export function managedGuestOf(request: AccessRequest, guestId: string, createdGuest: boolean, at: string): NewManagedGuest {
  const sponsor = sponsorOf(request);
  const guest: NewManagedGuest = {
    guestId,
    email: request.details.email,
    displayName: request.details.displayName || request.details.email,
    sponsor: { kind: 'user', id: sponsor.aadObjectId, name: sponsor.name },
    createdAt: at,
  };
  if (createdGuest) guest.createdByRequest = request.id;
  return guest;
}
