// The wizard's state and routing: which screen is up and what it shows. Screens render it and
// call its actions; every call to Rust goes through ipc.ts.
import {
  ipc,
  type ActivateResult,
  type ActivationStep,
  type AppInfo,
  type CommandError,
  type LicenseView,
  type MachineView,
  type OfflineRequestView,
  type SeenErrorView,
  type StatusView,
} from "./ipc";
import { looksLikeKey, normalizeKey } from "./keyShape";
import { backOf, type Context, type Screen } from "./routes";
import { Seats } from "./seats.svelte";
import { setLanguage, t } from "../locales/i18n.svelte";

export type { Screen } from "./routes";


export type Licensed = Extract<StatusView, { kind: "licensed" }>;


function toError(error: unknown): CommandError {
  if (typeof error === "object" && error !== null && "code" in error) return error as CommandError;
  return { code: "INTERNAL", message: String(error), hint: "" };
}

export class Wizard {
  screen = $state<Screen>("loading");
  info = $state<AppInfo>({
    productName: "",
    supportUrl: null,
    renewUrl: null,
    accentColor: null,
    logo: null,
    appVersion: "",
    trial: false,
    language: "en",
    portalUrl: null,
  });
  /** The key as typed: kept after an error, cleared after deactivation. */
  key = $state("");
  error = $state<CommandError | null>(null);
  /** The errors shown in this run (at most 10), so the support report carries them. */
  seenErrors: SeenErrorView[] = [];
  /** The screen Support was opened from: its Back returns there. */
  supportOrigin = $state<Screen | null>(null);
  /** Live progress lines of the running activation. */
  steps = $state<ActivationStep[]>([]);
  license = $state<LicenseView | null>(null);
  machines = $state<MachineView[]>([]);
  /** Manage devices: cursor of the next page of devices, null when all are shown. */
  machinesNext = $state<string | null>(null);
  status = $state<Licensed | null>(null);
  /** A short confirmation after an action ("checked", "link": a key came from a link). */
  notice = $state("");
  busy = $state(false);
  /** "Activate without internet": the request once made, and the response as pasted. */
  offlineRequest = $state<OfflineRequestView | null>(null);
  offlineResponse = $state("");
  /** After "Deactivate without internet": the code that frees the seat in the portal. */
  deactivationCode = $state("");
  /** Floating license: the seat held here, the full screen and its wait (seats.svelte.ts). */
  readonly seats: Seats = new Seats({
    screen: () => this.screen,
    go: (screen) => this.go(screen),
    say: (notice) => (this.notice = notice),
    show: (error) => this.show(error),
    fail: (error, screen) => this.fail(error, screen),
    busyWith: (work) => this.busyWith(work),
    forgetKey: () => (this.key = ""),
  });
  /** A link's key that arrived while an activation ran: shown once it is done. */
  private laterLink: string | null = null;

  /** Loads branding and what this computer holds, then opens the right screen. */
  async start(): Promise<void> {
    try {
      this.info = await ipc.appInfo();
      setLanguage(this.info.language);
      await ipc.onActivationStep((step) => (this.steps = [...this.steps, step]));
      // A change made elsewhere (the command line, a program using the C library) moves the
      // window between its resting screens; an activation under way here is not interrupted.
      await ipc.onStatus((status) => this.applyStatus(status, this.screen === "welcome" || this.screen === "dashboard"));
      await ipc.onLink(() => this.takeLink());
      const status = await ipc.status();
      // Nothing activated: a floating license's seat may open instead of Welcome.
      const seated = status.kind === "notActivated" && (await this.seats.onStart());
      this.applyStatus(status, !seated);
      await this.takeLink();
    } catch (error) {
      this.fail(error, "key");
    }
  }

  /** An activation link (keyturn://activate?key=...): the key screen with its key filled in. */
  async takeLink(): Promise<void> {
    const key = await ipc.takeLink();
    if (key === null) return;
    if (this.screen === "activating") {
      this.laterLink = key;
      return;
    }
    this.showLinkKey(key);
  }

  private showLinkKey(key: string): void {
    this.key = key;
    this.go("key");
    // A malformed key is said at once, before anyone presses Activate.
    if (!looksLikeKey(key)) this.show({ code: "INVALID_KEY_FORMAT", message: "", hint: "" });
    this.notice = "link";
  }

