// The console's words in English, German, French and Spanish: one small dictionary per
// language, the same keys in each (a missing key falls back to English). The language is the
// one picked in the header (kept in this browser), else the browser's own, else English.

const en = {
  language: 'Language',
  navLicenses: 'All licenses',
  navSearch: 'Find a customer',
  title: 'All licenses',
  filters: 'Filters',
  status: 'Status',
  any: 'Any',
  ACTIVE: 'Active',
  EXPIRED: 'Expired',
  SUSPENDED: 'Suspended',
  REVOKED: 'Revoked',
  product: 'Product',
  policy: 'Policy',
  expiringWithin: 'Expiring within (days)',
  seatsFull: 'Only licenses with every seat taken',
  createdAfter: 'Created on or after',
  createdBefore: 'Created before',
  text: 'Owner name or email contains',
  sort: 'Order',
  newest: 'Newest first',
  expiring: 'Expiring soonest',
  owner: 'Owner email',
  show: 'Show',
  csv: 'Download CSV',
  count: (n) => (n === 1 ? '1 license matches.' : `${n} licenses match.`),
  none: 'No license matches these filters.',
  more: 'Next page',
  key: 'Key',
  ownerCol: 'Owner',
  productPolicy: 'Product / policy',
  seats: 'Seats',
  expires: 'Expires',
  never: 'never',
  seatsOf: (used, max) => `${used} of ${max}`,
  bulk: (n) => `All ${n} licenses of this list`,
  bulkSuspend: 'Suspend all',
  bulkExtend: 'Extend all',
  byDays: 'Extend by (days)',
  reason: 'Reason (optional; kept in the timeline)',
  confirmSuspendAll: (n) => (n === 1 ? 'Suspend 1 license?' : `Suspend ${n} licenses?`),
  confirmExtendAll: (n, d) => `Extend ${n === 1 ? '1 license' : `${n} licenses`} by ${d} days?`,
  confirmAllBody: 'Each license gets its own entry in its timeline. Revoked and suspended licenses are not suspended again.',
  yes: 'Yes, do it',
  cancel: 'Cancel',
  bulkDone: (changed, skipped) => `Changed: ${changed}. Left as they were: ${skipped}.`,
  suspendQ: 'Suspend this license?',
  suspendBody: 'Its computers stop working at their next check until you reinstate it.',
  revokeQ: 'Revoke this license?',
  revokeBody: 'It stops working everywhere. Only reinstating it undoes this.',
  resetQ: 'Remove every machine of this license?',
  resetBody: 'Each computer has to be activated again.',
  suspend: 'Suspend',
  revoke: 'Revoke',
  reset: 'Remove every machine',
  editTitle: 'Owner and notes',
  ownerName: 'Owner name',
  ownerEmail: 'Owner email',
  metadata: 'Metadata (one key=value a line)',
  entitlements: 'Entitlements (one a line)',
  save: 'Save',
  saved: 'Saved.',
  note: 'Add a note (kept in the timeline with your name)',
  addNote: 'Add note',
  noteAdded: 'Note added.',
  details: 'Details for support',
  errors: {
    UNAUTHORIZED: ['You are not signed in, or the session has ended.', 'Sign in again.'],
    RATE_LIMITED: ['Too many attempts.', 'Wait a minute, then try again.'],
    NOT_FOUND: ['Nothing with that id, key or policy exists.', 'Check it and try again.'],
    BAD_REQUEST: ['Something in the form is not right.', 'Check the fields and try again.'],
    OFFLINE: ['The server cannot be reached.', 'Check the connection and try again.'],
    INTERNAL: ['The server had a problem.', 'Try again; if it happens again, check the server log.'],
  },
};

