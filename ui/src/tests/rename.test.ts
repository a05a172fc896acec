// "Rename this computer": the wizard's call and what it updates, and the Manage devices screen
// (rename form: focus, Enter, Escape, errors linked to the field) in a real Svelte mount.
import { afterEach, describe, expect, it } from "vitest";
import { clearMocks } from "@tauri-apps/api/mocks";
import { flushSync, mount, tick, unmount } from "svelte";
import Devices from "../screens/Devices.svelte";
import { Wizard } from "../lib/wizard.svelte";
import { setLanguage } from "../locales/i18n.svelte";
import { commandError, fakeRust, license, licensed, office, type Handler } from "./ipcMock";
import type { MachineView } from "../lib/ipc";

const laptop: MachineView = { ...office, id: "act_laptop", name: "laptop", isThisDevice: true, tag: "LAPTOP" };

let mounted: Record<string, unknown> | null = null;
afterEach(() => {
  if (mounted) unmount(mounted);
  mounted = null;
  document.body.innerHTML = "";
  clearMocks();
  setLanguage("en");
});

/** The wizard on Manage devices with this computer and one other; `rename` answers the call. */
async function onDevices(rename: Handler) {
  const calls = fakeRust({
    status: () => licensed,
    machines: () => ({ license, machines: [laptop, office], next: null }),
    rename_this_computer: rename,
  });
  const wizard = new Wizard();
  await wizard.start();
  await wizard.openDevices();
  return { wizard, calls };
}

const renamedTo = (name: string) => () => ({
  license: { ...license, deviceName: name },
  machines: [{ ...laptop, name }, office],
  next: null,
});

function show(wizard: Wizard) {
  mounted = mount(Devices, { target: document.body, props: { wizard } });
  flushSync();
}

const $ = <T extends Element = HTMLElement>(testid: string) => document.querySelector<T>(`[data-testid="${testid}"]`);

async function settle() {
  for (let i = 0; i < 20; i++) await tick();
  flushSync();
}

describe("the wizard", () => {
  it("sends the name as typed and shows the server's name in the list and on the dashboard", async () => {
    const { wizard, calls } = await onDevices(renamedTo("Studio PC"));
    expect(await wizard.renameThisComputer("  Studio PC ")).toBe(true);
    expect(calls.list.at(-1)).toEqual({ cmd: "rename_this_computer", args: { name: "  Studio PC " } });
    expect(wizard.machines[0].name).toBe("Studio PC");
    expect(wizard.status?.deviceName).toBe("Studio PC");
    expect(wizard.license?.deviceName).toBe("Studio PC");
  });

  it("keeps the user on Manage devices with the reason when the name is refused", async () => {
    const { wizard } = await onDevices(() => commandError("INVALID_DEVICE_NAME"));
    expect(await wizard.renameThisComputer("")).toBe(false);
    expect(wizard.screen).toBe("devices");
    expect(wizard.error?.code).toBe("INVALID_DEVICE_NAME");
    expect(wizard.machines[0].name).toBe("laptop");
  });
});

describe("Manage devices", () => {
  it("offers Rename on this computer only; the field takes focus, Enter saves, the list shows the name", async () => {
    const { wizard, calls } = await onDevices(renamedTo("Studio PC"));
    show(wizard);
    const renameButtons = document.querySelectorAll("[data-testid=rename]");
    expect(renameButtons).toHaveLength(1);
    expect(renameButtons[0].closest("li")?.getAttribute("data-this-device")).toBe("true");
    (renameButtons[0] as HTMLButtonElement).click();
    flushSync();
    const input = $<HTMLInputElement>("rename-input")!;
    expect(document.activeElement).toBe(input);
    expect(input.value).toBe("laptop");
    input.value = "Studio PC";
    input.dispatchEvent(new Event("input"));
    $<HTMLFormElement>("rename-form")!.requestSubmit();
    await settle();
    expect(calls.list.at(-1)?.args).toEqual({ name: "Studio PC" });
    expect($("rename-form")).toBeNull();
    expect($("renamed-notice")?.textContent).toBe("This computer is now called Studio PC.");
    expect(document.querySelector("[data-this-device=true] strong")?.textContent).toBe("Studio PC");
    expect(document.activeElement).toBe($("rename"));
  });

  it("says why a name is refused, in the user's language, linked to the field", async () => {
    const { wizard } = await onDevices(() => commandError("INVALID_DEVICE_NAME"));
    setLanguage("de");
    show(wizard);
    $<HTMLButtonElement>("rename")!.click();
    flushSync();
    $<HTMLFormElement>("rename-form")!.requestSubmit();
    await settle();
    const input = $<HTMLInputElement>("rename-input")!;
    expect(input.getAttribute("aria-invalid")).toBe("true");
    const error = document.getElementById("rename-error")!;
    expect(input.getAttribute("aria-describedby")).toContain("rename-error");
    expect(error.dataset.code).toBe("INVALID_DEVICE_NAME");
    expect($("error-title")?.textContent).toBe("Dieser Name kann nicht verwendet werden.");
    // One error on screen, in the form, not a second one above it.
    expect(document.querySelectorAll("[data-testid=error]")).toHaveLength(1);
  });

  it("Escape in the field cancels the rename and does not leave the screen", async () => {
    const { wizard, calls } = await onDevices(renamedTo("never"));
    show(wizard);
    $<HTMLButtonElement>("rename")!.click();
    flushSync();
    const escape = new KeyboardEvent("keydown", { key: "Escape", bubbles: true, cancelable: true });
    $<HTMLInputElement>("rename-input")!.dispatchEvent(escape);
    await settle();
    expect(escape.defaultPrevented).toBe(true);
    expect($("rename-form")).toBeNull();
    expect(wizard.screen).toBe("devices");
    expect(calls.names()).not.toContain("rename_this_computer");
  });
});
