#!/usr/bin/env bash
# Installs what Keyturn needs on a fresh Debian 12 machine with Rust and Node, skipping what is
# already there: system packages (apt), tauri-driver (cargo) and the UI's npm packages (the
# Tauri CLI that scripts/package.sh uses among them).
# (wrk: the server's external load benchmark; postgresql: the server tests start private
# clusters with its initdb/postgres, as the `postgres` user when run as root; chromium +
# chromium-driver: the console and portal browser tests; lintian, rpmlint: the installers'
# checks; dpkg-dev (dpkg-shlibdeps) and rpm (elfdeps): the installers' computed dependencies;
# xdotool: the app's E2E types into the system's file dialogs, which WebDriver cannot reach;
# mono-mcs + mono-runtime and python3-pip: the C library's C# and Python wrappers are tested
# with them; caddy: the self-hosting test puts the server behind it with TLS, as README shows;
# systemd (systemd-analyze): the server package's unit is verified; python3-aiosmtpd: the
# purchase-email tests receive mail with a real SMTP server.)
# Safe to run again and again; a second run takes a second or two.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  libwebkit2gtk-4.1-dev build-essential curl wget file libxdo-dev libssl-dev
  libayatana-appindicator3-dev librsvg2-dev libsoup-3.0-dev libgtk-3-dev pkg-config
  xvfb xauth webkit2gtk-driver imagemagick dbus gnome-keyring libsecret-tools keyutils
  wrk postgresql python3
  chromium chromium-driver xdotool
  lintian rpmlint dpkg-dev rpm
  mono-mcs mono-runtime python3-pip
  caddy systemd python3-aiosmtpd
)
TAURI_DRIVER_VERSION=2.1.0

say() { printf '[setup] %s\n' "$*"; }

sudo_if_needed() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing system packages: ${missing[*]}"
  sudo_if_needed apt-get update -q
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

for tool in cargo node npm; do
  command -v "$tool" >/dev/null || { say "$tool is missing: install Rust (rustup) and Node.js 20.19+ first"; exit 1; }
done

if ! tauri-driver --help >/dev/null 2>&1; then
  say "installing tauri-driver $TAURI_DRIVER_VERSION"
  cargo install tauri-driver --locked --version "$TAURI_DRIVER_VERSION"
fi

# npm ci only when node_modules is missing or older than the lock file.
if [ ! -f ui/node_modules/.package-lock.json ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  say "installing UI packages"
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
fi
# The C library's Node.js wrapper (koffi: its prebuilt binaries are inside its npm package).
if [ ! -f bindings/node/node_modules/.package-lock.json ] || [ bindings/node/package-lock.json -nt bindings/node/node_modules/.package-lock.json ]; then
  say "installing the Node.js wrapper's packages"
  (cd bindings/node && npm ci --no-audit --no-fund --loglevel=error)
fi
say "ready"
