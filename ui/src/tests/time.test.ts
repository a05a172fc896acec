import { afterEach, describe, expect, it } from "vitest";
import { daysUntil, formatDate, formatDateRelative, formatDateTime, formatRelative } from "../lib/time";
import { setLanguage } from "../locales/i18n.svelte";

const NOW = 1_800_000_000; // 2027-01-15T08:00:00Z
const DAY = 86400;

afterEach(() => setLanguage("en"));

describe("dates", () => {
  it("say how far a moment is, in the app's language", () => {
    expect(formatRelative(NOW + 13 * DAY, NOW)).toBe("in 13 days");
    expect(formatRelative(NOW + DAY, NOW)).toBe("tomorrow");
    expect(formatRelative(NOW - 3 * 3600, NOW)).toBe("3 hours ago");
    setLanguage("de");
    expect(formatRelative(NOW + 13 * DAY, NOW)).toBe("in 13 Tagen");
    setLanguage("fr");
    expect(formatRelative(NOW + 13 * DAY, NOW)).toBe("dans 13 jours");
    setLanguage("es");
    expect(formatRelative(NOW + 13 * DAY, NOW)).toBe("dentro de 13 días");
  });

  it("a 14-day trial and its offline time, ending together, never read differently", () => {
    const ends = NOW + 14 * DAY - 5; // started five seconds ago
    expect(daysUntil(ends, NOW)).toBe(14);
    expect(formatRelative(ends, NOW)).toBe("in 14 days");
  });

  it("use one date style per language, with or without the time", () => {
    const date = formatDate(NOW);
    expect(formatDateTime(NOW).startsWith(date)).toBe(true);
    expect(formatDateRelative(NOW + 13 * DAY, NOW)).toBe(`${formatDate(NOW + 13 * DAY)} (in 13 days)`);
    setLanguage("de");
    expect(formatDate(NOW)).toBe("15.01.2027");
  });
});
