#!/bin/sh
# Starts an unlocked GNOME Keyring in the current D-Bus session (no desktop: tests, dev runs) and
# waits, 5 s at most, until it owns the Secret Service name: the daemon claims the name a moment
# after its start command returns, and a secret stored before then starts a second daemon.
printf %s "${1:-keyturn}" | gnome-keyring-daemon --unlock --components=secrets >/dev/null || exit 1
tries=0
until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
  org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; do
  tries=$((tries + 1))
  [ "$tries" -le 100 ] || { echo "the keyring never took the Secret Service name" >&2; exit 1; }
  sleep 0.05
done
