// The language the app speaks: chosen by Rust (vendor override, else the OS locale, else English;
// see src-tauri/src/language.rs) and set once app_info has answered. Components read words with
// `t()`, which follows the language.
import type { ErrorCode } from "../lib/bindings/ErrorCode";
import { de } from "./de";
import { en, type ErrorWords, type Words } from "./en";
import { es } from "./es";
import { fr } from "./fr";

export const languages = { en, de, fr, es } satisfies Record<string, Words>;
export type Language = keyof typeof languages;

/** Until Rust has answered: the webview's own language (from the OS locale), if the app has it. */
function firstGuess(): Language {
  const primary = (typeof navigator === "undefined" ? "" : navigator.language).split("-")[0].toLowerCase();
  return primary in languages ? (primary as Language) : "en";
}

class Locale {
  language = $state<Language>(firstGuess());
  words: Words = $derived(languages[this.language]);
}

export const locale = new Locale();

/** The words of the current language. */
export function t(): Words {
  return locale.words;
}

/** Switches the language; one the app has no words for means English. */
export function setLanguage(language: string): void {
  locale.language = language in languages ? (language as Language) : "en";
  if (typeof document !== "undefined") document.documentElement.lang = locale.language;
}

/** How an error code reads in the current language. */
export function errorWords(code: ErrorCode | string): ErrorWords {
  return (t().errors as Record<string, ErrorWords>)[code] ?? t().fallbackError;
}
