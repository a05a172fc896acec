"""Keyturn licensing from Python, through the libkeyturn C library (ctypes; no other dependency).

    from keyturn import Keyturn
    with Keyturn("vendor.json") as kt:
        if kt.is_entitled("pro"):
            ...

The library is found through the KEYTURN_LIBRARY environment variable (a path), else as
`libkeyturn.so` / `keyturn.dll` / `libkeyturn.dylib` on the system's library path. It uses the same
keychain entries and state file as the Keyturn app and the `keyturn` command line.
"""

import ctypes
import ctypes.util
import json
import os
import sys
import threading

OK = 0
SEAT_LIMIT = 8
BUFFER_TOO_SMALL = 20

__all__ = ["Keyturn", "KeyturnError", "load_library", "version"]


class KeyturnError(Exception):
    """A call that did not succeed: `result` (the C result code), `code` (stable, e.g.
    "SUSPENDED") and `message` (words)."""

    def __init__(self, result, code, message):
        super().__init__(f"{code} ({result}): {message}")
        self.result = result
        self.code = code
        self.message = message


def _library_name():
    if sys.platform == "win32":
        return "keyturn.dll"
    if sys.platform == "darwin":
        return "libkeyturn.dylib"
    return "libkeyturn.so"


_lib = None


def load_library(path=None):
    """Loads libkeyturn (once) and declares its functions."""
    global _lib
    if _lib is not None and path is None:
        return _lib
    path = path or os.environ.get("KEYTURN_LIBRARY") or ctypes.util.find_library("keyturn") or _library_name()
    lib = ctypes.CDLL(path)
    handle = ctypes.c_uint64
    text = ctypes.c_char_p
    buffer = [ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t)]
    signatures = {
        "keyturn_open": [text, ctypes.POINTER(handle)],
        "keyturn_close": [handle],
        "keyturn_status": [handle] + buffer,
        "keyturn_is_entitled": [handle, text, ctypes.POINTER(ctypes.c_int)],
        "keyturn_activate": [handle, text, text] + buffer,
        "keyturn_deactivate": [handle],
        "keyturn_check": [handle] + buffer,
        "keyturn_fingerprint": [handle] + buffer,
        "keyturn_report": [handle] + buffer,
        "keyturn_seat_take": [handle, text] + buffer,
        "keyturn_seat_release": [handle],
        "keyturn_last_error": [handle, ctypes.POINTER(ctypes.c_int)] + buffer,
    }
    for name, argtypes in signatures.items():
        function = getattr(lib, name)
        function.argtypes = argtypes
        function.restype = ctypes.c_int
    lib.keyturn_version.argtypes = []
    lib.keyturn_version.restype = ctypes.c_char_p
    _lib = lib
    return lib


def version():
    return load_library().keyturn_version().decode()


def _text(value):
    return None if value is None else os.fspath(value).encode("utf-8")


class Keyturn:
    """One open handle. Safe to share between threads; close it (or use `with`) when done."""

    def __init__(self, config, library=None):
        """`config`: the path of the vendor's vendor.json, or its JSON text."""
        self._lib = load_library(library)
        self._local = threading.local()
        self._handle = ctypes.c_uint64(0)
        result = self._lib.keyturn_open(_text(config), ctypes.byref(self._handle))
        self._handle = self._handle.value
        if result != OK:
            raise self._error(0, result)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self._handle:
            self._lib.keyturn_close(self._handle)
            self._handle = 0

    def _error(self, handle, result):
        needed = ctypes.c_size_t(0)
        code = ctypes.c_int(0)
        data = ctypes.create_string_buffer(4096)
        while self._lib.keyturn_last_error(handle, ctypes.byref(code), data, len(data), ctypes.byref(needed)) == BUFFER_TOO_SMALL:
            data = ctypes.create_string_buffer(needed.value)
        last = json.loads(data.value.decode("utf-8"))
        return KeyturnError(result, last.get("code"), last.get("message"))

    def _read(self, function, *args, size=4096, answers=(OK,)):
        """Calls a function that writes into a buffer; answers (result code, text). Each thread
        reuses its own buffer (ctypes lets other threads run during the call)."""
        local = self._local
        if getattr(local, "size", 0) < size:
            local.data, local.size, local.needed = ctypes.create_string_buffer(size), size, ctypes.c_size_t(0)
        while True:
            result = function(self._handle, *args, local.data, local.size, ctypes.byref(local.needed))
            if result != BUFFER_TOO_SMALL:
                break
            local.data, local.size = ctypes.create_string_buffer(local.needed.value), local.needed.value
        text = local.data.value
        # A failure writes nothing: its words are in the last error.
        if result not in answers or not text:
            raise self._error(self._handle, result)
        return result, text.decode("utf-8")

    def status(self):
        """The offline check now: the `keyturn status --json` document (a dict). Not being
        licensed is an answer here (`licensed` false, `code` says why), not an exception."""
        _, text = self._read(self._lib.keyturn_status, answers=range(0, BUFFER_TOO_SMALL))
        return json.loads(text)

    def is_entitled(self, feature):
        """True when licensed and the license grants `feature`."""
        entitled = ctypes.c_int(0)
        self._lib.keyturn_is_entitled(self._handle, _text(feature), ctypes.byref(entitled))
        return bool(entitled.value)

    def activate(self, key, free_machine_id=None):
        """Activates online. Answers the `keyturn activate --json` document: `code` "OK", or
        "MACHINE_LIMIT_EXCEEDED" with the `machines` to free one of (pass its id as
        `free_machine_id`). Raises KeyturnError for anything else."""
        _, text = self._read(self._lib.keyturn_activate, _text(key), _text(free_machine_id),
                             size=65536, answers=(OK, SEAT_LIMIT))
        return json.loads(text)

    def deactivate(self):
        """Frees this computer's seat and forgets the activation here."""
        result = self._lib.keyturn_deactivate(self._handle)
        if result != OK:
            raise self._error(self._handle, result)

    def check(self):
        """Syncs with the license server now; the `keyturn check --json` document."""
        _, text = self._read(self._lib.keyturn_check, size=65536, answers=range(0, BUFFER_TOO_SMALL))
        return json.loads(text)

    def fingerprint(self):
        return self._read(self._lib.keyturn_fingerprint)[1]

    def take_seat(self, key=None):
        """Takes a floating seat for this computer and holds it (the library keeps it with
        heartbeats) until `release_seat()` or `close()`. `key`: None for the key stored here.
        Answers a dict: `code` "OK" with `seats` and the `lease` (`ends_at`, ...), or, when every
        seat is taken, "SEATS_IN_USE" with `seats`, `next_free_at` (Unix seconds) and `message`.
        Raises KeyturnError for anything else (e.g. "NOT_FLOATING")."""
        _, text = self._read(self._lib.keyturn_seat_take, _text(key), answers=(OK, SEAT_LIMIT))
        return json.loads(text)

    def release_seat(self):
        """Gives the seat back now (nothing happens when none is held)."""
        result = self._lib.keyturn_seat_release(self._handle)
        if result != OK:
            raise self._error(self._handle, result)

    def report(self):
        """The support report's licensing part (no key, token or raw hardware value)."""
        return json.loads(self._read(self._lib.keyturn_report)[1])
