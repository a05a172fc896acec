// The customer portal's words in English, German, French and Spanish (the same keys in each; a
// missing one falls back to English). The language: the one picked in the header (kept in this
// browser), else the browser's (what it sends as Accept-Language), else English. Static text
// carries data-i18n="key" (data-i18n-placeholder for placeholders) and is filled by apply().

const contact = { en: 'Contact the vendor.', de: 'Wenden Sie sich an den Anbieter.', fr: 'Contactez le vendeur.', es: 'Contacte con el vendedor.' };

const en = {
  docTitle: 'Your license – devices and offline activation',
  header: 'Your license',
  language: 'Language',
  signOut: 'Sign out',
  signInHeading: 'Sign in with your license key',
  keyLabel: 'License key',
  signIn: 'Sign in',
  devicesHeading: 'Your devices',
  noDevices: 'No computer uses this license right now.',
  colName: 'Name',
  colTag: 'Device tag',
  colPlatform: 'Platform',
  colActivated: 'Activated',
  colLastSeen: 'Last seen',
  colAction: 'Action',
  offlineHeading: 'Activate a computer without internet',
  step1: 'On that computer, choose “Activate without internet” and save the request file (or copy its code).',
  step2: 'Upload the file here, or paste the code.',
  step3: 'Take the response back to that computer and import it.',
  requestFile: 'Request file',
  requestCode: 'or the request code',
  createResponse: 'Create the response',
  responseCode: 'Response code',
  download: 'Download the response file',
  deactivateHeading: 'Free a seat with a deactivation code',
  deactivationLabel: 'Deactivation code (shown by the app after “Deactivate without internet”)',
  freeSeat: 'Free the seat',
  remove: 'Remove',
  removeConfirm: 'Click again to remove',
  removed: (name) => `Removed ${name}. Its seat is free.`,
  theDevice: 'the device',
  ACTIVE: 'active',
  EXPIRED: 'expired',
  SUSPENDED: 'suspended',
  REVOKED: 'revoked',
  licenseLine: (product, status, used, max) => `${product} · ${status} · ${used} of ${max} seats used`,
  expires: (date) => `, expires ${date}`,
  signedOut: 'Signed out.',
  chooseFirst: 'Choose the request file or paste its code first.',
  lease: (until, renew) =>
    `That computer works without internet until ${until}. Before ${renew}, connect it to the internet once or create a new response here.`,
  done: 'Done. Take the response to that computer and import it there.',
  seatFree: 'The seat is free.',
  details: 'Details',
  errors: {
    INVALID_KEY_FORMAT: ['That does not look like a license key.', 'Check that you copied the whole key, then try again.'],
    NOT_FOUND: ['No license has this key.', 'Check the key, or contact the vendor.'],
    RATE_LIMITED: ['Too many attempts.', 'Wait a moment, then try again.'],
    UNAUTHORIZED: ['You are signed out.', 'Sign in with your license key again.'],
    ACTIVATION_NOT_FOUND: ['That device was already removed.', 'Nothing more to do.'],
    MACHINE_LIMIT_EXCEEDED: ['Every seat is taken.', 'Remove a device above first, then try again.'],
    FINGERPRINT_BLOCKED: ['That computer is blocked by the vendor.', contact.en],
    VM_NOT_ALLOWED: ['This license cannot be used in a virtual machine.', 'Use a physical computer, or contact the vendor.'],
    SUSPENDED: ['This license is suspended.', contact.en],
    REVOKED: ['This license was revoked.', contact.en],
    EXPIRED: ['This license has expired.', 'Renew it with the vendor.'],
    FINGERPRINT_IN_USE: ['That computer already uses another license.', 'Free it there first, or contact the vendor.'],
    BAD_REQUEST: ['That code could not be used.', 'Copy the whole code again (or choose its file), then try again.'],
    OFFLINE: ['The server cannot be reached.', 'Check your connection and try again.'],
    INTERNAL: ['Something went wrong on our side.', 'Try again in a moment.'],
  },
};

