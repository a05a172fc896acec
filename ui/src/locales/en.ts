// English strings. Every word the app shows lives here; de.ts, fr.ts and es.ts have the same
// shape (`Words`), which the type check and src/tests/locales.test.ts hold them to.
import type { ErrorCode } from "../lib/bindings/ErrorCode";
import type { LicenseStatusView } from "../lib/bindings/LicenseStatusView";

/** How an error reads: what happened, what to do next, and which vendor link helps. */
export interface ErrorWords {
  title: string;
  next: string;
  /** support: the vendor's support page; renew / buy: the renew page (else support). */
  link?: "support" | "renew" | "buy";
}

const contactVendor = "Please contact the seller of the app; they can sort it out.";
const tryAgain = "Try again in a minute. If it keeps happening, contact support.";
const appTooOld: ErrorWords = {
  title: "The app and the license server don't understand each other.",
  next: "Update the app, then try again. If it keeps happening, contact support.",
  link: "support",
};

export const en = {
  steps: { welcome: "Welcome", key: "Enter key", activating: "Activating", activated: "Activated" },
  stepsLabel: "Activation steps",
  loading: "Loading…",
  welcome: {
    title: (product: string) => `Activate ${product}`,
    lead: "You need your license key. It is in the email you got when you bought the app.",
    start: "Start",
    trial: "Start a free trial",
    trialLead: "Not sure yet? Try it first, free of charge, on this computer.",
    logoAlt: (product: string) => `${product} logo`,
  },
  key: {
    title: "Enter your license key",
    label: "License key",
    placeholder: "XXXXX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX",
    help: "Paste the whole key. Spaces and dashes don't matter.",
    submit: "Activate",
    offline: "Activate without internet",
  },
  offline: {
    title: "Activate without internet",
    lead: "Use this when this computer cannot reach the internet. You need another device that can.",
    step1: "1. Create a request for this computer.",
    create: "Create request",
    saved: (path: string) => `Saved to ${path}. You can also copy the code below.`,
    requestLabel: "Request code",
    step2: (portal: string) => `2. On a device with internet, open ${portal}, sign in with your license key and upload the request file (or paste the code).`,
    step3: "3. Paste the response code you get there, with your license key, and import it.",
    responseLabel: "Response code",
    import: "Import response",
    copy: "Copy",
    copied: "Copied to the clipboard.",
  },
  offlineDeactivated: {
    title: "Deactivated on this computer",
    lead: "The app no longer works here. To free the seat, enter this code in the customer portal (Free a seat with a deactivation code) from any device with internet.",
    codeLabel: "Deactivation code",
    done: "Done",
  },
  activating: {
    title: "Activating…",
    steps: {
      validating: "Checking your key with the license server…",
      renewing: "This computer is already activated: refreshing it…",
      activating: "Activating this computer…",
      verifying: "Checking the server's answer…",
      freeing: "Removing the other computer…",
    },
  },
  activated: {
    title: "Activated",
    lead: (product: string) => `${product} is activated on this computer.`,
    product: "Product",
    status: "Status",
    seats: (used: number, max: number) => `Seats used ${used} of ${max}`,
    device: "This computer",
    expires: "Expires",
    never: "Never",
    continue: "Continue",
    trial: (days: number) => (days === 1 ? "Free trial: 1 day left" : `Free trial: ${days} days left`),
  },
  limit: {
    title: (used: number, max: number) => `This license is in use on ${used} of ${max} computers`,
    lead: "To use it here, remove one of them. It stops working there until it is activated again.",
    listLabel: "Computers using this license",
  },
  devices: {
    title: "Manage devices",
    lead: (used: number, max: number) => `This license is in use on ${used} of ${max} computers.`,
    thisDevice: "This computer",
    lastSeen: (when: string) => `Last seen ${when}`,
    remove: "Remove",
    removed: (name: string) => `${name} was removed.`,
    shown: (shown: number, total: number) => `Showing ${shown} of ${total} computers.`,
    showMore: "Show more",
  },
  confirm: {
    removeTitle: (name: string) => `Remove ${name}?`,
    removeBody: "It will stop working there until it is activated again.",
    remove: "Remove it",
    deactivateTitle: "Deactivate this computer?",
    deactivateBody: "The app stops working here and the seat is free for another computer.",
    deactivate: "Deactivate",
    deactivateOfflineBody: "The app stops working here at once. You get a code that frees the seat in the customer portal.",
    cancel: "Cancel",
  },
  dashboard: {
    title: "Your license",
    status: "Status",
    product: "Product",
    seats: "Seats",
    seatCount: (used: number, max: number) => `${used} of ${max}`,
    lastSync: "Last checked",
    nextSync: "Next check",
    validUntil: "Works offline until",
    daysLeft: (days: number) => (days === 1 ? "1 day left" : `${days} days left`),
    never: "Not yet",
    offline: (date: string) => `You're offline. The app keeps working until ${date}.`,
    checked: "Checked just now: all is well.",
    checkNow: "Check now",
    manageDevices: "Manage devices",
    deactivate: "Deactivate this computer",
    deactivateOffline: "Deactivate without internet",
    support: "Support",
    trial: "Free trial",
    trialLeft: (days: number) => (days === 1 ? "1 day left" : `${days} days left`),
    buy: "Enter a license key",
  },
  statuses: { Active: "Active", Suspended: "Suspended", Revoked: "Cancelled" } satisfies Record<LicenseStatusView, string>,
  support: {
    title: "Support",
    lead: "If you need help, send this report to support. It contains no license key and no personal data.",
    copy: "Copy",
    copied: "Copied to the clipboard.",
    copyFallback: "The report is selected: press Ctrl+C to copy it.",
    save: "Save",
    saved: (path: string) => `Saved to ${path}`,
    loading: "Collecting…",
  },
  back: "Back",
  code: (code: string) => `Code: ${code}`,
  contactSupport: "Contact support",
  renewLicense: "Renew your license",
  buyLicense: "Buy a license",
  /** Links to the key screen with a key filled in (keyturn://activate?key=...). */
  link: { filled: "The key from your link is filled in. Check it, then press Activate." },
  errors: {
    INVALID_KEY_FORMAT: { title: "That doesn't look like a license key.", next: "Check that you copied the whole key, with no letters missing." },
    NOT_FOUND: { title: "We couldn't find that license key.", next: "Check the key for typos, or copy it again from your purchase email." },
    SUSPENDED: { title: "This license is suspended.", next: contactVendor, link: "support" },
    REVOKED: { title: "This license has been cancelled.", next: contactVendor, link: "support" },
    FINGERPRINT_BLOCKED: { title: "This computer can't be activated with this license.", next: contactVendor, link: "support" },
    VM_NOT_ALLOWED: { title: "This license can't be used on a virtual machine.", next: "Install the app on a physical computer, or contact the seller.", link: "support" },
    EXPIRED: { title: "This license has expired.", next: "Renew it to keep using the app.", link: "renew" },
    OVERDUE: { title: "This computer hasn't checked in for too long.", next: "Renew your license or connect to the internet, then try again.", link: "renew" },
    MACHINE_LIMIT_EXCEEDED: { title: "Every seat of this license is taken.", next: "Remove another computer from the license, then try again." },
    FINGERPRINT_IN_USE: { title: "This computer is already activated with another license.", next: contactVendor, link: "support" },
    FINGERPRINT_MISMATCH: { title: "This activation belongs to a different computer.", next: "Activate this computer again with your key." },
    ACTIVATION_NOT_FOUND: { title: "This computer was removed from the license.", next: "Activate it again with your key." },
    NOT_ACTIVATED: { title: "This computer is not activated yet.", next: "Enter your license key to activate it." },
    OFFLINE: { title: "We couldn't reach the license server.", next: "Check your internet connection and try again." },
    TIMEOUT: { title: "The license server took too long to answer.", next: tryAgain },
    RATE_LIMITED: { title: "Too many tries in a short time.", next: "Wait a minute, then try again." },
    INTERNAL: { title: "The license server had a problem.", next: tryAgain },
    TOKEN_INVALID: { title: "The license server's answer could not be verified.", next: contactVendor, link: "support" },
    CLOCK_ROLLED_BACK: { title: "This computer's clock is set to the past.", next: "Set the correct date and time, then try again." },
    TOKEN_FROM_FUTURE: { title: "This computer's clock seems wrong.", next: "Set the correct date and time, then try again." },
    OFFLINE_EXPIRED: { title: "The app has been offline for too long.", next: "Connect to the internet and press Check now." },
    KEYCHAIN_UNAVAILABLE: {
      title: "Keyturn can't reach your system's keychain.",
      next: "The app keeps your key in the system keychain (on Linux a Secret Service such as GNOME Keyring). Unlock or start it, then try again.",
    },
    STORAGE_CORRUPT: { title: "The app's saved data is damaged.", next: "Enter your license key again to activate this computer; if that does not help, contact support.", link: "support" },
    STATE_UNAVAILABLE: { title: "The app can't save its settings on this computer.", next: "Free some disk space and make sure your home folder can be written to, then try again." },
    CONFIG: { title: "This copy of the app is not set up correctly.", next: contactVendor, link: "support" },
    FINGERPRINT_UNAVAILABLE: { title: "We couldn't identify this computer.", next: "Contact support with the report from the Support screen.", link: "support" },
    OFFLINE_CODE_INVALID: { title: "That response code can't be used.", next: "Copy the whole response code from the customer portal again, then import it." },
    SAVE_FAILED: { title: "The report could not be saved.", next: "Use Copy instead and paste it into an email." },
    TRIAL_USED: {
      title: "This computer has already had its free trial.",
      next: "To keep using the app, buy a license and enter its key.",
      link: "buy",
    },
    FINGERPRINT_NOT_FOUND: { title: "This computer is not activated with this license.", next: "Activate it again with your key." },
    INVALID_FINGERPRINT: { title: "We couldn't identify this computer.", next: "Contact support with the report from the Support screen.", link: "support" },
    BAD_REQUEST: appTooOld,
    PAYLOAD_TOO_LARGE: appTooOld,
    UNSUPPORTED_MEDIA_TYPE: appTooOld,
    ROUTE_NOT_FOUND: appTooOld,
    METHOD_NOT_ALLOWED: appTooOld,
    UNAUTHORIZED: appTooOld,
    UNKNOWN: appTooOld,
  } satisfies Record<ErrorCode, ErrorWords>,
  /** For a code this build has no words for (never expected: codes are typed). */
  fallbackError: { title: "Something went wrong.", next: tryAgain, link: "support" } as ErrorWords,
};

/** The shape every language has: the same strings and functions, words for every error code. */
export type Words = Omit<typeof en, "errors"> & { errors: Record<ErrorCode, ErrorWords> };
