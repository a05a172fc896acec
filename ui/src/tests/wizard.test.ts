import { afterEach, describe, expect, it } from "vitest";
import { clearMocks } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import { Wizard } from "../lib/wizard.svelte";
import { locale, setLanguage } from "../locales/i18n.svelte";
import { appInfo, commandError, fakeRust, license, licensed, office } from "./ipcMock";

const KEY = "7K3QD-M2XWP-9RT4B-HC6NV-E8JZA-QF0Y5";
const CANONICAL = "7K3QDM2XWP9RT4BHC6NVE8JZAQF0Y5";

afterEach(() => clearMocks());

async function started(handlers: Parameters<typeof fakeRust>[0]) {
  const calls = fakeRust(handlers);
  const wizard = new Wizard();
  await wizard.start();
  return { wizard, calls };
}

describe("start-up routing", () => {
  it("opens the dashboard when this computer is licensed", async () => {
    const { wizard } = await started({ status: () => licensed });
    expect(wizard.screen).toBe("dashboard");
    expect(wizard.license?.productName).toBe("Acme Paint");
    expect(wizard.info.productName).toBe("Acme Paint");
  });

  it("opens the welcome screen when nothing is activated", async () => {
    const { wizard } = await started({ status: () => ({ kind: "notActivated" }) });
    expect(wizard.screen).toBe("welcome");
  });

  it("opens the key screen with the reason when the server ended the activation", async () => {
    const { wizard } = await started({ status: () => ({ kind: "ended", code: "SUSPENDED", message: "suspended" }) });
    expect(wizard.screen).toBe("key");
    expect(wizard.error?.code).toBe("SUSPENDED");
  });

  it("shows a keychain problem instead of crashing", async () => {
    const { wizard } = await started({ status: () => commandError("KEYCHAIN_UNAVAILABLE") });
    expect(wizard.screen).toBe("key");
    expect(wizard.error?.code).toBe("KEYCHAIN_UNAVAILABLE");
  });
});

describe("activation", () => {
  it("refuses a key of the wrong shape without any call to Rust", async () => {
    const { wizard, calls } = await started({ status: () => ({ kind: "notActivated" }) });
    const before = calls.list.length;
    wizard.key = "ABC-123";
    await wizard.activate();
    expect(wizard.error?.code).toBe("INVALID_KEY_FORMAT");
    expect(calls.list.length).toBe(before);
    expect(wizard.key).toBe("ABC-123");
  });

  it("sends the normalized key and shows Activated", async () => {
    const { wizard, calls } = await started({
      status: () => ({ kind: "notActivated" }),
      activate: () => ({ kind: "activated", license }),
    });
    wizard.key = ` ${KEY.toLowerCase()}\n`;
    await wizard.activate();
    expect(calls.list.find((c) => c.cmd === "activate")).toEqual({ cmd: "activate", args: { key: CANONICAL } });
    expect(wizard.screen).toBe("activated");
    expect(wizard.license?.seatsUsed).toBe(1);
  });

  it("keeps the typed key and shows the code after a refusal", async () => {
    const { wizard } = await started({
      status: () => ({ kind: "notActivated" }),
      activate: () => commandError("NOT_FOUND"),
    });
    wizard.key = KEY;
    await wizard.activate();
    expect(wizard.screen).toBe("key");
    expect(wizard.error?.code).toBe("NOT_FOUND");
    expect(wizard.key).toBe(KEY);
  });

  it("limit reached → free a device → activated, with the same key and that device's id", async () => {
    const { wizard, calls } = await started({
      status: () => ({ kind: "notActivated" }),
      activate: () => ({ kind: "limitReached", license: { ...license, seatsUsed: 3 }, machines: [office] }),
      free_and_activate: () => ({ kind: "activated", license }),
    });
    wizard.key = KEY;
    await wizard.activate();
    expect(wizard.screen).toBe("limit");
    expect(wizard.machines.map((m) => m.id)).toEqual(["mach_office"]);
    await wizard.freeAndActivate("mach_office");
    expect(calls.list.find((c) => c.cmd === "free_and_activate")).toEqual({
      cmd: "free_and_activate",
      args: { key: CANONICAL, machineId: "mach_office" },
    });
    expect(wizard.screen).toBe("activated");
  });

  it("shows each activation step reported by Rust", async () => {
    const { wizard } = await started({ status: () => ({ kind: "notActivated" }) });
    await emit("activation-step", "validating");
    await emit("activation-step", "activating");
    expect(wizard.steps).toEqual(["validating", "activating"]);
  });
});

