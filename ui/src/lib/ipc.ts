// The one door from the UI to Rust: every Tauri call and event goes through here.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";

// The shapes come from Rust (src-tauri/src/views.rs) through ts-rs: `cargo test` regenerates
// ./bindings/ and CI fails when the checked-in copies are stale. Never edit them by hand.
import type { ActivateResult } from "./bindings/ActivateResult";
import type { ActivationStep } from "./bindings/ActivationStep";
import type { AppInfo } from "./bindings/AppInfo";
import type { CommandErrorView } from "./bindings/CommandErrorView";
import type { DiagnosticsView } from "./bindings/DiagnosticsView";
import type { MachinesView } from "./bindings/MachinesView";
import type { OfflineRequestView } from "./bindings/OfflineRequestView";
import type { SeatResult } from "./bindings/SeatResult";
import type { SeatView } from "./bindings/SeatView";
import type { SeenErrorView } from "./bindings/SeenErrorView";
import type { StatusView } from "./bindings/StatusView";

export type {
  ActivateResult,
  ActivationStep,
  AppInfo,
  DiagnosticsView,
  MachinesView,
  OfflineRequestView,
  SeatResult,
  SeatView,
  SeenErrorView,
  StatusView,
};
export type { LicenseView } from "./bindings/LicenseView";
export type { ErrorCode } from "./bindings/ErrorCode";
export type { LicenseStatusView } from "./bindings/LicenseStatusView";
export type { MachineView } from "./bindings/MachineView";

/** Every failure of a command: a stable code, a technical message and a hint. */
export type CommandError = CommandErrorView;

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
  /** Starts this computer's free trial (one per computer); kept like an activation. */
  startTrial: () => call<ActivateResult>("start_trial"),
  /** The key of the activation link that opened or reached the app, once (null without one). */
  takeLink: () => call<string | null>("take_link"),
  /** After limitReached: frees `machineId` with the same key, then activates this computer. */
  freeAndActivate: (key: string, machineId: string) => call<ActivateResult>("free_and_activate", { key, machineId }),
  /** A page of the devices bound to the stored license (this one marked); `after` is a page's `next`. */
  machines: (after?: string) => call<MachinesView>("machines", { after: after ?? null }),
  /** Frees another device of the stored license (Manage devices). */
  removeMachine: (machineId: string) => call<MachinesView>("remove_machine", { machineId }),
  /** "Rename this computer": the name its device shows everywhere; answers the list as it is now. */
  renameThisComputer: (name: string) => call<MachinesView>("rename_this_computer", { name }),
  /** Renews now ("Check now") and returns the new status. */
  checkNow: () => call<StatusView>("check_now"),
  /** Frees this computer's seat and forgets the activation and key. */
  deactivate: () => call<void>("deactivate"),
  /** "Activate without internet": this computer's request code and where the portal is. */
  offlineRequest: () => call<OfflineRequestView>("offline_request"),
  /** Asks where to save the request code (a save dialog) and writes it; null when cancelled. */
  saveOfflineRequest: (code: string, title: string) => call<string | null>("save_offline_request", { code, title }),
  /** Asks for the portal's response file (an open dialog) and answers its text; null when cancelled. */
  openOfflineResponse: (title: string) => call<string | null>("open_offline_response", { title }),
  /** Imports the portal's response code and keeps the activation with `key`. */
  importOfflineResponse: (key: string, response: string) =>
    call<ActivateResult>("import_offline_response", { key, response }),
  /** Forgets the activation here; answers the code that frees the seat in the portal. */
  deactivateOffline: () => call<string>("deactivate_offline"),
  /** The support report; `seen` are the errors this window showed (support needs their codes). */
  diagnostics: (seen: SeenErrorView[]) => call<DiagnosticsView>("diagnostics", { seen }),
  /** Writes the report to a file and returns its path. */
  saveDiagnostics: (seen: SeenErrorView[]) => call<string>("save_diagnostics", { seen }),
  /** Floating license: takes a seat with the stored key (kept while the app runs), or borrows
   * one for `borrowDays`; every seat taken is an answer (`full`), not an error. */
  seatCheckout: (borrowDays?: number) => call<SeatResult>("seat_checkout", { borrowDays: borrowDays ?? null }),
  /** At start with nothing activated: a key kept as a floating license's takes a seat by
   * itself (the answer); null when the app starts as it always has. */
  seatOnStart: () => call<SeatResult | null>("seat_on_start"),
  /** The seat this computer holds now (the app's, or a borrowed one); no network. */
  seatStatus: () => call<SeatView | null>("seat_status"),
  /** "Give the seat back" / "Return now". */
  seatRelease: () => call<void>("seat_release"),
  onActivationStep: (handler: (step: ActivationStep) => void): Promise<UnlistenFn> =>
    listen<ActivationStep>("activation-step", (event) => handler(event.payload)),
  /** The background renewal task reports every change of status. */
  onStatus: (handler: (status: StatusView) => void): Promise<UnlistenFn> =>
    listen<StatusView>("license-status", (event) => handler(event.payload)),
  /** An activation link reached the running app (no payload: call takeLink). */
  onLink: (handler: () => void): Promise<UnlistenFn> => listen("activation-link", () => handler()),
};