const de = {
  language: 'Sprache',
  navLicenses: 'Alle Lizenzen',
  navSearch: 'Kunden finden',
  title: 'Alle Lizenzen',
  filters: 'Filter',
  status: 'Status',
  any: 'Alle',
  ACTIVE: 'Aktiv',
  EXPIRED: 'Abgelaufen',
  SUSPENDED: 'Gesperrt',
  REVOKED: 'Widerrufen',
  product: 'Produkt',
  policy: 'Richtlinie',
  expiringWithin: 'Läuft ab innerhalb von (Tagen)',
  seatsFull: 'Nur Lizenzen, deren Plätze alle belegt sind',
  createdAfter: 'Erstellt am oder nach',
  createdBefore: 'Erstellt vor',
  text: 'Name oder E-Mail des Inhabers enthält',
  sort: 'Reihenfolge',
  newest: 'Neueste zuerst',
  expiring: 'Bald ablaufende zuerst',
  owner: 'E-Mail des Inhabers',
  show: 'Anzeigen',
  csv: 'CSV herunterladen',
  count: (n) => (n === 1 ? '1 Lizenz passt.' : `${n} Lizenzen passen.`),
  none: 'Keine Lizenz passt zu diesen Filtern.',
  more: 'Nächste Seite',
  key: 'Schlüssel',
  ownerCol: 'Inhaber',
  productPolicy: 'Produkt / Richtlinie',
  seats: 'Plätze',
  expires: 'Läuft ab',
  never: 'nie',
  seatsOf: (used, max) => `${used} von ${max}`,
  bulk: (n) => `Alle ${n} Lizenzen dieser Liste`,
  bulkSuspend: 'Alle sperren',
  bulkExtend: 'Alle verlängern',
  byDays: 'Verlängern um (Tage)',
  reason: 'Grund (freiwillig; steht im Verlauf)',
  confirmSuspendAll: (n) => (n === 1 ? '1 Lizenz sperren?' : `${n} Lizenzen sperren?`),
  confirmExtendAll: (n, d) => `${n === 1 ? '1 Lizenz' : `${n} Lizenzen`} um ${d} Tage verlängern?`,
  confirmAllBody: 'Jede Lizenz bekommt einen eigenen Eintrag im Verlauf. Widerrufene und gesperrte Lizenzen werden nicht erneut gesperrt.',
  yes: 'Ja, ausführen',
  cancel: 'Abbrechen',
  bulkDone: (changed, skipped) => `Geändert: ${changed}. Unverändert: ${skipped}.`,
  suspendQ: 'Diese Lizenz sperren?',
  suspendBody: 'Ihre Computer funktionieren ab der nächsten Prüfung nicht mehr, bis Sie sie wieder freigeben.',
  revokeQ: 'Diese Lizenz widerrufen?',
  revokeBody: 'Sie funktioniert nirgends mehr. Nur eine Wiederfreigabe macht das rückgängig.',
  resetQ: 'Alle Geräte dieser Lizenz entfernen?',
  resetBody: 'Jeder Computer muss erneut aktiviert werden.',
  suspend: 'Sperren',
  revoke: 'Widerrufen',
  reset: 'Alle Geräte entfernen',
  editTitle: 'Inhaber und Notizen',
  ownerName: 'Name des Inhabers',
  ownerEmail: 'E-Mail des Inhabers',
  metadata: 'Metadaten (ein Schlüssel=Wert pro Zeile)',
  entitlements: 'Berechtigungen (eine pro Zeile)',
  save: 'Speichern',
  saved: 'Gespeichert.',
  note: 'Notiz hinzufügen (steht mit Ihrem Namen im Verlauf)',
  addNote: 'Notiz hinzufügen',
  noteAdded: 'Notiz hinzugefügt.',
  details: 'Details für den Support',
  errors: {
    UNAUTHORIZED: ['Sie sind nicht angemeldet, oder die Sitzung ist abgelaufen.', 'Melden Sie sich erneut an.'],
    RATE_LIMITED: ['Zu viele Versuche.', 'Warten Sie eine Minute und versuchen Sie es dann erneut.'],
    NOT_FOUND: ['Mit dieser ID, diesem Schlüssel oder dieser Richtlinie gibt es nichts.', 'Prüfen Sie die Angabe und versuchen Sie es erneut.'],
    BAD_REQUEST: ['Im Formular stimmt etwas nicht.', 'Prüfen Sie die Felder und versuchen Sie es erneut.'],
    OFFLINE: ['Der Server ist nicht erreichbar.', 'Prüfen Sie die Verbindung und versuchen Sie es erneut.'],
    INTERNAL: ['Der Server hatte ein Problem.', 'Versuchen Sie es erneut; wenn es wieder passiert, sehen Sie ins Server-Protokoll.'],
  },
};

