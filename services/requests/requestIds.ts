import { randomBytes } from 'node:crypto';

/** Crockford's base32 without I, L, O, U: ids read aloud and typed back without confusion. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Short request ids people can type (`audit GA-7K3Q9M`); 30 random bits each. */
export function newRequestId(): string {
  const bytes = randomBytes(6);
  let id = '';
  for (const byte of bytes) id += ALPHABET[byte % 32];
  return `GA-${id}`;
}

export function looksLikeRequestId(text: string): boolean {
  return /^GA-[0-9A-HJKMNP-TV-Z]{6}$/i.test(text.trim());
}