describe("dashboard actions", () => {
  it("check now while offline keeps the license and flags offline", async () => {
    const { wizard } = await started({
      status: () => licensed,
      check_now: () => ({ ...licensed, offline: true }),
    });
    await wizard.checkNow();
    expect(wizard.status?.offline).toBe(true);
    expect(wizard.screen).toBe("dashboard");
    expect(wizard.error).toBeNull();
  });

  it("background status events update the dashboard", async () => {
    const { wizard } = await started({ status: () => licensed });
    await emit("license-status", { ...licensed, lastSync: 1_800_000_000 });
    expect(wizard.status?.lastSync).toBe(1_800_000_000);
  });

  it("deactivate returns to Welcome (trial and key both reachable), with the key forgotten", async () => {
    const { wizard, calls } = await started({ status: () => licensed, deactivate: () => null });
    wizard.key = KEY;
    await wizard.deactivate();
    expect(calls.names()).toContain("deactivate");
    expect(wizard.screen).toBe("welcome");
    expect(wizard.notice).toBe("deactivated");
    expect(wizard.key).toBe("");
    expect(wizard.backTarget).toBeNull();
  });

  it("manage devices lists machines and removes one", async () => {
    const { wizard, calls } = await started({
      status: () => licensed,
      machines: () => ({ license, machines: [office], next: null }),
      remove_machine: () => ({ license, machines: [], next: null }),
    });
    await wizard.openDevices();
    expect(wizard.screen).toBe("devices");
    expect(wizard.machines).toHaveLength(1);
    expect(await wizard.removeMachine("mach_office")).toBe("Office PC");
    expect(calls.list.at(-1)).toEqual({ cmd: "remove_machine", args: { machineId: "mach_office" } });
    expect(wizard.machines).toHaveLength(0);
  });

  it("manage devices shows more devices page by page", async () => {
    const home = { ...office, id: "mach_home", name: "Home PC" };
    const { wizard, calls } = await started({
      status: () => licensed,
      machines: (args) =>
        args.after === "7"
          ? { license: { ...license, seatsUsed: 2 }, machines: [home], next: null }
          : { license: { ...license, seatsUsed: 2 }, machines: [office], next: "7" },
    });
    await wizard.openDevices();
    expect(calls.list.at(-1)).toEqual({ cmd: "machines", args: { after: null } });
    expect(wizard.machinesNext).toBe("7");
    await wizard.showMoreMachines();
    expect(calls.list.at(-1)).toEqual({ cmd: "machines", args: { after: "7" } });
    expect(wizard.machines.map((m) => m.id)).toEqual(["mach_office", "mach_home"]);
    expect(wizard.machinesNext).toBeNull();
  });
});

describe("free trial", () => {
  it("starts the trial and shows Activated with the trial's end", async () => {
    const ends = Math.floor(Date.now() / 1000) + 14 * 86400;
    const { wizard, calls } = await started({
      status: () => ({ kind: "notActivated" }),
      start_trial: () => ({ kind: "activated", license: { ...license, trial: true, expiresAt: ends } }),
    });
    await wizard.startTrial();
    expect(calls.names()).toContain("start_trial");
    expect(wizard.screen).toBe("activated");
    expect(wizard.license?.trial).toBe(true);
  });

  it("TRIAL_USED keeps the user on Welcome with the reason", async () => {
    const { wizard } = await started({
      status: () => ({ kind: "notActivated" }),
      start_trial: () => commandError("TRIAL_USED"),
    });
    await wizard.startTrial();
    expect(wizard.screen).toBe("welcome");
    expect(wizard.error?.code).toBe("TRIAL_USED");
    wizard.toKeyScreen();
    expect(wizard.screen).toBe("key");
    expect(wizard.error).toBeNull();
  });
});

