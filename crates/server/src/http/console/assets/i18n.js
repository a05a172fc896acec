// The console's words in English, German, French and Spanish: one dictionary per language
// (words_en.js, words_de.js, ...), the same keys in each (a missing key falls back to English).
// The language is the one picked in the header (kept in this browser), else the browser's own,
// else English. Static text carries `data-i18n="key"` (and `data-i18n-label` for aria-label) and
// is (re)written here at start and after each language change; console.js, a classic script,
// reaches these functions through `window.keyturnI18n`.
import en from './words_en.js';
import de from './words_de.js';
import fr from './words_fr.js';
import es from './words_es.js';

export const LANGUAGES = { en: 'English', de: 'Deutsch', fr: 'Français', es: 'Español' };
const WORDS = { en, de, fr, es };
const KEPT = 'keyturn-console-language';

function pick() {
  const kept = localStorage.getItem(KEPT);
  if (kept && WORDS[kept]) return kept;
  for (const tag of navigator.languages || [navigator.language || 'en']) {
    const base = String(tag).slice(0, 2).toLowerCase();
    if (WORDS[base]) return base;
  }
  return 'en';
}

let current = pick();

export function language() {
  return current;
}

export function setLanguage(lang) {
  if (!WORDS[lang]) return;
  current = lang;
  localStorage.setItem(KEPT, lang);
  document.documentElement.lang = lang;
}

/** The words for `key` in the current language (English when a language lacks them). */
export function t(key, ...args) {
  const words = WORDS[current][key] ?? en[key];
  return typeof words === 'function' ? words(...args) : words;
}

/** Plain words and a next step for an error code (the server's message goes under Details). */
export function errorWords(code) {
  return WORDS[current].errors[code] || en.errors[code] || en.errors.INTERNAL;
}

/** Dates in the current language's style, in UTC (what the server's times are). */
export function date(unix) {
  if (unix === null || unix === undefined) return t('never');
  return new Intl.DateTimeFormat(current, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(unix * 1000));
}

/** Every language has every key English has (a check the E2E test runs in the page). */
export function missingKeys() {
  const missing = [];
  for (const [lang, words] of Object.entries(WORDS)) {
    for (const key of Object.keys(en)) if (!(key in words)) missing.push(`${lang}.${key}`);
    for (const code of Object.keys(en.errors)) if (!(code in words.errors)) missing.push(`${lang}.errors.${code}`);
  }
  return missing;
}


/** Date and time in the current language's style, in UTC, said so (what the server's times are). */
export function dateTime(unix) {
  if (unix === null || unix === undefined) return t('never');
  const format = new Intl.DateTimeFormat(current, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
  return `${format.format(new Date(unix * 1000))} UTC`;
}

/** Writes the words of every `[data-i18n]` (text) and `[data-i18n-label]` (aria-label) under `root`. */
export function applyWords(root = document) {
  for (const node of root.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll('[data-i18n-label]')) node.setAttribute('aria-label', t(node.dataset.i18nLabel));
}

window.keyturnI18n = { t, errorWords, dateTime, date, language };
document.documentElement.lang = current;
// Every page module has built its part of the page by then (modules run before this event).
document.addEventListener('DOMContentLoaded', () => applyWords());
window.addEventListener('keyturn:language', () => applyWords());
