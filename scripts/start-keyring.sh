#!/bin/sh
# Starts an unlocked GNOME Keyring in the current D-Bus session (no desktop: tests, dev runs) and
# waits, 5 s at most, until it is usable: it owns the Secret Service name (the daemon claims it a
# moment after its start command returns, and a secret stored before then starts a second
# daemon), its default collection exists and that collection is unlocked.
printf %s "${1:-keyturn}" | gnome-keyring-daemon --unlock --components=secrets >/dev/null || exit 1

call() { # DEST PATH METHOD ARGS...: one D-Bus method call, its reply on stdout
  dest=$1 path=$2 method=$3
  shift 3
  dbus-send --session --print-reply --dest="$dest" "$path" "$method" "$@" 2>/dev/null
}
ready() {
  call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner \
    string:org.freedesktop.secrets | grep -q 'boolean true' || return 1
  collection=$(call org.freedesktop.secrets /org/freedesktop/secrets \
    org.freedesktop.Secret.Service.ReadAlias string:default | sed -n 's/.*object path "\(.*\)"/\1/p')
  [ -n "$collection" ] && [ "$collection" != / ] || return 1
  call org.freedesktop.secrets "$collection" org.freedesktop.DBus.Properties.Get \
    string:org.freedesktop.Secret.Collection string:Locked | grep -q 'boolean false'
}
tries=0
until ready; do
  tries=$((tries + 1))
  [ "$tries" -le 100 ] || { echo "the keyring never became usable (Secret Service name, unlocked default collection)" >&2; exit 1; }
  sleep 0.05
done
