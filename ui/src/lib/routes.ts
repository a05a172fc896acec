// The wizard's map: which screens there are, and where each visible action leads. The wizard
// (wizard.svelte.ts) takes Back, Escape and Help from here, the Nav bar shows them from here, and
// src/tests/routes.test.ts walks this graph to prove that no screen is a dead end.

export type Screen =
  | "loading"
  | "welcome"
  | "key"
  | "activating"
  | "activated"
  | "limit"
  | "dashboard"
  | "devices"
  | "support"
  | "offline"
  | "offlineDeactivated"
  | "seat"
  | "seatsFull";

/** What decides the way out: whether this computer holds a license, and of what kind. */
export interface Context {
  /** This computer holds an activation (a license or a trial). */
  licensed: boolean;
  /** The activation held is a trial. */
  trial: boolean;
  /** The vendor offers a free trial (Welcome shows "Start a free trial"). */
  trialOffered: boolean;
}

/**
 * Screens that end by themselves (start-up, a running activation): they show no Back, but the
 * call they wait for always ends, on a screen with a way out (the graph models its outcomes).
 */
export const transient: readonly Screen[] = ["loading", "activating"];

/** Where the user lands when there is nowhere further back: the dashboard or Welcome. */
export function home(context: Context): Screen {
  return context.licensed ? "dashboard" : "welcome";
}

/**
 * Where Back (and Escape) leads from `screen`; null on a home screen and while something runs.
 * Support returns to the screen it was opened from (`origin`), else home.
 */
export function backOf(screen: Screen, context: Context, origin: Screen | null = null): Screen | null {
  switch (screen) {
    case "loading":
    case "activating":
      return null;
    case "dashboard":
      // Without a license (e.g. it was removed elsewhere) the dashboard is no home: back to Welcome.
      return context.licensed ? null : "welcome";
    case "welcome":
      return context.licensed ? "dashboard" : null;
    case "key":
      return home(context);
    case "offline":
    case "limit":
      return "key";
    case "activated":
    case "devices":
      return context.licensed ? "dashboard" : "key";
    case "offlineDeactivated":
    case "seat":
      return "welcome";
    case "seatsFull":
      return "key";
    case "support":
      return origin && origin !== "support" && !transient.includes(origin) ? origin : home(context);
  }
}

/** Support (with the report) is one action away from every screen but itself and running ones. */
export function offersSupport(screen: Screen): boolean {
  return screen !== "support" && !transient.includes(screen);
}

/** One visible way from a screen to another; `then` is how the context changes on arrival. */
export interface Edge {
  action: string;
  to: Screen;
  then?: Partial<Context>;
}

/**
 * Every way out of `screen`: Back, Help, and the screen's own buttons; for running screens their
 * possible outcomes. The wizard's actions follow these (see the tests that check both agree).
 */
export function edges(screen: Screen, context: Context): Edge[] {
  const out: Edge[] = [];
  const back = backOf(screen, context);
  if (back) out.push({ action: "back", to: back });
  if (offersSupport(screen)) out.push({ action: "support", to: "support" });
  const activated = { licensed: true };
  switch (screen) {
    case "loading":
      out.push({ action: "started", to: home(context) }, { action: "ended", to: "key" });
      break;
    case "welcome":
      out.push({ action: "start", to: "key" });
      if (context.trialOffered && !context.licensed) out.push({ action: "trial", to: "activating" });
      break;
    case "key":
      out.push({ action: "activate", to: "activating" }, { action: "offline", to: "offline" });
      break;
    case "activating":
      out.push(
        { action: "activated", to: "activated", then: activated },
        { action: "limitReached", to: "limit" },
        { action: "refused", to: "key" },
        { action: "trialRefused", to: "welcome" },
        { action: "floating", to: "seat" },
        { action: "seatsFull", to: "seatsFull" },
      );
      break;
    case "limit":
      out.push({ action: "free", to: "activating" });
      break;
    case "offline":
      out.push({ action: "import", to: "activated", then: { ...activated, trial: false } });
      break;
    case "activated":
      out.push({ action: "continue", to: "dashboard" });
      break;
    case "dashboard":
      out.push({ action: "enterKey", to: "key" }, { action: "devices", to: "devices" });
      out.push({ action: "deactivate", to: "welcome", then: { licensed: false, trial: false } });
      if (!context.trial) {
        out.push({ action: "deactivateOffline", to: "offlineDeactivated", then: { licensed: false, trial: false } });
      }
      break;
    case "offlineDeactivated":
      out.push({ action: "done", to: "welcome" });
      break;
    case "seat":
      out.push({ action: "giveBack", to: "welcome" }, { action: "borrow", to: "seat" }, { action: "returnNow", to: "welcome" });
      break;
    case "seatsFull":
      out.push({ action: "tryAgain", to: "seatsFull" }, { action: "seatFreed", to: "seat" });
      break;
    case "devices":
    case "support":
      break;
  }
  return out;
}
