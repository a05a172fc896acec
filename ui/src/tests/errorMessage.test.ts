import { afterEach, describe, expect, it } from "vitest";
import { mount, unmount } from "svelte";
import ErrorMessage from "../components/ErrorMessage.svelte";
import { errorWords } from "../locales/i18n.svelte";
import type { ErrorCode } from "../lib/ipc";
import { appInfo } from "./ipcMock";

let mounted: Record<string, unknown> | null = null;
afterEach(() => {
  if (mounted) unmount(mounted);
  mounted = null;
  document.body.innerHTML = "";
});

function render(code: string, info = appInfo) {
  mounted = mount(ErrorMessage, {
    target: document.body,
    // Codes are typed; a cast lets the test send one from a newer server.
    props: { error: { code: code as ErrorCode, message: "technical", hint: "" }, info, id: "e" },
  });
  return document.getElementById("e")!;
}

describe("error words", () => {
  // Every code Rust can send (server codes from crates/protocol/src/code.rs, the app's own from
  // src-tauri/src/error.rs) has words of its own, not the fallback.
  const codes = [
    "NOT_FOUND", "SUSPENDED", "REVOKED", "EXPIRED", "OVERDUE", "FINGERPRINT_BLOCKED",
    "MACHINE_LIMIT_EXCEEDED", "FINGERPRINT_IN_USE", "VM_NOT_ALLOWED", "FINGERPRINT_MISMATCH",
    "ACTIVATION_NOT_FOUND", "INVALID_KEY_FORMAT", "RATE_LIMITED", "TIMEOUT", "INTERNAL",
    "OFFLINE", "KEYCHAIN_UNAVAILABLE", "STORAGE_CORRUPT", "STATE_UNAVAILABLE", "CONFIG",
    "FINGERPRINT_UNAVAILABLE",
    "NOT_ACTIVATED", "TOKEN_INVALID", "CLOCK_ROLLED_BACK", "TOKEN_FROM_FUTURE", "OFFLINE_EXPIRED",
    "SIGNING_KEY_RETIRED",
    "SAVE_FAILED", "TRIAL_USED", "INVALID_DEVICE_NAME",
  ];
  it.each(codes)("%s has its own plain words", (code) => {
    expect(errorWords(code)).not.toBe(errorWords("SOMETHING_UNKNOWN"));
    expect(errorWords(code).title).not.toMatch(/[A-Z]{2,}_[A-Z]/);
  });

  it("suspended: plain words, a link to the vendor's support, the code only small", () => {
    const element = render("SUSPENDED");
    expect(element.textContent).toContain("This license is suspended.");
    const link = element.querySelector("a[data-testid=support-link]")!;
    expect(link.getAttribute("href")).toBe("https://acme.example/support");
    expect(element.querySelector("strong")!.textContent).not.toContain("SUSPENDED");
    expect(element.dataset.code).toBe("SUSPENDED");
  });

  it("expired: a renew link", () => {
    const element = render("EXPIRED");
    expect(element.querySelector("a[data-testid=renew-link]")!.getAttribute("href")).toBe("https://acme.example/renew");
  });

  it("offline: try again, no vendor link", () => {
    const element = render("OFFLINE");
    expect(element.textContent).toContain("couldn't reach the license server");
    expect(element.querySelector("a")).toBeNull();
  });

  it("unknown codes fall back to words, never the raw code as the message", () => {
    const element = render("BRAND_NEW_CODE");
    expect(element.querySelector("strong")!.textContent).toBe("Something went wrong.");
  });
});

describe("trial used", () => {
  it("says so in plain words with a link to buy a license", () => {
    const element = render("TRIAL_USED");
    expect(element.querySelector("strong")!.textContent).toBe("This computer has already had its free trial.");
    const link = element.querySelector("a[data-testid=buy-link]")!;
    expect(link.textContent!.trim()).toBe("Buy a license");
    expect(link.getAttribute("href")).toBe("https://acme.example/renew");
  });

  it("falls back to the support page when the vendor has no renew page", () => {
    const element = render("TRIAL_USED", { ...appInfo, renewUrl: null });
    const link = element.querySelector("a[data-testid=support-link]")!;
    expect(link.getAttribute("href")).toBe("https://acme.example/support");
  });
});
