// The one door from the UI to Rust: every Tauri call and event goes through here.
// The shapes mirror src-tauri/src/views.rs (camelCase on the wire).
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";

/** Vendor branding and links, from the vendor's config file. */
export interface AppInfo {
  productName: string;
  supportUrl: string | null;
  renewUrl: string | null;
  accentColor: string | null;
  /** A data: URL or an https URL of the vendor's logo. */
  logo: string | null;
  appVersion: string;
}

/** What the license looks like: for the Activated screen and the dashboard. */
export interface LicenseView {
  productName: string;
  status: "Active" | "Suspended" | "Revoked";
  /** Unix seconds; null = never expires. */
  expiresAt: number | null;
  seatsUsed: number;
  seatsMax: number;
  deviceName: string;
}

/** A device bound to the license. Times are Unix seconds. */
export interface MachineView {
  id: string;
  name: string;
  platform: string;
  createdAt: number;
  lastSeenAt: number;
  isThisDevice: boolean;
}

export type ActivateResult =
  | { kind: "activated"; license: LicenseView }
  | { kind: "limitReached"; license: LicenseView; machines: MachineView[] };

/** What this computer holds, checked offline (no network) or after a sync. */
export type StatusView =
  | { kind: "notActivated" }
  | {
      kind: "licensed";
      license: LicenseView | null;
      deviceName: string;
      /** Unix seconds of the last successful contact with the server. */
      lastSync: number | null;
      nextSync: number | null;
      /** The app keeps working offline until this time (Unix seconds). */
      validUntil: number;
      secondsLeft: number;
      /** The last attempt to reach the server failed for network reasons. */
      offline: boolean;
    }
  | {
      /** The server ended the activation (suspended, revoked, expired, freed elsewhere...). */
      kind: "ended";
      code: string;
      message: string;
    };

export interface MachinesView {
  license: LicenseView;
  machines: MachineView[];
}

export interface DiagnosticsView {
  /** The whole report as text: what Copy and Save use. Never contains the key or token. */
  text: string;
}

/** Progress of an activation, for the live status lines. */
export type ActivationStep = "validating" | "renewing" | "activating" | "verifying" | "freeing";

/** Every failure of a command: a stable code, a technical message and a hint. */
export interface CommandError {
  code: string;
  message: string;
  hint: string;
}

export function isCommandError(value: unknown): value is CommandError {
  return typeof value === "object" && value !== null && "code" in value && "message" in value;
}

function asCommandError(error: unknown): CommandError {
  if (isCommandError(error)) return error;
  return { code: "INTERNAL", message: String(error), hint: "" };
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw asCommandError(error);
  }
}

export const ipc = {
  appInfo: () => call<AppInfo>("app_info"),
  /** Offline check of what is stored; never touches the network. */
  status: () => call<StatusView>("status"),
  activate: (key: string) => call<ActivateResult>("activate", { key }),
  /** After limitReached: frees `machineId` with the same key, then activates this computer. */
  freeAndActivate: (key: string, machineId: string) => call<ActivateResult>("free_and_activate", { key, machineId }),
  /** Devices bound to the stored license (this one marked). */
  machines: () => call<MachinesView>("machines"),
  /** Frees another device of the stored license (Manage devices). */
  removeMachine: (machineId: string) => call<MachinesView>("remove_machine", { machineId }),
  /** Renews now ("Check now") and returns the new status. */
  checkNow: () => call<StatusView>("check_now"),
  /** Frees this computer's seat and forgets the activation and key. */
  deactivate: () => call<void>("deactivate"),
  diagnostics: () => call<DiagnosticsView>("diagnostics"),
  /** Writes the report to a file and returns its path. */
  saveDiagnostics: () => call<string>("save_diagnostics"),
  onActivationStep: (handler: (step: ActivationStep) => void): Promise<UnlistenFn> =>
    listen<ActivationStep>("activation-step", (event) => handler(event.payload)),
  /** The background renewal task reports every change of status. */
  onStatus: (handler: (status: StatusView) => void): Promise<UnlistenFn> =>
    listen<StatusView>("license-status", (event) => handler(event.payload)),
};