const de = {
  docTitle: 'Ihre Lizenz – Geräte und Aktivierung ohne Internet',
  header: 'Ihre Lizenz',
  language: 'Sprache',
  signOut: 'Abmelden',
  signInHeading: 'Mit Ihrem Lizenzschlüssel anmelden',
  keyLabel: 'Lizenzschlüssel',
  signIn: 'Anmelden',
  devicesHeading: 'Ihre Geräte',
  noDevices: 'Zurzeit nutzt kein Computer diese Lizenz.',
  colName: 'Name',
  colTag: 'Gerätekennung',
  colPlatform: 'Plattform',
  colActivated: 'Aktiviert',
  colLastSeen: 'Zuletzt gesehen',
  colAction: 'Aktion',
  offlineHeading: 'Einen Computer ohne Internet aktivieren',
  step1: 'Wählen Sie auf diesem Computer „Ohne Internet aktivieren“ und speichern Sie die Anfragedatei (oder kopieren Sie ihren Code).',
  step2: 'Laden Sie die Datei hier hoch oder fügen Sie den Code ein.',
  step3: 'Bringen Sie die Antwort zu diesem Computer und importieren Sie sie dort.',
  requestFile: 'Anfragedatei',
  requestCode: 'oder der Anfragecode',
  createResponse: 'Antwort erstellen',
  responseCode: 'Antwortcode',
  download: 'Antwortdatei herunterladen',
  deactivateHeading: 'Einen Platz mit einem Deaktivierungscode freigeben',
  deactivationLabel: 'Deaktivierungscode (zeigt die App nach „Ohne Internet deaktivieren“)',
  freeSeat: 'Platz freigeben',
  remove: 'Entfernen',
  removeConfirm: 'Zum Entfernen erneut klicken',
  removed: (name) => `${name} wurde entfernt. Sein Platz ist frei.`,
  theDevice: 'Das Gerät',
  ACTIVE: 'aktiv',
  EXPIRED: 'abgelaufen',
  SUSPENDED: 'gesperrt',
  REVOKED: 'widerrufen',
  licenseLine: (product, status, used, max) => `${product} · ${status} · ${used} von ${max} Plätzen belegt`,
  expires: (date) => `, läuft ab am ${date}`,
  signedOut: 'Abgemeldet.',
  chooseFirst: 'Wählen Sie zuerst die Anfragedatei oder fügen Sie ihren Code ein.',
  lease: (until, renew) =>
    `Dieser Computer funktioniert ohne Internet bis ${until}. Verbinden Sie ihn vor dem ${renew} einmal mit dem Internet oder erstellen Sie hier eine neue Antwort.`,
  done: 'Fertig. Bringen Sie die Antwort zu diesem Computer und importieren Sie sie dort.',
  seatFree: 'Der Platz ist frei.',
  details: 'Details',
  errors: {
    INVALID_KEY_FORMAT: ['Das sieht nicht wie ein Lizenzschlüssel aus.', 'Prüfen Sie, ob Sie den ganzen Schlüssel kopiert haben, und versuchen Sie es erneut.'],
    NOT_FOUND: ['Zu diesem Schlüssel gibt es keine Lizenz.', 'Prüfen Sie den Schlüssel oder wenden Sie sich an den Anbieter.'],
    RATE_LIMITED: ['Zu viele Versuche.', 'Warten Sie einen Moment und versuchen Sie es erneut.'],
    UNAUTHORIZED: ['Sie sind abgemeldet.', 'Melden Sie sich erneut mit Ihrem Lizenzschlüssel an.'],
    ACTIVATION_NOT_FOUND: ['Dieses Gerät wurde bereits entfernt.', 'Es ist nichts weiter zu tun.'],
    MACHINE_LIMIT_EXCEEDED: ['Alle Plätze sind belegt.', 'Entfernen Sie zuerst oben ein Gerät und versuchen Sie es dann erneut.'],
    FINGERPRINT_BLOCKED: ['Dieser Computer wurde vom Anbieter gesperrt.', contact.de],
    VM_NOT_ALLOWED: ['Diese Lizenz kann nicht in einer virtuellen Maschine genutzt werden.', 'Nutzen Sie einen echten Computer oder wenden Sie sich an den Anbieter.'],
    SUSPENDED: ['Diese Lizenz ist gesperrt.', contact.de],
    REVOKED: ['Diese Lizenz wurde widerrufen.', contact.de],
    EXPIRED: ['Diese Lizenz ist abgelaufen.', 'Verlängern Sie sie beim Anbieter.'],
    FINGERPRINT_IN_USE: ['Dieser Computer nutzt bereits eine andere Lizenz.', 'Geben Sie ihn dort zuerst frei oder wenden Sie sich an den Anbieter.'],
    BAD_REQUEST: ['Dieser Code konnte nicht verwendet werden.', 'Kopieren Sie den ganzen Code erneut (oder wählen Sie seine Datei) und versuchen Sie es noch einmal.'],
    OFFLINE: ['Der Server ist nicht erreichbar.', 'Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.'],
    INTERNAL: ['Bei uns ist etwas schiefgegangen.', 'Versuchen Sie es gleich noch einmal.'],
  },
};

