// Dates in words people read, in the app's language.
import { locale } from "../locales/i18n.svelte";

export function formatDate(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toLocaleDateString(locale.language, { year: "numeric", month: "long", day: "numeric" });
}

export function formatDateTime(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toLocaleString(locale.language, { dateStyle: "medium", timeStyle: "short" });
}

/** Whole days left, rounded down, never negative. */
export function daysLeft(seconds: number): number {
  return Math.max(0, Math.floor(seconds / 86400));
}

/** Days of a trial left until `endsAt`, counting a started day (a 14-day trial shows 14 at first). */
export function trialDaysLeft(endsAt: number, now = Date.now() / 1000): number {
  return Math.max(0, Math.ceil((endsAt - now) / 86400));
}