describe("activation links", () => {
  it("a link that started the app opens the key screen with its key filled in", async () => {
    const { wizard, calls } = await started({ status: () => ({ kind: "notActivated" }), take_link: () => KEY });
    expect(calls.names()).toContain("take_link");
    expect(wizard.screen).toBe("key");
    expect(wizard.key).toBe(KEY);
    expect(wizard.error).toBeNull();
    expect(wizard.notice).toBe("link");
  });

  it("a link that reaches the running app is taken when Rust says one arrived", async () => {
    let pending: string | null = null;
    const { wizard } = await started({ status: () => licensed, take_link: () => pending });
    expect(wizard.screen).toBe("dashboard");
    pending = KEY;
    await emit("activation-link");
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(wizard.screen).toBe("key");
    expect(wizard.key).toBe(KEY);
  });

  it("a link that arrives during an activation waits until it is done", async () => {
    let pending: string | null = null;
    let finish: (value: unknown) => void = () => {};
    const { wizard } = await started({
      status: () => ({ kind: "notActivated" }),
      take_link: () => pending,
      activate: () => new Promise((resolve) => (finish = resolve)),
    });
    wizard.key = KEY;
    const activation = wizard.activate();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(wizard.screen).toBe("activating");
    pending = "AAAAABBBBBCCCCCDDDDDEEEEEFFFFF";
    await wizard.takeLink();
    expect(wizard.screen).toBe("activating");
    finish({ kind: "activated", license });
    await activation;
    expect(wizard.screen).toBe("key");
    expect(wizard.key).toBe("AAAAABBBBBCCCCCDDDDDEEEEEFFFFF");
  });

  it("a malformed key from a link is said at once", async () => {
    const { wizard, calls } = await started({ status: () => ({ kind: "notActivated" }), take_link: () => "NOT-A-KEY" });
    expect(wizard.screen).toBe("key");
    expect(wizard.key).toBe("NOT-A-KEY");
    expect(wizard.error?.code).toBe("INVALID_KEY_FORMAT");
    expect(calls.names()).not.toContain("activate");
  });

  it("the language comes from app_info", async () => {
    fakeRust({ app_info: () => ({ ...appInfo, language: "fr" }), status: () => ({ kind: "notActivated" }) });
    const wizard = new Wizard();
    await wizard.start();
    expect(locale.language).toBe("fr");
    setLanguage("en");
  });
});

describe("activation without internet", () => {
  it("keeps the typed key and the pasted response when the response cannot be used", async () => {
    const { wizard, calls } = await started({
      status: () => ({ kind: "notActivated" }),
      import_offline_response: () => commandError("OFFLINE_CODE_INVALID"),
    });
    wizard.key = KEY;
    wizard.offlineResponse = "KT-RES1.damaged";
    await wizard.importOfflineResponse();
    expect(wizard.error?.code).toBe("OFFLINE_CODE_INVALID");
    expect(wizard.key).toBe(KEY);
    expect(wizard.offlineResponse).toBe("KT-RES1.damaged");
    expect(calls.list.at(-1)?.args).toMatchObject({ key: CANONICAL, response: "KT-RES1.damaged" });
  });

  it("imports a response with the normalized key and shows Activated", async () => {
    const { wizard } = await started({
      status: () => ({ kind: "notActivated" }),
      import_offline_response: () => ({ kind: "activated", license }),
    });
    wizard.key = KEY.toLowerCase();
    wizard.offlineResponse = "KT-RES1.ok";
    await wizard.importOfflineResponse();
    expect(wizard.screen).toBe("activated");
    expect(wizard.offlineResponse).toBe("");
  });

  it("shows the deactivation code after deactivating without internet", async () => {
    const { wizard } = await started({ status: () => licensed, deactivate_offline: () => "KT-DEA1.code" });
    await wizard.deactivateOffline();
    expect(wizard.screen).toBe("offlineDeactivated");
    expect(wizard.deactivationCode).toBe("KT-DEA1.code");
    expect(wizard.status).toBeNull();
  });
});
