// The one door from the UI to Rust: every Tauri call goes through here.
import { invoke } from "@tauri-apps/api/core";

/** Vendor branding and links, from the vendor's config file. */
export interface AppInfo {
  productName: string;
  supportUrl: string | null;
  renewUrl: string | null;
  accentColor: string | null;
}

/** What the Activated screen shows. */
export interface LicenseView {
  productName: string;
  status: string;
  expiresAt: number | null;
  seatsUsed: number;
  seatsMax: number;
  deviceName: string;
}

/** A device bound to the license. */
export interface MachineView {
  id: string;
  name: string;
  platform: string;
  lastSeenAt: number;
  isThisDevice: boolean;
}

export type ActivateResult =
  | { kind: "activated"; license: LicenseView }
  | { kind: "limitReached"; license: LicenseView; machines: MachineView[] };

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
  activate: (key: string) => call<ActivateResult>("activate", { key }),
};
