// The wizard's map as a graph (screens × actions): every screen has a way out, and from every
// state Welcome (or the dashboard), the key screen and Support can be reached.
import { afterEach, describe, expect, it } from "vitest";
import { clearMocks } from "@tauri-apps/api/mocks";
import { backOf, edges, home, offersSupport, transient, type Context, type Screen } from "../lib/routes";
import { Wizard } from "../lib/wizard.svelte";
import { commandError, fakeRust, license, licensed } from "./ipcMock";

const screens: Screen[] = [
  "loading",
  "welcome",
  "key",
  "activating",
  "activated",
  "limit",
  "dashboard",
  "devices",
  "support",
  "offline",
  "offlineDeactivated",
  "seat",
  "seatsFull",
];

/** Every context a person can be in: nothing held, a license, a trial; trial offered or not. */
const contexts: Context[] = [false, true].flatMap((trialOffered) => [
  { licensed: false, trial: false, trialOffered },
  { licensed: true, trial: false, trialOffered },
  { licensed: true, trial: true, trialOffered },
]);

type State = { screen: Screen; context: Context };
const id = (s: State) => `${s.screen}|${s.context.licensed}|${s.context.trial}|${s.context.trialOffered}`;

/** Every state reachable from `start`, by any sequence of visible actions. */
function reachable(start: State): State[] {
  const seen = new Map([[id(start), start]]);
  const queue = [start];
  while (queue.length > 0) {
    const here = queue.shift()!;
    for (const edge of edges(here.screen, here.context)) {
      const next = { screen: edge.to, context: { ...here.context, ...edge.then } };
      if (!seen.has(id(next))) {
        seen.set(id(next), next);
        queue.push(next);
      }
    }
  }
  return [...seen.values()];
}

afterEach(() => clearMocks());

describe("the wizard's map", () => {
  const states = screens.flatMap((screen) => contexts.map((context) => ({ screen, context })));

  it.each(states.map((s) => [id(s), s] as const))("%s: has a way out", (_, state) => {
    const out = edges(state.screen, state.context);
    expect(out.length).toBeGreaterThan(0);
    // Leaving is one step: Back, or the screen is home (Welcome or the dashboard), or it ends by itself.
    const isHome = state.screen === home(state.context) || state.screen === "welcome";
    const back = backOf(state.screen, state.context);
    expect(back !== null || isHome || transient.includes(state.screen), "Back or home or running").toBe(true);
    // Help is one step from every screen a person can act on.
    expect(offersSupport(state.screen)).toBe(state.screen !== "support" && !transient.includes(state.screen));
  });

  it.each(states.map((s) => [id(s), s] as const))("%s: Welcome or the dashboard, the key screen and Support are reachable", (_, state) => {
    const seen = reachable(state).map((s) => s.screen);
    expect(seen).toContain("key");
    expect(seen).toContain("support");
    expect(seen.some((s) => s === "welcome" || s === "dashboard")).toBe(true);
    // Whoever holds no activation can always get back to Welcome (its trial and its key).
    if (!state.context.licensed) expect(seen).toContain("welcome");
  });

  it("offers offline deactivation only where there is a seat to free in the portal (not a trial)", () => {
    const actions = (context: Context) => edges("dashboard", context).map((e) => e.action);
    expect(actions({ licensed: true, trial: false, trialOffered: true })).toContain("deactivateOffline");
    expect(actions({ licensed: true, trial: true, trialOffered: true })).not.toContain("deactivateOffline");
  });

  it("the trial's dashboard → Enter a license key → Back returns to the dashboard", () => {
    const trial = { licensed: true, trial: true, trialOffered: true };
    expect(edges("dashboard", trial).find((e) => e.action === "enterKey")?.to).toBe("key");
    expect(backOf("key", trial)).toBe("dashboard");
  });

  it("Support's Back returns to where it was opened, never to a running screen", () => {
    const none = contexts[0];
    expect(backOf("support", none, "limit")).toBe("limit");
    expect(backOf("support", none, "activating")).toBe("welcome");
    expect(backOf("support", none, null)).toBe("welcome");
  });
});

describe("the wizard follows its map", () => {
  it("Back from each screen goes where the map says, and clears the last screen's error", async () => {
    fakeRust({ status: () => ({ kind: "notActivated" }) });
    const wizard = new Wizard();
    await wizard.start();
    for (const screen of screens.filter((s) => !transient.includes(s) && s !== "activated")) {
      wizard.screen = screen;
      wizard.error = { code: "NOT_FOUND", message: "raw server text", hint: "" };
      const expected = backOf(screen, wizard.context, wizard.supportOrigin);
      wizard.back();
      await Promise.resolve();
      if (expected === null) {
        expect(wizard.screen, `${screen} stays`).toBe(screen);
      } else {
        expect(wizard.screen, `Back from ${screen}`).toBe(expected);
        expect(wizard.error, `no error left after ${screen}`).toBeNull();
      }
    }
  });

  it("Support opens from before activation and returns; the errors shown go into its report", async () => {
    const calls = fakeRust({
      status: () => ({ kind: "notActivated" }),
      activate: () => commandError("NOT_FOUND"),
      diagnostics: () => ({ text: "report" }),
    });
    const wizard = new Wizard();
    await wizard.start();
    wizard.toKeyScreen();
    wizard.key = "7K3QD-M2XWP-9RT4B-HC6NV-E8JZA-QF0Y5";
    await wizard.activate();
    expect(wizard.screen).toBe("key");
    wizard.openSupport();
    expect(wizard.screen).toBe("support");
    expect(wizard.error).toBeNull();
    expect(wizard.seenErrors.map((e) => e.code)).toEqual(["NOT_FOUND"]);
    expect(wizard.seenErrors[0].message).toBe("technical detail for NOT_FOUND");
    wizard.back();
    expect(wizard.screen).toBe("key");
    expect(calls.names()).toContain("activate");
  });

  it("a licensed computer's Back from Activated and Devices reads the status and shows the dashboard", async () => {
    fakeRust({ status: () => licensed, activate: () => ({ kind: "activated", license }) });
    const wizard = new Wizard();
    await wizard.start();
    wizard.go("devices");
    wizard.back();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(wizard.screen).toBe("dashboard");
  });
});
