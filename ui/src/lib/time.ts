// Dates in words people read, in the app's language: one style for every date (Intl's "medium"),
// and one way to say how far away a moment is, so two lines about one moment never disagree.
import { locale } from "../locales/i18n.svelte";

const DAY = 86400;
const HOUR = 3600;

function nowSeconds(): number {
  return Date.now() / 1000;
}

/** e.g. "Dec 14, 2026" / "14.12.2026". */
export function formatDate(unixSeconds: number): string {
  return new Intl.DateTimeFormat(locale.language, { dateStyle: "medium" }).format(unixSeconds * 1000);
}

/** e.g. "Dec 14, 2026, 9:30 AM" / "14.12.2026, 09:30": the same date style with the time. */
export function formatDateTime(unixSeconds: number): string {
  return new Intl.DateTimeFormat(locale.language, { dateStyle: "medium", timeStyle: "short" }).format(
    unixSeconds * 1000,
  );
}

/** e.g. "2:05 PM" / "14:05": the time of day, in this computer's time zone. */
export function formatTime(unixSeconds: number): string {
  return new Intl.DateTimeFormat(locale.language, { timeStyle: "short" }).format(unixSeconds * 1000);
}

/**
 * How far `unixSeconds` is from now, e.g. "in 13 days", "tomorrow", "3 hours ago". Whole days
 * are rounded to the nearest day, so a 14-day trial reads "in 14 days" for its whole first day.
 */
export function formatRelative(unixSeconds: number, now = nowSeconds()): string {
  const seconds = unixSeconds - now;
  const format = new Intl.RelativeTimeFormat(locale.language, { numeric: "auto" });
  if (Math.abs(seconds) >= DAY) return format.format(Math.round(seconds / DAY), "day");
  if (Math.abs(seconds) >= HOUR) return format.format(Math.round(seconds / HOUR), "hour");
  return format.format(Math.round(seconds / 60), "minute");
}

/** A date with how far it is: "Dec 14, 2026 (in 13 days)". */
export function formatDateRelative(unixSeconds: number, now = nowSeconds()): string {
  return `${formatDate(unixSeconds)} (${formatRelative(unixSeconds, now)})`;
}

/** Whole days until `endsAt`, rounded like formatRelative, never negative. */
export function daysUntil(endsAt: number, now = nowSeconds()): number {
  return Math.max(0, Math.round((endsAt - now) / DAY));
}
