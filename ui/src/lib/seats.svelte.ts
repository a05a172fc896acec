// A floating license in the wizard: the seat this computer holds, borrowing it for a trip and
// giving it back, and, when every seat is taken, a wait that goes on by itself. Seat calls go
// through ipc.ts; the wizard (wizard.svelte.ts) lends its screen, words and error handling.
import { ipc, type CommandError, type SeatResult, type SeatView } from "./ipc";
import type { Screen } from "./routes";

/** While every seat is taken, ask again at least this often (a seat may be given back early). */
export const SEAT_POLL_MS = 15_000;
/** ...and stop asking by itself after this long (then "Try again" starts afresh). */
export const SEAT_WAIT_MS = 60 * 60 * 1000;

/** What the seat screens need from the wizard. */
export interface SeatHost {
  screen(): Screen;
  go(screen: Screen): void;
  /** Sets the screen's notice ("gaveUp", "seatGiven"). */
  say(notice: string): void;
  show(error: CommandError): void;
  fail(error: unknown, screen: Screen | null): void;
  busyWith(work: () => Promise<void>): Promise<boolean>;
  forgetKey(): void;
}

function toError(error: unknown): CommandError {
  if (typeof error === "object" && error !== null && "code" in error) return error as CommandError;
  return { code: "INTERNAL", message: String(error), hint: "" };
}

export class Seats {
  /** The seat this computer holds (kept by heartbeats while the app runs). */
  seat = $state<SeatView | null>(null);
  /** Every seat taken: how many there are and when the next frees up. */
  full = $state<{ seats: number; nextFreeAt: number | null } | null>(null);
  /** The wait for a free seat: its next question and when it stops by itself (ms). */
  private timer: ReturnType<typeof setTimeout> | null = null;
  private waitUntil = 0;

  constructor(private host: SeatHost) {}

  /** A seat this computer already holds (a borrowed one, or a program's): its screen. */
  async showHeld(): Promise<void> {
    try {
      const seat = await ipc.seatStatus();
      if (seat) {
        this.seat = seat;
        this.host.go("seat");
      }
    } catch {
      // No session or no seat file: Welcome, as before.
    }
  }

  /**
   * At start with nothing activated: a seat held here is shown; a key kept as a floating
   * license's takes a seat by itself (or waits on the full screen). Answers whether a seat
   * screen took over (else the app starts as it always has).
   */
  async onStart(): Promise<boolean> {
    await this.showHeld();
    if (this.host.screen() === "seat") return true;
    try {
      const result = await ipc.seatOnStart();
      if (result === null) return false;
      this.apply(result);
      return true;
    } catch (error) {
      // Offline, say: Welcome says why, and the key can be entered again.
      this.host.fail(error, "welcome");
      return true;
    }
  }

  /** Takes a seat with the key the activation kept. */
  async take(): Promise<void> {
    try {
      this.apply(await ipc.seatCheckout());
    } catch (error) {
      this.host.fail(error, "key");
    }
  }

  /** A seat → its screen; every seat taken → the full screen, and the wait goes on by itself. */
  private apply(result: SeatResult): void {
    if (result.kind === "held") {
      this.seat = result.seat;
      this.full = null;
      this.host.go("seat");
      return;
    }
    this.full = { seats: result.seats, nextFreeAt: result.nextFreeAt };
    if (this.host.screen() !== "seatsFull") {
      this.host.go("seatsFull");
      this.waitUntil = Date.now() + SEAT_WAIT_MS;
    }
    this.askLater();
  }

  /** Asks again when the soonest lease ends (at most SEAT_POLL_MS away), until the wait's end. */
  private askLater(): void {
    this.stopWaiting();
    const now = Date.now();
    if (now >= this.waitUntil) {
      this.host.say("gaveUp");
      return;
    }
    const nextFreeAt = this.full?.nextFreeAt;
    const untilFree = nextFreeAt ? nextFreeAt * 1000 - now : SEAT_POLL_MS;
    const pause = Math.min(Math.max(untilFree, 1000), SEAT_POLL_MS, this.waitUntil - now);
    this.timer = setTimeout(() => void this.ask(), pause);
  }

  private async ask(): Promise<void> {
    this.timer = null;
    if (this.host.screen() !== "seatsFull") return;
    try {
      this.apply(await ipc.seatCheckout());
    } catch (error) {
      // Offline for a moment, say: shown, and the wait goes on.
      this.host.show(toError(error));
      this.askLater();
    }
  }

  /** Ends the wait (leaving the full screen does). */
  stopWaiting(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** "Try again" on the full screen: asks at once, and the wait starts afresh. */
  async tryAgain(): Promise<void> {
    this.waitUntil = Date.now() + SEAT_WAIT_MS;
    this.host.go("seatsFull"); // what the screen said goes
    await this.ask();
  }

  /** The seat as the heartbeats keep it (its end moves on); no network. */
  async refresh(): Promise<void> {
    try {
      const seat = await ipc.seatStatus();
      if (seat) this.seat = seat;
    } catch {
      // The screen keeps what it showed.
    }
  }

  /** "Borrow for a trip": the seat is kept without the app or internet for `days`. */
  async borrow(days: number): Promise<void> {
    await this.host.busyWith(async () => this.apply(await ipc.seatCheckout(days)));
  }

  /** "Give the seat back" and "Return now": the seat is free for someone else. */
  async giveBack(): Promise<void> {
    await this.host.busyWith(async () => {
      await ipc.seatRelease();
      this.host.forgetKey();
      this.seat = null;
      this.host.go("welcome");
      this.host.say("seatGiven");
    });
  }
}
