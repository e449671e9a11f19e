/** A batch's rows as stored: one invitation each, carried out by its own job once the batch is approved. */
import type { NewGrant, NewManagedGuest } from '../../lifecycle/model';
import type { NamedRef } from '../model';

export const BATCH_ROW_STATES = ['queued', 'done', 'failed'] as const;
export type BatchRowState = (typeof BATCH_ROW_STATES)[number];

/**
 * What a row's job has done so far, saved after each write so a retried or re-claimed job goes on
 * from there and never invites twice.
 */
export interface BatchRowProgress {
  /** When `POST /invitations` was about to be sent: a guest found afterwards is this row's own. */
  sentAt?: string;
  guestId?: string;
  redeemUrl?: string;
  /** The guest was in the directory already (invited outside this batch): no invitation was sent. */
  existing?: boolean;
  /** Groups the guest was added to (or was a member of already). */
  groupsDone?: string[];
  /** Of `groupsDone`, those the guest was a member of already (someone else gave them: their end removes nothing). */
  groupsAlready?: string[];
}

export interface BatchRow {
  requestId: string;
  /** 1-based position among the batch's rows. */
  row: number;
  /** The CSV line the row came from, as the preview named it. */
  line: number;
  /** Lower-cased, trimmed. */
  email: string;
  displayName: string;
  message: string;
  groups: NamedRef[];
  /** The last day of access (`YYYY-MM-DD`); absent for no end date. */
  accessUntil?: string;
  state: BatchRowState;
  progress: BatchRowProgress;
  /** Why the row failed: Graph's message, or the policy's refusal. */
  error?: string;
  updatedAt: string;
}

export type NewBatchRow = Pick<BatchRow, 'row' | 'line' | 'email' | 'displayName' | 'message' | 'groups' | 'accessUntil'>;

/** How a row's job leaves the row: still queued with more progress, done or failed. */
export interface BatchRowPatch {
  state: BatchRowState;
  progress: BatchRowProgress;
  error?: string;
  /** What a row that is done gave, recorded in the same transaction when the save wins (a grant already recorded is kept). */
  grants?: readonly NewGrant[];
  /** The row's guest with its sponsor, recorded with the grants unless the bot looks after them already. */
  managedGuest?: NewManagedGuest;
}

export interface BatchRowCounts {
  total: number;
  queued: number;
  done: number;
  failed: number;
}

/** The job payload of one row (a guest job: it shares that kind's table, leases and retry rules). */
export const BATCH_ROW_ORDER = 'batchRow';

/** Whether a guest job's payload is a batch row's (the worker hands those to the batch runner). */
export function isBatchRowOrder(payload: Record<string, unknown>): boolean {
  return payload['order'] === BATCH_ROW_ORDER;
}
