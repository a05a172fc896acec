// Keyturn licensing from Node.js and Electron (main process), through the libkeyturn C library.
//
//   const { Keyturn } = require('keyturn');
//   const kt = new Keyturn('vendor.json');
//   if (kt.isEntitled('pro')) { /* ... */ }
//   kt.close();
//
// The library is found through the KEYTURN_LIBRARY environment variable (a path), else as
// libkeyturn.so / keyturn.dll / libkeyturn.dylib on the system's library path. Same keychain
// entries and state file as the Keyturn app and the `keyturn` command line.
'use strict';

const koffi = require('koffi');

const OK = 0;
const SEAT_LIMIT = 8;
const BUFFER_TOO_SMALL = 20;

class KeyturnError extends Error {
  /** `result`: the C result code; `code`: stable (e.g. "SUSPENDED"); `message`: words. */
  constructor(result, code, message) {
    super(`${code} (${result}): ${message}`);
    this.result = result;
    this.code = code;
    this.detail = message;
  }
}

function libraryName() {
  if (process.platform === 'win32') return 'keyturn.dll';
  if (process.platform === 'darwin') return 'libkeyturn.dylib';
  return 'libkeyturn.so';
}

let api = null;

function load(path) {
  if (api && !path) return api;
  const lib = koffi.load(path || process.env.KEYTURN_LIBRARY || libraryName());
  const buffer = 'uint8_t *buffer, size_t size, uint8_t *needed';
  api = {
    open: lib.func('int keyturn_open(const char *config, _Out_ uint64_t *handle)'),
    close: lib.func('int keyturn_close(uint64_t handle)'),
    status: lib.func(`int keyturn_status(uint64_t handle, ${buffer})`),
    isEntitled: lib.func('int keyturn_is_entitled(uint64_t handle, const char *feature, _Out_ int *entitled)'),
    activate: lib.func(`int keyturn_activate(uint64_t handle, const char *key, const char *free_machine_id, ${buffer})`),
    deactivate: lib.func('int keyturn_deactivate(uint64_t handle)'),
    check: lib.func(`int keyturn_check(uint64_t handle, ${buffer})`),
    fingerprint: lib.func(`int keyturn_fingerprint(uint64_t handle, ${buffer})`),
    report: lib.func(`int keyturn_report(uint64_t handle, ${buffer})`),
    seatTake: lib.func(`int keyturn_seat_take(uint64_t handle, const char *key, ${buffer})`),
    seatRelease: lib.func('int keyturn_seat_release(uint64_t handle)'),
    lastError: lib.func(`int keyturn_last_error(uint64_t handle, _Out_ int *result, ${buffer})`),
    version: lib.func('const char *keyturn_version()'),
  };
  return api;
}

/** Calls a function that writes text into `holder.data` (grown when asked); [result, text]. The
 * buffers are kept between calls (Node.js runs one call at a time per thread). */
function read(holder, call, size = 4096) {
  if (!holder.data || holder.data.length < size) holder.data = Buffer.allocUnsafe(size);
  if (!holder.needed) holder.needed = Buffer.alloc(8);
  for (;;) {
    holder.needed.writeBigUInt64LE(0n);
    const result = call(holder.data, holder.data.length, holder.needed);
    const needed = Number(holder.needed.readBigUInt64LE());
    if (result !== BUFFER_TOO_SMALL) {
      // `needed` counts the final NUL; a failure writes nothing.
      return [result, needed > 0 && result < BUFFER_TOO_SMALL ? holder.data.toString('utf8', 0, needed - 1) : ''];
    }
    holder.data = Buffer.allocUnsafe(needed);
  }
}

class Keyturn {
  /** `config`: the path of the vendor's vendor.json, or its JSON text. */
  constructor(config, libraryPath) {
    this.api = load(libraryPath);
    const handle = [0];
    const result = this.api.open(String(config), handle);
    if (result !== OK) throw this.error(0, result);
    this.handle = handle[0];
  }

  error(handle, result) {
    const [, text] = read({}, (data, size, needed) => this.api.lastError(handle, [0], data, size, needed));
    const last = JSON.parse(text);
    return new KeyturnError(result, last.code, last.message);
  }

  /** A call that writes JSON; `answers`: the result codes that come with a document. */
  json(name, args, answers, size) {
    const [result, text] = read(this, (data, sz, needed) => this.api[name](this.handle, ...args, data, sz, needed), size);
    // A failure writes nothing: its words are in the last error.
    if (!answers(result) || text === '') throw this.error(this.handle, result);
    return JSON.parse(text);
  }

  /** The offline check now: the `keyturn status --json` document (not licensed is an answer). */
  status() {
    return this.json('status', [], (r) => r < BUFFER_TOO_SMALL);
  }

  /** True when licensed and the license grants `feature`. */
  isEntitled(feature) {
    const entitled = [0];
    this.api.isEntitled(this.handle, String(feature), entitled);
    return entitled[0] === 1;
  }

  /** Activates online: `code` "OK", or "MACHINE_LIMIT_EXCEEDED" with the `machines` to free one of
   * (pass its id as `freeMachineId`). Throws KeyturnError for anything else. */
  activate(key, freeMachineId = null) {
    return this.json('activate', [String(key), freeMachineId], (r) => r === OK || r === SEAT_LIMIT, 65536);
  }

  /** Frees this computer's seat and forgets the activation here. */
  deactivate() {
    const result = this.api.deactivate(this.handle);
    if (result !== OK) throw this.error(this.handle, result);
  }

  /** Syncs with the license server now: the `keyturn check --json` document. */
  check() {
    return this.json('check', [], (r) => r < BUFFER_TOO_SMALL, 65536);
  }

  fingerprint() {
    const [result, text] = read(this, (data, size, needed) => this.api.fingerprint(this.handle, data, size, needed));
    if (result !== OK) throw this.error(this.handle, result);
    return text;
  }

  /** Takes a floating seat for this computer and holds it (the library keeps it with heartbeats)
   * until `releaseSeat()` or `close()`; `key` null for the key stored here. `code` "OK" with
   * `seats` and the `lease`, or "SEATS_IN_USE" with `seats`, `next_free_at`
   * (Unix seconds) and `message`. Throws KeyturnError for anything else (e.g. "NOT_FLOATING"). */
  takeSeat(key = null) {
    return this.json('seatTake', [key === null ? null : String(key)], (r) => r === OK || r === SEAT_LIMIT);
  }

  /** Gives the seat back now (nothing happens when none is held). */
  releaseSeat() {
    const result = this.api.seatRelease(this.handle);
    if (result !== OK) throw this.error(this.handle, result);
  }

  /** The support report's licensing part (no key, token or raw hardware value). */
  report() {
    return this.json('report', [], (r) => r === OK);
  }

  close() {
    if (this.handle) this.api.close(this.handle);
    this.handle = 0;
  }
}

module.exports = { Keyturn, KeyturnError, version: () => load().version() };
