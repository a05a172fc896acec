// A quick look at a typed key before anything is sent: Rust checks it fully (check characters).

/** Drops spaces, line breaks and dashes and uppercases, as the app's Rust side does. */
export function normalizeKey(typed: string): string {
  return typed.replace(/[\s-]+/g, "").toUpperCase();
}

/** True when the key has the shape of a key: 30 characters of 0-9 and A-Z. */
export function looksLikeKey(typed: string): boolean {
  return /^[0-9A-Z]{30}$/.test(normalizeKey(typed));
}