const fr = {
  docTitle: 'Votre licence – appareils et activation hors ligne',
  header: 'Votre licence',
  language: 'Langue',
  signOut: 'Se déconnecter',
  signInHeading: 'Se connecter avec votre clé de licence',
  keyLabel: 'Clé de licence',
  signIn: 'Se connecter',
  devicesHeading: 'Vos appareils',
  noDevices: 'Aucun ordinateur n’utilise cette licence pour le moment.',
  colName: 'Nom',
  colTag: 'Code appareil',
  colPlatform: 'Plateforme',
  colActivated: 'Activé',
  colLastSeen: 'Vu pour la dernière fois',
  colAction: 'Action',
  offlineHeading: 'Activer un ordinateur sans internet',
  step1: 'Sur cet ordinateur, choisissez « Activer sans internet » et enregistrez le fichier de demande (ou copiez son code).',
  step2: 'Envoyez le fichier ici, ou collez le code.',
  step3: 'Rapportez la réponse sur cet ordinateur et importez-la.',
  requestFile: 'Fichier de demande',
  requestCode: 'ou le code de demande',
  createResponse: 'Créer la réponse',
  responseCode: 'Code de réponse',
  download: 'Télécharger le fichier de réponse',
  deactivateHeading: 'Libérer une place avec un code de désactivation',
  deactivationLabel: 'Code de désactivation (affiché par l’application après « Désactiver sans internet »)',
  freeSeat: 'Libérer la place',
  remove: 'Retirer',
  removeConfirm: 'Cliquez à nouveau pour retirer',
  removed: (name) => `${name} a été retiré. Sa place est libre.`,
  theDevice: 'L’appareil',
  ACTIVE: 'active',
  EXPIRED: 'expirée',
  SUSPENDED: 'suspendue',
  REVOKED: 'révoquée',
  licenseLine: (product, status, used, max) => `${product} · ${status} · ${used} place(s) utilisée(s) sur ${max}`,
  expires: (date) => `, expire le ${date}`,
  signedOut: 'Déconnecté.',
  chooseFirst: 'Choisissez d’abord le fichier de demande ou collez son code.',
  lease: (until, renew) =>
    `Cet ordinateur fonctionne sans internet jusqu’au ${until}. Avant le ${renew}, connectez-le une fois à internet ou créez ici une nouvelle réponse.`,
  done: 'C’est fait. Rapportez la réponse sur cet ordinateur et importez-la.',
  seatFree: 'La place est libre.',
  details: 'Détails',
  errors: {
    INVALID_KEY_FORMAT: ['Cela ne ressemble pas à une clé de licence.', 'Vérifiez que vous avez copié la clé entière, puis réessayez.'],
    NOT_FOUND: ['Aucune licence n’a cette clé.', 'Vérifiez la clé, ou contactez le vendeur.'],
    RATE_LIMITED: ['Trop de tentatives.', 'Patientez un instant, puis réessayez.'],
    UNAUTHORIZED: ['Vous êtes déconnecté.', 'Reconnectez-vous avec votre clé de licence.'],
    ACTIVATION_NOT_FOUND: ['Cet appareil a déjà été retiré.', 'Il n’y a rien d’autre à faire.'],
    MACHINE_LIMIT_EXCEEDED: ['Toutes les places sont prises.', 'Retirez d’abord un appareil ci-dessus, puis réessayez.'],
    FINGERPRINT_BLOCKED: ['Cet ordinateur est bloqué par le vendeur.', contact.fr],
    VM_NOT_ALLOWED: ['Cette licence ne peut pas être utilisée dans une machine virtuelle.', 'Utilisez un ordinateur physique, ou contactez le vendeur.'],
    SUSPENDED: ['Cette licence est suspendue.', contact.fr],
    REVOKED: ['Cette licence a été révoquée.', contact.fr],
    EXPIRED: ['Cette licence a expiré.', 'Renouvelez-la auprès du vendeur.'],
    FINGERPRINT_IN_USE: ['Cet ordinateur utilise déjà une autre licence.', 'Libérez-le d’abord là-bas, ou contactez le vendeur.'],
    BAD_REQUEST: ['Ce code n’a pas pu être utilisé.', 'Copiez à nouveau le code entier (ou choisissez son fichier), puis réessayez.'],
    OFFLINE: ['Le serveur est injoignable.', 'Vérifiez votre connexion et réessayez.'],
    INTERNAL: ['Un problème est survenu de notre côté.', 'Réessayez dans un instant.'],
  },
};

