// Floating licenses in the wizard: a FLOATING_LICENSE answer takes a seat, every seat taken waits
// by itself (asking again when the soonest lease ends, never in a tight loop, and not forever),
// borrowing and giving the seat back.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { clearMocks } from "@tauri-apps/api/mocks";
import { Wizard } from "../lib/wizard.svelte";
import { SEAT_POLL_MS, SEAT_WAIT_MS } from "../lib/seats.svelte";
import { languages } from "../locales/i18n.svelte";
import { commandError, fakeRust, licensed } from "./ipcMock";
import type { SeatResult, SeatView } from "../lib/ipc";

const KEY = "7K3QD-M2XWP-9RT4B-HC6NV-E8JZA-QF0Y5";
const NOW = 1_800_000_000;
const seat: SeatView = { seats: 5, endsAt: NOW + 900, borrowed: false, maxBorrowSecs: 7 * 86400, problem: null };
const held: SeatResult = { kind: "held", seat };
const full = (nextFreeAt: number | null): SeatResult => ({ kind: "full", seats: 5, nextFreeAt });

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(NOW * 1000);
});
afterEach(() => {
  vi.useRealTimers();
  clearMocks();
});

/** Started, key typed, Activate pressed: the server said the license is floating. */
async function activatedFloating(checkouts: (() => SeatResult)[]) {
  let next = 0;
  const calls = fakeRust({
    status: () => ({ kind: "notActivated" }),
    seat_status: () => null,
    activate: () => commandError("FLOATING_LICENSE"),
    seat_checkout: () => checkouts[Math.min(next++, checkouts.length - 1)](),
    seat_release: () => null,
  });
  const wizard = new Wizard();
  await wizard.start();
  wizard.toKeyScreen();
  wizard.key = KEY;
  await wizard.activate();
  const checkoutCount = () => calls.names().filter((n) => n === "seat_checkout").length;
  return { wizard, calls, checkoutCount };
}

