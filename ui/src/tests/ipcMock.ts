// A fake Rust side for UI tests: records every command and answers from a table.
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import type { AppInfo, LicenseView, MachineView, StatusView } from "../lib/ipc";

export type Handler = (args: Record<string, unknown>) => unknown;

export interface Calls {
  list: { cmd: string; args: Record<string, unknown> }[];
  names(): string[];
}

export const appInfo: AppInfo = {
  productName: "Acme Paint",
  supportUrl: "https://acme.example/support",
  renewUrl: "https://acme.example/renew",
  accentColor: null,
  logo: null,
  appVersion: "0.1.0",
  trial: false,
  language: "en",
  portalUrl: "https://license.acme.example/portal",
};

export const license: LicenseView = {
  productName: "Acme Paint",
  status: "Active",
  expiresAt: null,
  seatsUsed: 1,
  seatsMax: 3,
  deviceName: "laptop",
  trial: false,
};

export const office: MachineView = {
  id: "mach_office",
  name: "Office PC",
  platform: "windows-x86_64",
  createdAt: 1_700_000_000,
  lastSeenAt: 1_700_000_000,
  isThisDevice: false,
  tag: "OFF1CE",
};

export const licensed: StatusView = {
  kind: "licensed",
  license,
  deviceName: "laptop",
  lastSync: 1_700_000_000,
  nextSync: 1_700_086_400,
  validUntil: 1_700_604_800,
  secondsLeft: 604_800,
  offline: false,
};

/** Installs the fake; unknown commands fail like Rust would. Returns the call log. */
export function fakeRust(handlers: Record<string, Handler>): Calls {
  clearMocks();
  const calls: Calls = { list: [], names: () => calls.list.map((c) => c.cmd) };
  const table: Record<string, Handler> = { app_info: () => appInfo, take_link: () => null, seat_on_start: () => null, ...handlers };
  mockIPC(
    (cmd, args) => {
      const payload = (args ?? {}) as Record<string, unknown>;
      calls.list.push({ cmd, args: payload });
      const handler = table[cmd];
      if (!handler) throw { code: "INTERNAL", message: `no fake for ${cmd}`, hint: "" };
      return handler(payload);
    },
    { shouldMockEvents: true },
  );
  return calls;
}

/** A command failure as Rust serializes it. */
export function commandError(code: string): never {
  throw { code, message: `technical detail for ${code}`, hint: "" };
}