const es = {
  docTitle: 'Su licencia – dispositivos y activación sin internet',
  header: 'Su licencia',
  language: 'Idioma',
  signOut: 'Cerrar sesión',
  signInHeading: 'Inicie sesión con su clave de licencia',
  keyLabel: 'Clave de licencia',
  signIn: 'Iniciar sesión',
  devicesHeading: 'Sus dispositivos',
  noDevices: 'Ningún ordenador usa esta licencia ahora mismo.',
  colName: 'Nombre',
  colTag: 'Código del dispositivo',
  colPlatform: 'Plataforma',
  colActivated: 'Activado',
  colLastSeen: 'Visto por última vez',
  colAction: 'Acción',
  offlineHeading: 'Activar un ordenador sin internet',
  step1: 'En ese ordenador, elija «Activar sin internet» y guarde el archivo de solicitud (o copie su código).',
  step2: 'Suba el archivo aquí, o pegue el código.',
  step3: 'Lleve la respuesta a ese ordenador e impórtela.',
  requestFile: 'Archivo de solicitud',
  requestCode: 'o el código de solicitud',
  createResponse: 'Crear la respuesta',
  responseCode: 'Código de respuesta',
  download: 'Descargar el archivo de respuesta',
  deactivateHeading: 'Liberar una plaza con un código de desactivación',
  deactivationLabel: 'Código de desactivación (lo muestra la aplicación tras «Desactivar sin internet»)',
  freeSeat: 'Liberar la plaza',
  remove: 'Quitar',
  removeConfirm: 'Haga clic de nuevo para quitar',
  removed: (name) => `Se quitó ${name}. Su plaza está libre.`,
  theDevice: 'El dispositivo',
  ACTIVE: 'activa',
  EXPIRED: 'caducada',
  SUSPENDED: 'suspendida',
  REVOKED: 'revocada',
  licenseLine: (product, status, used, max) => `${product} · ${status} · ${used} de ${max} plazas en uso`,
  expires: (date) => `, caduca el ${date}`,
  signedOut: 'Sesión cerrada.',
  chooseFirst: 'Elija primero el archivo de solicitud o pegue su código.',
  lease: (until, renew) =>
    `Ese ordenador funciona sin internet hasta el ${until}. Antes del ${renew}, conéctelo una vez a internet o cree aquí una nueva respuesta.`,
  done: 'Hecho. Lleve la respuesta a ese ordenador e impórtela allí.',
  seatFree: 'La plaza está libre.',
  details: 'Detalles',
  errors: {
    INVALID_KEY_FORMAT: ['Eso no parece una clave de licencia.', 'Compruebe que copió la clave completa y vuelva a intentarlo.'],
    NOT_FOUND: ['Ninguna licencia tiene esta clave.', 'Compruebe la clave o contacte con el vendedor.'],
    RATE_LIMITED: ['Demasiados intentos.', 'Espere un momento y vuelva a intentarlo.'],
    UNAUTHORIZED: ['Ha cerrado la sesión.', 'Vuelva a iniciar sesión con su clave de licencia.'],
    ACTIVATION_NOT_FOUND: ['Ese dispositivo ya se quitó.', 'No hay nada más que hacer.'],
    MACHINE_LIMIT_EXCEEDED: ['Todas las plazas están ocupadas.', 'Quite primero un dispositivo de arriba y vuelva a intentarlo.'],
    FINGERPRINT_BLOCKED: ['El vendedor ha bloqueado ese ordenador.', contact.es],
    VM_NOT_ALLOWED: ['Esta licencia no se puede usar en una máquina virtual.', 'Use un ordenador físico o contacte con el vendedor.'],
    SUSPENDED: ['Esta licencia está suspendida.', contact.es],
    REVOKED: ['Esta licencia fue revocada.', contact.es],
    EXPIRED: ['Esta licencia ha caducado.', 'Renuévela con el vendedor.'],
    FINGERPRINT_IN_USE: ['Ese ordenador ya usa otra licencia.', 'Libérelo allí primero o contacte con el vendedor.'],
    BAD_REQUEST: ['No se pudo usar ese código.', 'Vuelva a copiar el código completo (o elija su archivo) e inténtelo de nuevo.'],
    OFFLINE: ['No se puede contactar con el servidor.', 'Compruebe su conexión y vuelva a intentarlo.'],
    INTERNAL: ['Algo salió mal por nuestra parte.', 'Vuelva a intentarlo en un momento.'],
  },
};