const fr = {
  language: 'Langue',
  navLicenses: 'Toutes les licences',
  navSearch: 'Trouver un client',
  title: 'Toutes les licences',
  filters: 'Filtres',
  status: 'Statut',
  any: 'Tous',
  ACTIVE: 'Active',
  EXPIRED: 'Expirée',
  SUSPENDED: 'Suspendue',
  REVOKED: 'Révoquée',
  product: 'Produit',
  policy: 'Politique',
  expiringWithin: 'Expire dans (jours)',
  seatsFull: 'Seulement les licences dont toutes les places sont prises',
  createdAfter: 'Créée le ou après',
  createdBefore: 'Créée avant',
  text: 'Le nom ou l’e-mail du titulaire contient',
  sort: 'Ordre',
  newest: 'Plus récentes d’abord',
  expiring: 'Expirant le plus tôt',
  owner: 'E-mail du titulaire',
  show: 'Afficher',
  csv: 'Télécharger le CSV',
  count: (n) => (n === 1 ? '1 licence correspond.' : `${n} licences correspondent.`),
  none: 'Aucune licence ne correspond à ces filtres.',
  more: 'Page suivante',
  key: 'Clé',
  ownerCol: 'Titulaire',
  productPolicy: 'Produit / politique',
  seats: 'Places',
  expires: 'Expire',
  never: 'jamais',
  seatsOf: (used, max) => `${used} sur ${max}`,
  bulk: (n) => `Les ${n} licences de cette liste`,
  bulkSuspend: 'Tout suspendre',
  bulkExtend: 'Tout prolonger',
  byDays: 'Prolonger de (jours)',
  reason: 'Motif (facultatif ; conservé dans l’historique)',
  confirmSuspendAll: (n) => (n === 1 ? 'Suspendre 1 licence ?' : `Suspendre ${n} licences ?`),
  confirmExtendAll: (n, d) => `Prolonger ${n === 1 ? '1 licence' : `${n} licences`} de ${d} jours ?`,
  confirmAllBody: 'Chaque licence reçoit sa propre entrée dans son historique. Les licences révoquées ou suspendues ne sont pas suspendues à nouveau.',
  yes: 'Oui, confirmer',
  cancel: 'Annuler',
  bulkDone: (changed, skipped) => `Modifiées : ${changed}. Inchangées : ${skipped}.`,
  suspendQ: 'Suspendre cette licence ?',
  suspendBody: 'Ses ordinateurs cessent de fonctionner à leur prochaine vérification, jusqu’à sa réactivation.',
  revokeQ: 'Révoquer cette licence ?',
  revokeBody: 'Elle cesse de fonctionner partout. Seule une réactivation annule cela.',
  resetQ: 'Retirer toutes les machines de cette licence ?',
  resetBody: 'Chaque ordinateur devra être activé à nouveau.',
  suspend: 'Suspendre',
  revoke: 'Révoquer',
  reset: 'Retirer toutes les machines',
  editTitle: 'Titulaire et notes',
  ownerName: 'Nom du titulaire',
  ownerEmail: 'E-mail du titulaire',
  metadata: 'Métadonnées (une clé=valeur par ligne)',
  entitlements: 'Droits (un par ligne)',
  save: 'Enregistrer',
  saved: 'Enregistré.',
  note: 'Ajouter une note (conservée dans l’historique avec votre nom)',
  addNote: 'Ajouter la note',
  noteAdded: 'Note ajoutée.',
  details: 'Détails pour le support',
  errors: {
    UNAUTHORIZED: ['Vous n’êtes pas connecté, ou la session a expiré.', 'Connectez-vous à nouveau.'],
    RATE_LIMITED: ['Trop de tentatives.', 'Attendez une minute, puis réessayez.'],
    NOT_FOUND: ['Rien n’existe avec cet identifiant, cette clé ou cette politique.', 'Vérifiez-le et réessayez.'],
    BAD_REQUEST: ['Quelque chose ne va pas dans le formulaire.', 'Vérifiez les champs et réessayez.'],
    OFFLINE: ['Le serveur est injoignable.', 'Vérifiez la connexion et réessayez.'],
    INTERNAL: ['Le serveur a rencontré un problème.', 'Réessayez ; si cela se reproduit, consultez le journal du serveur.'],
  },
};

