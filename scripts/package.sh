#!/usr/bin/env bash
# Builds a vendor's installers (.deb and .rpm) of the Keyturn app:
#   bash scripts/package.sh --config vendor.json [--icon logo.png] [--binary NAME] [--out DIR]
# - vendor.json (see README) is compiled into the app; its "product_name" names the package and
#   its "identifier" (reverse DNS, required here) the app's own data folder.
# - Icons are generated from --icon (a square PNG, 512x512 or more), else from the config's
#   "logo" when it is a PNG data URL, else Keyturn's own icon (`tauri icon`).
# - --binary names the installed command (default: keyturn), e.g. /usr/bin/keyturn.
# The Tauri CLI comes from the UI's npm packages (@tauri-apps/cli, prebuilt); nothing is
# downloaded at build time (hence no AppImage). The release build lands in the usual target dir;
# the packages are copied to --out (default: dist/packages) and their paths printed last.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

CONFIG="" ICON="" BINARY=keyturn OUT=dist/packages
while [ $# -gt 0 ]; do
  case "$1" in
    --config) CONFIG=$2; shift 2 ;;
    --icon) ICON=$2; shift 2 ;;
    --binary) BINARY=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "package.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ -n "$CONFIG" ] || { echo "package.sh: --config vendor.json is required" >&2; exit 2; }
[ -f "$CONFIG" ] || { echo "package.sh: no such config file: $CONFIG" >&2; exit 2; }
[ -z "$ICON" ] || [ -f "$ICON" ] || { echo "package.sh: no such icon: $ICON" >&2; exit 2; }
CONFIG=$(realpath "$CONFIG")
[ -z "$ICON" ] || ICON=$(realpath "$ICON")
mkdir -p "$OUT"
OUT=$(realpath "$OUT")

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# The Tauri config for this vendor, merged over src-tauri/tauri.conf.json. Also checks the
# vendor config's required fields (the app checks the rest when it starts; see below) and
# writes its logo to a file when it is a PNG data URL.
node - "$CONFIG" "$WORK" "$BINARY" <<'NODE'
const fs = require("fs");
const [config, work, binary] = process.argv.slice(2);
const fail = (m) => { console.error(`package.sh: ${config}: ${m}`); process.exit(2); };
let vendor;
try { vendor = JSON.parse(fs.readFileSync(config, "utf8")); } catch (e) { fail(`not JSON: ${e.message}`); }
for (const field of ["product_name", "product_id", "server_url", "public_key", "identifier"]) {
  if (typeof vendor[field] !== "string" || !vendor[field].trim()) fail(`"${field}" is required`);
}
if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$/.test(vendor.identifier)) fail(`"identifier" must be reverse DNS, e.g. com.acme.app`);
if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(binary)) fail(`--binary must be a plain file name`);
const logo = /^data:image\/png;base64,(.+)$/.exec(vendor.logo || "");
if (logo) fs.writeFileSync(`${work}/logo.png`, Buffer.from(logo[1], "base64"));
const base = JSON.parse(fs.readFileSync("src-tauri/tauri.conf.json", "utf8"));
const windows = base.app.windows.map((w) => ({ ...w, title: vendor.product_name }));
const icons = ["32x32.png", "128x128.png", "128x128@2x.png", "icon.png"].map((f) => `${work}/icons/${f}`);
fs.writeFileSync(`${work}/tauri.vendor.json`, JSON.stringify({
  productName: vendor.product_name,
  mainBinaryName: binary,
  identifier: vendor.identifier,
  app: { windows },
  bundle: {
    active: true,
    targets: ["deb", "rpm"],
    icon: icons,
    shortDescription: `License manager for ${vendor.product_name}`,
    longDescription: `Activates and manages the ${vendor.product_name} license on this computer.`,
    category: "Utility",
  },
  // The .desktop entry registers the vendor's activation-link scheme (x-scheme-handler) and
  // passes the link to the app (Exec ... %u, src-tauri/linux/keyturn.desktop).
  plugins: { "deep-link": { desktop: { schemes: [vendor.link_scheme || "keyturn"] } } },
}, null, 2));
NODE

[ -n "$ICON" ] || { [ -f "$WORK/logo.png" ] && ICON=$WORK/logo.png; } || ICON=$ROOT/icons/icon.png
TAURI=$ROOT/ui/node_modules/.bin/tauri
[ -x "$TAURI" ] || { echo "package.sh: the Tauri CLI is missing: run bash scripts/setup.sh" >&2; exit 1; }
"$TAURI" icon "$ICON" -o "$WORK/icons" >/dev/null

# The app embeds ui/dist and, through src-tauri/build.rs, the vendor config named here.
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BUNDLES=$TARGET/release/bundle
rm -rf "$BUNDLES/deb" "$BUNDLES/rpm"
(cd ui && npm run --silent build -- --logLevel warn)
(cd src-tauri && KEYTURN_BUILD_CONFIG="$CONFIG" "$TAURI" build --ci --bundles deb rpm \
  --config "$WORK/tauri.vendor.json")

# The config compiled in must be one the app accepts (exit code 10 = CONFIG).
set +e
env -u KEYTURN_CONFIG -u DBUS_SESSION_BUS_ADDRESS HOME="$WORK" "$TARGET/release/$BINARY" status --json >/dev/null
status=$?
set -e
[ "$status" -ne 10 ] || { echo "package.sh: the app refuses the vendor config $CONFIG (run it with: $BINARY status)" >&2; exit 1; }

VERSION=$(node -p 'require("./src-tauri/tauri.conf.json").version')
shopt -s nullglob
packages=("$BUNDLES"/deb/*_"$VERSION"_*.deb "$BUNDLES"/rpm/*-"$VERSION"-*.rpm)
[ ${#packages[@]} -eq 2 ] || { echo "package.sh: expected one .deb and one .rpm in $BUNDLES, found: ${packages[*]}" >&2; exit 1; }
for package in "${packages[@]}"; do
  cp "$package" "$OUT/"
  echo "$OUT/$(basename "$package")"
done
