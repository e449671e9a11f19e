import { isDirectoryId } from '../platform/ids';
import type { RequestKind } from './model';
import { policyRefusals, type PolicySettings } from './requestPolicy';

/** The request forms' fields, as the cards name their inputs. */
export const INVITE_FIELDS = [
  'guestId',
  'displayName',
  'email',
  'message',
  'groupIds',
  'directoryRoleId',
  'appRole',
  'accessUntil',
  'noEndDate',
  'sponsorEmail',
  'justification',
] as const;
export type InviteField = (typeof INVITE_FIELDS)[number];
export type FieldErrors = Partial<Record<InviteField, string>>;

/** What the form sent back, as typed. */
export interface InviteFormValues {
  /** An existing guest chosen on the app access form ('' for none). */
  guestId: string;
  displayName: string;
  email: string;
  message: string;
  groupIds: string[];
  directoryRoleId: string;
  /** `<service principal id>|<app role id>` from the application field ('' for none). */
  appRole: string;
  /** The last day access is needed (`YYYY-MM-DD`); '' for the suggested date. */
  accessUntil: string;
  /** 'true' when the requester asks for no end date (only offered when admins allow it). */
  noEndDate: string;
  /** A colleague's address to be the guest's sponsor; '' makes the requester the sponsor. */
  sponsorEmail: string;
  justification: string;
  /** Answers to a policy's questions, by question id (absent when the form asked none). */
  answers?: Record<string, string>;
}

/** The admins' policy settings the form is checked against (the rule itself is in requestPolicy.ts). */
export type InvitePolicy = PolicySettings;

export const LIMITS = {
  email: 254,
  emailLocalPart: 64,
  displayName: 256,
  message: 500,
  justificationMin: 10,
  justification: 1000,
  groups: 20,
} as const;

/** Characters Entra's invitation API refuses before the @ of an address. */
const FORBIDDEN_LOCAL_CHARS = /[~!#$%^&*()+=[\]{}\\/|;:"<>?,\s]/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export function emptyInviteForm(email = ''): InviteFormValues {
  return {
    guestId: '',
    displayName: '',
    email,
    message: '',
    groupIds: [],
    directoryRoleId: '',
    appRole: '',
    accessUntil: '',
    noEndDate: '',
    sponsorEmail: '',
    justification: '',
  };
}

/** Reads the application field's `<service principal id>|<app role id>`; undefined when malformed. */
export function parseAppRole(value: string): { appId: string; roleId: string } | undefined {
  const [appId, roleId, ...rest] = value.split('|');
  if (rest.length > 0 || !appId || !roleId || !isDirectoryId(appId) || !isDirectoryId(roleId)) return undefined;
  return { appId: appId.toLowerCase(), roleId: roleId.toLowerCase() };
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export { domainOf } from './requestPolicy';

/** Checks the address's form; returns a sentence for the requester, or undefined when fine. */
export function checkEmailSyntax(email: string): string | undefined {
  if (!email) return "Enter the guest's e-mail address.";
  if (email.length > LIMITS.email) return `An e-mail address has at most ${LIMITS.email} characters.`;
  const at = email.lastIndexOf('@');
  if (at <= 0 || at !== email.indexOf('@')) return 'Enter one address of the form name@company.com.';
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (local.length > LIMITS.emailLocalPart) return `The part before the @ has at most ${LIMITS.emailLocalPart} characters.`;
  const forbidden = FORBIDDEN_LOCAL_CHARS.exec(local);
  if (forbidden) {
    const shown = /\s/.test(forbidden[0]) ? 'spaces' : `"${forbidden[0]}"`;
    return `Microsoft Entra invitations do not accept ${shown} before the @.`;
  }
  if (/^[.-]|[.-]$/.test(local) || local.includes('..')) return 'The part before the @ cannot start or end with "." or "-", or contain "..".';
  if (!DOMAIN.test(domain)) return `"${domain}" is not a valid domain.`;
  return undefined;
}

/** The justification approvers decide on (one for a single request, one for a whole batch); a sentence, or undefined when fine. */
export function checkJustification(text: string): string | undefined {
  const justification = text.trim();
  if (!justification) return 'Say why this guest needs access: approvers decide on it.';
  if (justification.length < LIMITS.justificationMin) return `Give approvers a little more to go on (at least ${LIMITS.justificationMin} characters).`;
  if (justification.length > LIMITS.justification) return `The justification has at most ${LIMITS.justification} characters.`;
  return undefined;
}

/**
 * Everything that can be checked without the directory. The workflow adds the directory checks
 * (existing user, pending request, groups that exist) on top.
 */
export function validateInviteForm(values: InviteFormValues, policy: InvitePolicy, kind: RequestKind = 'invite'): FieldErrors {
  const errors: FieldErrors = {};
  const email = normaliseEmail(values.email);
  const guestId = values.guestId.trim();
  if (kind === 'appAccess' && guestId) {
    if (email) errors.email = 'Choose an existing guest or type a new address, not both.';
    else if (!isDirectoryId(guestId)) errors.guestId = 'Choose the guest again from the list.';
  } else if (kind === 'appAccess' && !email) {
    errors.email = 'Choose an existing guest, or type the address of a new one.';
  } else {
    const emailProblem = checkEmailSyntax(email);
    if (emailProblem) errors.email = emailProblem;
  }

  const appRole = values.appRole.trim();
  if (kind === 'appAccess' && !appRole) errors.appRole = 'Choose the application and the role the guest needs.';
  else if (appRole && !parseAppRole(appRole)) errors.appRole = 'Choose the application again from the list.';

  if (values.displayName.trim().length > LIMITS.displayName) {
    errors.displayName = `A display name has at most ${LIMITS.displayName} characters.`;
  }
  if (values.message.trim().length > LIMITS.message) {
    errors.message = `The personal message has at most ${LIMITS.message} characters.`;
  }
  const justificationProblem = checkJustification(values.justification);
  if (justificationProblem) errors.justification = justificationProblem;

  if (values.groupIds.length > LIMITS.groups) errors.groupIds = `Choose at most ${LIMITS.groups} groups.`;
  else if (values.groupIds.some((id) => !isDirectoryId(id))) errors.groupIds = 'One of the chosen groups is not a directory group; choose again.';

  // The admins' policy, as far as the form alone shows it, so a refused address costs no directory lookup.
  const role = values.directoryRoleId.trim().toLowerCase();
  const refused = policyRefusals(
    {
      email: errors.email || !email ? '' : email,
      groups: [],
      directoryRole: role ? { id: role, displayName: 'That directory role' } : undefined,
    },
    policy,
    new Set(),
  );
  for (const refusal of refused) errors[refusal.field] ??= refusal.reason;
  return errors;
}
