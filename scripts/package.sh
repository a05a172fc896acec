#!/usr/bin/env bash
# Builds a vendor's installers (.deb and .rpm) of the Keyturn app:
#   bash scripts/package.sh --config vendor.json [--version V] [--binary NAME] [--icon logo.png] [--out DIR]
# - vendor.json (see README) is compiled into the app; its "package" object names the package,
#   its version, maintainer, homepage, license and copyright holder (defaults: README
#   "Installers for your product"; checked and expanded by scripts/package-files.js).
# - --version overrides "package.version"; --binary names the installed command (default: the
#   package name, e.g. /usr/bin/acme-licensing), so two vendors' packages install side by side.
# - Icons are generated from --icon (a square PNG, 512x512 or more), else from the config's
#   "logo" when it is a PNG data URL, else Keyturn's own icon (`tauri icon`).
# Steps: a release build (`tauri build --no-bundle`), the manual pages and shell completions
# from the built command's own clap definitions, the .deb (`tauri bundle`, Depends computed by
# dpkg-shlibdeps), then the .rpm from the same files (rpmbuild). Nothing tracked is edited.
# The packages are copied to --out (default: dist/packages) and their paths printed last.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

CONFIG="" ICON="" OUT=dist/packages
FLAGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --config) CONFIG=$2; shift 2 ;;
    --icon) ICON=$2; shift 2 ;;
    --binary|--version) FLAGS+=("$1" "$2"); shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
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

node scripts/package-files.js "$CONFIG" "$WORK" "${FLAGS[@]}"
# shellcheck source=/dev/null
. "$WORK/package.env"
echo "package.sh: package $NAME $VERSION, command /usr/bin/$COMMAND" >&2

[ -n "$ICON" ] || { [ -f "$WORK/logo.png" ] && ICON=$WORK/logo.png; } || ICON=$ROOT/icons/icon.png
TAURI=$ROOT/ui/node_modules/.bin/tauri
[ -x "$TAURI" ] || { echo "package.sh: the Tauri CLI is missing: run bash scripts/setup.sh" >&2; exit 1; }
"$TAURI" icon "$ICON" -o "$WORK/icons" >/dev/null

# The app embeds ui/dist and, through src-tauri/build.rs, the vendor config named here.
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BUNDLES=$TARGET/release/bundle
BINARY=$TARGET/release/$COMMAND
rm -rf "$BUNDLES/deb" "$BUNDLES/rpm"
(cd ui && npm run --silent build -- --logLevel warn)
(cd src-tauri && KEYTURN_BUILD_CONFIG="$CONFIG" "$TAURI" build --ci --no-bundle --config "$WORK/tauri.vendor.json")

# The config compiled in must be one the app accepts (exit code 10 = CONFIG).
set +e
env -u KEYTURN_CONFIG -u DBUS_SESSION_BUS_ADDRESS HOME="$WORK" "$BINARY" status --json >/dev/null
status=$?
set -e
[ "$status" -ne 10 ] || { echo "package.sh: the app refuses the vendor config $CONFIG (run it with: $COMMAND status)" >&2; exit 1; }

# Manual pages and completions from the command's own clap definitions.
"$BINARY" generate-docs --name "$COMMAND" --product "$(cat "$WORK/product")" \
  --product-version "$VERSION" --out "$WORK/docs"
gzip -9n "$WORK"/docs/man/man1/*.1

# The .deb's Depends, computed from the binary's shared libraries: Debian package names with
# minimum versions (dpkg-shlibdeps, which wants a debian/control to sit in). The .rpm's
# Requires are computed by rpmbuild below.
mkdir -p "$WORK/shlibs/debian"
printf 'Source: %s\n\nPackage: %s\nArchitecture: any\n' "$NAME" "$NAME" >"$WORK/shlibs/debian/control"
deb_depends=$(cd "$WORK/shlibs" && dpkg-shlibdeps -O -e "$BINARY" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$deb_depends" ] || { echo "package.sh: dpkg-shlibdeps found no dependencies of $BINARY" >&2; exit 1; }
node -e 'require("fs").writeFileSync(process.argv[1], JSON.stringify({ bundle: { linux: { deb:
  { depends: process.argv[2].split(",").map((d) => d.trim()) } } } }))' "$WORK/tauri.depends.json" "$deb_depends"

(cd src-tauri && "$TAURI" bundle --ci --bundles deb \
  --config "$WORK/tauri.vendor.json" --config "$WORK/tauri.depends.json")
shopt -s nullglob
debs=("$BUNDLES"/deb/"$NAME"_"$VERSION"_*.deb)
[ ${#debs[@]} -eq 1 ] || { echo "package.sh: expected one .deb in $BUNDLES/deb, found: ${debs[*]}" >&2; exit 1; }
DEB=${debs[0]}
actual=$(dpkg-deb -f "$DEB" Package)
[ "$actual" = "$NAME" ] || { echo "package.sh: the bundler named the package $actual, not $NAME" >&2; exit 1; }

# The .rpm: rpmbuild over the .deb's files (Debian's own changelog and lintian overrides left
# out; zsh looks in site-functions there), so both install the same program, pages and
# completions. rpmbuild, unlike the Tauri bundler's RPM writer, writes %changelog, flags
# documentation and computes Requires from the binary (elfdeps). (The binary keeps the mark
# `tauri bundle` patched in, "deb": only tauri-plugin-updater reads it, and Keyturn has none.)
TREE=$WORK/rpm-tree
dpkg-deb -x "$DEB" "$TREE"
rm -r "$TREE/usr/share/lintian" "$TREE/usr/share/doc/$NAME/changelog.gz"
mkdir -p "$TREE/usr/share/zsh/site-functions"
mv "$TREE/usr/share/zsh/vendor-completions/_$COMMAND" "$TREE/usr/share/zsh/site-functions/"
rmdir "$TREE/usr/share/zsh/vendor-completions"
{
  printf '%%files\n%%dir /usr/share/doc/%s\n' "$NAME"
  (cd "$TREE" && find . ! -type d | sed 's|^\.||' | sort) | while read -r file; do
    if [ "$file" = "/usr/share/doc/$NAME/copyright" ]; then echo "%license $file"; else echo "$file"; fi
  done
} >>"$WORK/rpm.spec"
case "$(dpkg-deb -f "$DEB" Architecture)" in
  amd64) RPM_ARCH=x86_64 ;; arm64) RPM_ARCH=aarch64 ;; *) RPM_ARCH=$(uname -m) ;;
esac
rpmbuild -bb --quiet --define "_topdir $WORK/rpmbuild" --define "tree $TREE" \
  --target "$RPM_ARCH" "$WORK/rpm.spec" >&2
rpms=("$WORK"/rpmbuild/RPMS/"$RPM_ARCH"/"$NAME"-"$VERSION"-1.*.rpm)
[ ${#rpms[@]} -eq 1 ] || { echo "package.sh: rpmbuild made no $NAME $VERSION .rpm" >&2; exit 1; }

for package in "$DEB" "${rpms[0]}"; do
  cp "$package" "$OUT/"
  echo "$OUT/$(basename "$package")"
done
