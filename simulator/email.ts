/**
 * Address checks for `POST /invitations`. The service documents that these characters are not
 * allowed in the local part: ~ ! # $ % ^ & * ( ) + = [ ] { } \ / | ; : " < > ? ,
 * and that `.` and `-` are allowed except at its start or end, `_` anywhere. So `a+b@x.com`
 * can't be invited even though such an address may exist on a user.
 */

const FORBIDDEN_LOCAL = '~!#$%^&*()+=[]{}\\/|;:"<>?,';
const DOMAIN_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i;

/** Returns why the address can't be invited, or undefined if it can. */
export function invitationAddressProblem(address: string): string | undefined {
  if (address.length === 0) return 'the address is empty';
  if (/\s/.test(address)) return 'the address contains white space';
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return 'the address needs the form local@domain';
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (local.includes('@')) return "the address contains more than one '@'";
  if (local.length > 64) return 'the local part is longer than 64 characters';
  const bad = [...local].find((ch) => FORBIDDEN_LOCAL.includes(ch));
  if (bad !== undefined) return `the character '${bad}' is not allowed before the '@'`;
  if (/^[.-]|[.-]$/.test(local)) return "the part before the '@' can't start or end with '.' or '-'";
  if (local.includes('..')) return "the part before the '@' can't contain '..'";
  const labels = domain.split('.');
  if (labels.length < 2 || labels.some((l) => !DOMAIN_LABEL.test(l)) || !/^[a-z]{2,}$/i.test(labels[labels.length - 1])) {
    return `'${domain}' is not a valid domain`;
  }
  return undefined;
}