const es = {
  language: 'Idioma',
  navLicenses: 'Todas las licencias',
  navSearch: 'Buscar un cliente',
  title: 'Todas las licencias',
  filters: 'Filtros',
  status: 'Estado',
  any: 'Todos',
  ACTIVE: 'Activa',
  EXPIRED: 'Caducada',
  SUSPENDED: 'Suspendida',
  REVOKED: 'Revocada',
  product: 'Producto',
  policy: 'Política',
  expiringWithin: 'Caduca en (días)',
  seatsFull: 'Solo licencias con todas las plazas ocupadas',
  createdAfter: 'Creada el o después del',
  createdBefore: 'Creada antes del',
  text: 'El nombre o correo del titular contiene',
  sort: 'Orden',
  newest: 'Más recientes primero',
  expiring: 'Las que caducan antes',
  owner: 'Correo del titular',
  show: 'Mostrar',
  csv: 'Descargar CSV',
  count: (n) => (n === 1 ? '1 licencia coincide.' : `${n} licencias coinciden.`),
  none: 'Ninguna licencia coincide con estos filtros.',
  more: 'Página siguiente',
  key: 'Clave',
  ownerCol: 'Titular',
  productPolicy: 'Producto / política',
  seats: 'Plazas',
  expires: 'Caduca',
  never: 'nunca',
  seatsOf: (used, max) => `${used} de ${max}`,
  bulk: (n) => `Las ${n} licencias de esta lista`,
  bulkSuspend: 'Suspender todas',
  bulkExtend: 'Prorrogar todas',
  byDays: 'Prorrogar (días)',
  reason: 'Motivo (opcional; queda en el historial)',
  confirmSuspendAll: (n) => (n === 1 ? '¿Suspender 1 licencia?' : `¿Suspender ${n} licencias?`),
  confirmExtendAll: (n, d) => `¿Prorrogar ${n === 1 ? '1 licencia' : `${n} licencias`} ${d} días?`,
  confirmAllBody: 'Cada licencia recibe su propia entrada en su historial. Las licencias revocadas o suspendidas no se vuelven a suspender.',
  yes: 'Sí, hacerlo',
  cancel: 'Cancelar',
  bulkDone: (changed, skipped) => `Cambiadas: ${changed}. Sin cambios: ${skipped}.`,
  suspendQ: '¿Suspender esta licencia?',
  suspendBody: 'Sus ordenadores dejan de funcionar en su próxima comprobación hasta que la reactive.',
  revokeQ: '¿Revocar esta licencia?',
  revokeBody: 'Deja de funcionar en todas partes. Solo reactivarla lo deshace.',
  resetQ: '¿Quitar todas las máquinas de esta licencia?',
  resetBody: 'Cada ordenador tendrá que activarse de nuevo.',
  suspend: 'Suspender',
  revoke: 'Revocar',
  reset: 'Quitar todas las máquinas',
  editTitle: 'Titular y notas',
  ownerName: 'Nombre del titular',
  ownerEmail: 'Correo del titular',
  metadata: 'Metadatos (una clave=valor por línea)',
  entitlements: 'Derechos (uno por línea)',
  save: 'Guardar',
  saved: 'Guardado.',
  note: 'Añadir una nota (queda en el historial con su nombre)',
  addNote: 'Añadir nota',
  noteAdded: 'Nota añadida.',
  details: 'Detalles para soporte',
  errors: {
    UNAUTHORIZED: ['No ha iniciado sesión, o la sesión ha terminado.', 'Inicie sesión de nuevo.'],
    RATE_LIMITED: ['Demasiados intentos.', 'Espere un minuto y vuelva a intentarlo.'],
    NOT_FOUND: ['No existe nada con ese identificador, clave o política.', 'Compruébelo y vuelva a intentarlo.'],
    BAD_REQUEST: ['Algo en el formulario no es correcto.', 'Revise los campos y vuelva a intentarlo.'],
    OFFLINE: ['No se puede contactar con el servidor.', 'Compruebe la conexión y vuelva a intentarlo.'],
    INTERNAL: ['El servidor tuvo un problema.', 'Vuelva a intentarlo; si se repite, revise el registro del servidor.'],
  },
};

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
