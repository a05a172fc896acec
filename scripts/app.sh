#!/usr/bin/env bash
# Installs what is missing, builds, starts a local keyturn-server on 127.0.0.1 with a SQLite file
# and demo keys (printed below), and opens the Keyturn app pointed at it. Ctrl-C or closing the
# window stops both. Data lives in .keyturn-dev/ (delete it to start over).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh

DATA=.keyturn-dev
SERVER=target/debug/keyturn-server
mkdir -p "$DATA"
"$SERVER" demo --db "$DATA/keyturn.db"

"$SERVER" serve --db "$DATA/keyturn.db" --listen 127.0.0.1:0 > "$DATA/server.out" 2> "$DATA/server.log" &
SERVER_PID=$!
trap 'kill "$SERVER_PID" 2>/dev/null || true' EXIT
URL=""
for _ in $(seq 1 200); do
  URL=$(sed -n 's/^KEYTURN_SERVER_LISTENING //p' "$DATA/server.out")
  [ -n "$URL" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$DATA/server.log"; echo "keyturn-server failed to start"; exit 1; }
  sleep 0.05
done
[ -n "$URL" ] || { echo "keyturn-server did not start"; exit 1; }

cat > "$DATA/vendor.json" <<JSON
{
  "product_name": "Keyturn Demo",
  "product_id": "demo",
  "server_url": "$URL",
  "public_key": "$("$SERVER" public-key --db "$DATA/keyturn.db")",
  "support_url": "https://example.com/support",
  "fingerprint_env": "KEYTURN_FINGERPRINT",
  "trial": true
}
JSON
echo "License server: $URL (log: $DATA/server.log)"

export KEYTURN_CONFIG="$PWD/$DATA/vendor.json"
APP=(target/debug/keyturn)
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "No display found: running the app on a virtual one (Xvfb)."
  APP=(xvfb-run -a -s "-screen 0 1024x768x24" "${APP[@]}")
fi
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  # No desktop session, so no keychain: start a private D-Bus session with a GNOME Keyring
  # whose files (and the app's state) stay in $DATA.
  echo "No D-Bus session found: starting a private one with a GNOME Keyring in $DATA/xdg."
  export XDG_DATA_HOME="$PWD/$DATA/xdg"
  # Its own runtime folder too: a keyring started here must not find (and try to unlock) a
  # daemon of another session through a shared $XDG_RUNTIME_DIR/keyring.
  export XDG_RUNTIME_DIR="$PWD/$DATA/runtime"
  unset GNOME_KEYRING_CONTROL
  mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
  chmod 700 "$XDG_RUNTIME_DIR"
  dbus-run-session -- sh -c 'sh scripts/start-keyring.sh keyturn-dev; exec "$@"' sh "${APP[@]}"
else
  "${APP[@]}"
fi