describe("a floating license", () => {
  it("takes a seat instead of activating, and says so in plain words", async () => {
    const { wizard, calls } = await activatedFloating([() => held]);
    expect(calls.names()).toEqual(expect.arrayContaining(["activate", "seat_checkout"]));
    expect(wizard.screen).toBe("seat");
    expect(wizard.seats.seat).toEqual(seat);
    expect(wizard.error).toBeNull();
    expect(languages.en.seat.holding(5, "Acme", "14:05")).toBe(
      "5 people can use Acme at once; you have one of the seats until 14:05.",
    );
    expect(languages.en.seat.full(5, "14:10")).toBe("All 5 seats are in use right now — the next one frees up at 14:10.");
    expect(languages.de.seat.full(5, "14:10")).toBe("Alle 5 Plätze sind gerade belegt — der nächste wird um 14:10 frei.");
  });

  it("when every seat is taken, asks again when the soonest lease ends and takes the seat by itself", async () => {
    const { wizard, checkoutCount } = await activatedFloating([() => full(NOW + 5), () => held]);
    expect(wizard.screen).toBe("seatsFull");
    expect(wizard.seats.full).toEqual({ seats: 5, nextFreeAt: NOW + 5 });
    await vi.advanceTimersByTimeAsync(4_900);
    expect(checkoutCount(), "no question before the seat can be free").toBe(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(checkoutCount()).toBe(2);
    expect(wizard.screen).toBe("seat");
    await vi.advanceTimersByTimeAsync(10 * SEAT_POLL_MS);
    expect(checkoutCount(), "no more questions once a seat is held").toBe(2);
  });

  it("waits at most a poll apart, and stops by itself after the wait's deadline", async () => {
    const { wizard, checkoutCount } = await activatedFloating([() => full(NOW + 3600 * 5)]);
    await vi.advanceTimersByTimeAsync(SEAT_POLL_MS * 4);
    expect(checkoutCount()).toBe(5);
    await vi.advanceTimersByTimeAsync(SEAT_WAIT_MS);
    const asked = checkoutCount();
    expect(asked).toBeLessThanOrEqual(1 + SEAT_WAIT_MS / SEAT_POLL_MS + 1);
    expect(wizard.notice).toBe("gaveUp");
    await vi.advanceTimersByTimeAsync(SEAT_WAIT_MS);
    expect(checkoutCount(), "nothing after the deadline").toBe(asked);
    await wizard.seats.tryAgain();
    expect(checkoutCount(), "Try again asks at once").toBe(asked + 1);
    expect(wizard.notice).toBe("");
  });

  it("leaving the full screen ends the wait", async () => {
    const { wizard, checkoutCount } = await activatedFloating([() => full(NOW + 60)]);
    wizard.back();
    expect(wizard.screen).toBe("key");
    await vi.advanceTimersByTimeAsync(SEAT_WAIT_MS);
    expect(checkoutCount()).toBe(1);
  });

  it("borrows for the days chosen, and gives the seat back", async () => {
    const borrowed: SeatResult = { kind: "held", seat: { ...seat, borrowed: true, endsAt: NOW + 3 * 86400 } };
    const { wizard, calls } = await activatedFloating([() => held, () => borrowed]);
    await wizard.seats.borrow(3);
    expect(calls.list.at(-1)).toEqual({ cmd: "seat_checkout", args: { borrowDays: 3 } });
    expect(wizard.seats.seat?.borrowed).toBe(true);
    expect(wizard.screen).toBe("seat");
    await wizard.seats.giveBack();
    expect(calls.names().at(-1)).toBe("seat_release");
    expect(wizard.screen).toBe("welcome");
    expect(wizard.notice).toBe("seatGiven");
    expect(wizard.seats.seat).toBeNull();
  });

  it("opens on the seat a later run still holds (a borrowed one)", async () => {
    fakeRust({ status: () => ({ kind: "notActivated" }), seat_status: () => ({ ...seat, borrowed: true }) });
    const wizard = new Wizard();
    await wizard.start();
    expect(wizard.screen).toBe("seat");
    expect(wizard.seats.seat?.borrowed).toBe(true);
  });

  it("a later run with a key kept as floating takes a seat by itself (Rust decides), else opens on Welcome", async () => {
    const calls = fakeRust({ status: () => ({ kind: "notActivated" }), seat_status: () => null, seat_on_start: () => held });
    const wizard = new Wizard();
    await wizard.start();
    expect(wizard.screen).toBe("seat");
    expect(wizard.seats.seat).toEqual(seat);
    expect(calls.names()).not.toContain("seat_checkout");

    fakeRust({ status: () => ({ kind: "notActivated" }), seat_status: () => null, seat_on_start: () => full(NOW + 300) });
    const waiting = new Wizard();
    await waiting.start();
    expect(waiting.screen).toBe("seatsFull");
    expect(waiting.seats.full).toEqual({ seats: 5, nextFreeAt: NOW + 300 });
    waiting.seats.stopWaiting();

    fakeRust({ status: () => ({ kind: "notActivated" }), seat_status: () => null, seat_on_start: () => null });
    const plain = new Wizard();
    await plain.start();
    expect(plain.screen).toBe("welcome");
    expect(plain.error).toBeNull();
  });

  it("an activated computer never asks for a seat on start", async () => {
    const calls = fakeRust({ status: () => licensed });
    const wizard = new Wizard();
    await wizard.start();
    expect(wizard.screen).toBe("dashboard");
    expect(calls.names()).not.toContain("seat_on_start");
  });

  it("offline at start: Welcome says why", async () => {
    fakeRust({ status: () => ({ kind: "notActivated" }), seat_status: () => null, seat_on_start: () => commandError("OFFLINE") });
    const wizard = new Wizard();
    await wizard.start();
    expect(wizard.screen).toBe("welcome");
    expect(wizard.error?.code).toBe("OFFLINE");
  });
});