export const LANGUAGES = { en: 'English', de: 'Deutsch', fr: 'Français', es: 'Español' };
const WORDS = { en, de, fr, es };
const KEPT = 'keyturn-portal-language';

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

export function t(key, ...args) {
  const words = WORDS[current][key] ?? en[key];
  return typeof words === 'function' ? words(...args) : words;
}

export function errorWords(code) {
  return WORDS[current].errors[code] || en.errors[code] || en.errors.INTERNAL;
}

/** Fills every data-i18n element of the page in the current language. */
export function apply() {
  document.documentElement.lang = current;
  document.title = t('docTitle');
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
}

export function setLanguage(lang) {
  if (!WORDS[lang]) return;
  current = lang;
  localStorage.setItem(KEPT, lang);
  apply();
}

/** A date people read in the current language, e.g. "27. November 2027". */
export function day(unix) {
  return new Intl.DateTimeFormat(current, { dateStyle: 'long' }).format(new Date(unix * 1000));
}

/** Date and time in the current language (UTC, as the server keeps them). */
export function when(unix) {
  if (!unix) return '—';
  return new Intl.DateTimeFormat(current, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(new Date(unix * 1000)) + ' UTC';
}

/** Every language has every key English has (the E2E test asks the page). */
export function missingKeys() {
  const missing = [];
  for (const [lang, words] of Object.entries(WORDS)) {
    for (const key of Object.keys(en)) if (!(key in words)) missing.push(`${lang}.${key}`);
    for (const code of Object.keys(en.errors)) if (!(code in words.errors)) missing.push(`${lang}.errors.${code}`);
  }
  return missing;
}