  /** Welcome (or the dashboard of a trial) → the key screen, with nothing left from before. */
  toKeyScreen(): void {
    this.error = null;
    this.go("key");
  }

  /** Routes by status: licensed → dashboard, ended → key screen with the reason. */
  applyStatus(status: StatusView, route: boolean): void {
    if (status.kind === "licensed") {
      this.status = status;
      if (status.license) this.license = status.license;
      if (route) this.screen = "dashboard";
    } else if (status.kind === "ended") {
      this.status = null;
      this.screen = "key";
      this.show({ code: status.code, message: status.message, hint: "" });
    } else {
      this.status = null;
      if (route) this.screen = "welcome";
    }
  }

  /** Moves to `screen`; what the last screen said (an error, a notice) stays behind. */
  go(screen: Screen): void {
    if (screen !== "seatsFull") this.seats.stopWaiting();
    this.notice = "";
    this.error = null;
    this.screen = screen;
  }

  /** What decides where Back leads (see routes.ts). */
  get context(): Context {
    return {
      licensed: this.status !== null,
      trial: this.status?.license?.trial ?? this.license?.trial ?? false,
      trialOffered: this.info.trial,
    };
  }

  /** Where Back (and Escape) leads from here; null on a home screen or while something runs. */
  get backTarget(): Screen | null {
    return backOf(this.screen, this.context, this.supportOrigin);
  }

  /** Back, or Escape: one step out; nothing on a home screen or while something runs. */
  back(): void {
    const target = this.backTarget;
    if (target === null || this.busy) return;
    if (target === "dashboard") {
      void this.toDashboard();
      return;
    }
    this.go(target);
  }

  /** Help: the support screen, from anywhere; it remembers where to return. */
  openSupport(): void {
    if (this.screen === "support") return;
    this.supportOrigin = this.screen;
    this.go("support");
  }

  async activate(): Promise<void> {
    if (!looksLikeKey(this.key)) {
      this.show({ code: "INVALID_KEY_FORMAT", message: "", hint: "" });
      return;
    }
    await this.runActivation(() => ipc.activate(normalizeKey(this.key)));
  }

  /** Seat limit: frees `machineId` with the same key, then activates this computer. */
  async freeAndActivate(machineId: string): Promise<void> {
    await this.runActivation(() => ipc.freeAndActivate(normalizeKey(this.key), machineId));
  }

  /** Starts this computer's free trial; a refusal (TRIAL_USED) is said on the Welcome screen. */
  async startTrial(): Promise<void> {
    await this.runActivation(() => ipc.startTrial(), "welcome");
  }

  private async runActivation(call: () => Promise<ActivateResult>, onError: Screen = "key"): Promise<void> {
    this.error = null;
    this.notice = "";
    this.steps = [];
    this.screen = "activating";
    try {
      const result = await call();
      this.license = result.license;
      if (result.kind === "activated") {
        await this.refreshStatus();
        this.screen = "activated";
      } else {
        this.machines = result.machines;
        this.screen = "limit";
      }
    } catch (error) {
      // A floating license binds no computer: the app takes a seat with the key instead.
      if (toError(error).code === "FLOATING_LICENSE") await this.seats.take();
      else this.fail(error, onError);
    }
    const link = this.laterLink;
    this.laterLink = null;
    if (link !== null) this.showLinkKey(link);
  }

  /** Reads what this computer holds now (offline); a failure leaves things as they were. */
  private async refreshStatus(): Promise<void> {
    try {
      this.applyStatus(await ipc.status(), false);
    } catch {
      // Said where it matters: the dashboard reads the status again.
    }
  }

  /** Activated → dashboard, with the stored status. */
  async toDashboard(): Promise<void> {
    try {
      this.applyStatus(await ipc.status(), false);
      this.go(this.status ? "dashboard" : "welcome");
    } catch (error) {
      this.fail(error, "key");
    }
  }

  async checkNow(): Promise<void> {
    await this.busyWith(async () => {
      const status = await ipc.checkNow();
      this.applyStatus(status, false);
      if (status.kind === "licensed") {
        this.notice = status.offline ? "" : "checked";
      }
    });
  }

