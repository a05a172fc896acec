// Dates in words people read.

export function formatDate(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toLocaleDateString("en", { year: "numeric", month: "long", day: "numeric" });
}

export function formatDateTime(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toLocaleString("en", { dateStyle: "medium", timeStyle: "short" });
}

/** Whole days left, rounded down, never negative. */
export function daysLeft(seconds: number): number {
  return Math.max(0, Math.floor(seconds / 86400));
}
