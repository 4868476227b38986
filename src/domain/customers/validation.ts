/**
 * Phone numbers: Chinese mobiles in the ways people type them (138 0013 8000, +86-138-0013-8000,
 * 8613800138000) and any E.164 number (+44 20 7946 0958). Returns E.164 or null.
 */
export function normalizePhone(input: string): string | null {
  const compact = input.trim().replace(/[\s\-().]/g, '');
  if (/^1[3-9]\d{9}$/.test(compact)) return `+86${compact}`;
  if (/^(?:\+|00)?861[3-9]\d{9}$/.test(compact)) return `+86${compact.slice(-11)}`;
  const e164 = compact.startsWith('00') ? `+${compact.slice(2)}` : compact;
  if (/^\+[1-9]\d{7,14}$/.test(e164)) {
    // +86 numbers must be valid mainland mobiles; other country codes are taken as E.164 says.
    if (e164.startsWith('+86') && !/^\+861[3-9]\d{9}$/.test(e164)) return null;
    return e164;
  }
  return null;
}

/** A contact name: 1–40 characters, letters of any script, spaces, dots, hyphens, apostrophes. */
export function normalizeName(input: string): string | null {
  const name = input.trim().replace(/\s+/g, ' ');
  if (name.length < 1 || name.length > 40) return null;
  if (name.startsWith('/')) return null;
  if (!/^[\p{L}\p{M}][\p{L}\p{M} .'\-·]*$/u.test(name)) return null;
  return name;
}

/** A street address: 6–200 characters with at least one letter or digit; not a command. */
export function normalizeAddress(input: string): string | null {
  const address = input.trim().replace(/\s+/g, ' ');
  if (address.length < 6 || address.length > 200 || address.startsWith('/')) return null;
  if (!/[\p{L}\p{N}]/u.test(address)) return null;
  return address;
}

/** +8613800138000 → +86 138 0013 8000 (mainland mobiles); other numbers are shown as stored. */
export function formatPhone(e164: string): string {
  const m = /^\+86(1\d{2})(\d{4})(\d{4})$/.exec(e164);
  return m ? `+86 ${m[1]} ${m[2]} ${m[3]}` : e164;
}