  async openDevices(): Promise<void> {
    this.go("devices");
    await this.busyWith(async () => {
      const view = await ipc.machines();
      this.license = view.license;
      this.machines = view.machines;
      this.machinesNext = view.next;
    });
  }

  /** Manage devices: appends the next page of devices ("Show more"). */
  async showMoreMachines(): Promise<void> {
    const after = this.machinesNext;
    if (!after) return;
    await this.busyWith(async () => {
      const view = await ipc.machines(after);
      this.license = view.license;
      const known = new Set(this.machines.map((m) => m.id));
      this.machines = [...this.machines, ...view.machines.filter((m) => !known.has(m.id))];
      this.machinesNext = view.next;
    });
  }

  async removeMachine(machineId: string): Promise<string | null> {
    const name = this.machines.find((m) => m.id === machineId)?.name ?? null;
    const ok = await this.busyWith(async () => {
      const view = await ipc.removeMachine(machineId);
      this.license = view.license;
      this.machines = view.machines;
      this.machinesNext = view.next;
    });
    return ok ? name : null;
  }

  /** "Rename this computer": whether the server took the name (the list and the dashboard show it). */
  async renameThisComputer(name: string): Promise<boolean> {
    return this.busyWith(async () => {
      const view = await ipc.renameThisComputer(name);
      this.license = view.license;
      this.machines = view.machines;
      this.machinesNext = view.next;
      if (this.status) this.status = { ...this.status, deviceName: view.license.deviceName };
    });
  }

  async makeOfflineRequest(): Promise<void> {
    await this.busyWith(async () => {
      this.offlineRequest = await ipc.offlineRequest();
    });
  }

  /** Step 1: saves the request code to a file the user picks (a save dialog); answers its path. */
  async saveOfflineRequest(): Promise<string | null> {
    const request = this.offlineRequest;
    if (!request) return null;
    let path: string | null = null;
    await this.busyWith(async () => {
      path = await ipc.saveOfflineRequest(request.code, t().offline.save);
    });
    return path;
  }

  /** Step 3: reads the portal's response from a file the user picks (an open dialog). */
  async openOfflineResponse(): Promise<void> {
    await this.busyWith(async () => {
      const text = await ipc.openOfflineResponse(t().offline.open);
      if (text !== null) this.offlineResponse = text.trim();
    });
  }

  /** Imports the portal's response with the typed key; the response stays if it fails. */
  async importOfflineResponse(): Promise<void> {
    if (!looksLikeKey(this.key)) {
      this.show({ code: "INVALID_KEY_FORMAT", message: "", hint: "" });
      return;
    }
    await this.busyWith(async () => {
      const result = await ipc.importOfflineResponse(normalizeKey(this.key), this.offlineResponse);
      this.license = result.license;
      this.offlineResponse = "";
      await this.refreshStatus();
      this.go("activated");
    });
  }

  async deactivateOffline(): Promise<void> {
    await this.busyWith(async () => {
      this.deactivationCode = await ipc.deactivateOffline();
      this.key = "";
      this.status = null;
      this.license = null;
      this.go("offlineDeactivated");
    });
  }

  async deactivate(): Promise<void> {
    await this.busyWith(async () => {
      await ipc.deactivate();
      this.key = "";
      this.status = null;
      this.license = null;
      this.go("welcome");
      this.notice = "deactivated";
    });
  }

  private async busyWith(work: () => Promise<void>): Promise<boolean> {
    this.error = null;
    this.notice = "";
    this.busy = true;
    try {
      await work();
      return true;
    } catch (error) {
      this.fail(error, null);
      return false;
    } finally {
      this.busy = false;
    }
  }

  private fail(error: unknown, screen: Screen | null): void {
    const e = toError(error);
    // The seat is gone (freed here, elsewhere, or given to another computer after days unused).
    if (e.code === "ACTIVATION_NOT_FOUND" || e.code === "AUTO_RELEASED" || e.code === "NOT_ACTIVATED") {
      this.status = null;
    }
    if (screen) this.screen = screen;
    this.show(e);
  }

  /** Shows an error on the current screen and keeps it for the support report. */
  show(error: CommandError): void {
    this.error = error;
    this.seenErrors = [...this.seenErrors, { code: error.code, message: error.message, at: Math.floor(Date.now() / 1000) }].slice(-10);
  }
}
