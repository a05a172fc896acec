#!/usr/bin/env bash
# Builds the license server's packages, keyturn-server_VERSION_ARCH.deb and
# keyturn-server-VERSION-1.ARCH.rpm, from one file tree:
#   bash scripts/package-server.sh [--out DIR] [--binary PATH]
# - /usr/bin/keyturn-server (a release build, unless --binary names one already built),
# - the systemd unit keyturn-server.service (own system user `keyturn`, StateDirectory
#   /var/lib/keyturn, ProtectSystem=strict and the other hardening: crates/server/packaging),
# - /etc/keyturn/server.toml, the default config, a conffile (upgrades keep the vendor's edits),
#   readable by root and the keyturn group only (it may hold secrets).
# Installing creates the `keyturn` system user and /var/lib/keyturn (mode 0700) and reloads
# systemd; it does not start the server (README "Self-host in five minutes": init first).
# Tools: dpkg-deb, dpkg-shlibdeps (Depends) and rpmbuild (Requires), as scripts/package.sh.
# The packages are written to --out (default: dist/packages) and their paths printed last.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=dist/packages
BINARY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT=$2; shift 2 ;;
    --binary) BINARY=$2; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "package-server.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ -z "$BINARY" ]; then
  cargo build --release --locked -p keyturn-server >&2
  BINARY=${CARGO_TARGET_DIR:-$ROOT/target}/release/keyturn-server
fi
[ -x "$BINARY" ] || { echo "package-server.sh: no binary at $BINARY" >&2; exit 1; }
mkdir -p "$OUT"
OUT=$(realpath "$OUT")
NAME=keyturn-server
VERSION=$("$BINARY" --version | awk '{print $2}')
ARCH=$(dpkg --print-architecture)
PACKAGING=crates/server/packaging

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# The tree both packages install.
TREE=$WORK/tree
install -D -m 0755 "$BINARY" "$TREE/usr/bin/keyturn-server"
install -D -m 0644 "$PACKAGING/keyturn-server.service" "$TREE/usr/lib/systemd/system/keyturn-server.service"
install -D -m 0640 "$PACKAGING/server.toml" "$TREE/etc/keyturn/server.toml"
install -D -m 0644 /dev/stdin "$TREE/usr/share/doc/$NAME/copyright" <<COPYRIGHT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: keyturn-server

Files: *
Copyright: 2026 Keyturn contributors
License: MIT
COPYRIGHT
# A Debian native package's changelog (lintian wants one).
printf '%s (%s) stable; urgency=medium\n\n  * Release %s.\n\n -- Keyturn <packages@keyturn.example>  %s\n' \
  "$NAME" "$VERSION" "$VERSION" "$(date -R -u -d @"${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")" \
  | gzip -9n >"$WORK/changelog.gz"
install -D -m 0644 "$WORK/changelog.gz" "$TREE/usr/share/doc/$NAME/changelog.gz"

# .deb: control, conffiles, maintainer scripts (user, folder, config group, systemd reload).
DEB_ROOT=$WORK/deb
cp -a "$TREE" "$DEB_ROOT"
# lintian's overrides (the .deb only), each with its reason.
install -D -m 0644 /dev/stdin "$DEB_ROOT/usr/share/lintian/overrides/$NAME" <<OVERRIDES
# The config may hold secrets (admin_token): root and the keyturn group only.
$NAME: non-standard-file-perm 0640 != 0644 [etc/keyturn/server.toml]
# Every option is documented by --help and README's settings table.
$NAME: no-manual-page [usr/bin/keyturn-server]
# daemon-reload and try-restart only when systemd runs (no debhelper in this build).
$NAME: maintainer-script-calls-systemctl [postinst:*]
OVERRIDES
mkdir -p "$DEB_ROOT/DEBIAN" "$WORK/shlibs/debian"
printf 'Source: %s\n\nPackage: %s\nArchitecture: any\n' "$NAME" "$NAME" >"$WORK/shlibs/debian/control"
depends=$(cd "$WORK/shlibs" && dpkg-shlibdeps -O -e "$TREE/usr/bin/keyturn-server" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "package-server.sh: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
cat >"$DEB_ROOT/DEBIAN/control" <<CONTROL
Package: $NAME
Version: $VERSION
Architecture: $ARCH
Maintainer: Keyturn <packages@keyturn.example>
Installed-Size: $(du -sk "$TREE" | cut -f1)
Depends: $depends, adduser
Section: net
Priority: optional
Description: Keyturn license server
 The self-hostable license server of Keyturn: activation, validation and
 renewal endpoints for apps, an admin API and CLI, a support console and a
 customer portal, over SQLite or PostgreSQL. Runs as the systemd service
 keyturn-server; configured in /etc/keyturn/server.toml.
CONTROL
echo /etc/keyturn/server.toml >"$DEB_ROOT/DEBIAN/conffiles"
cat >"$DEB_ROOT/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
  if ! getent passwd keyturn >/dev/null; then
    adduser --system --group --home /var/lib/keyturn --no-create-home --quiet keyturn
  fi
  install -d -o keyturn -g keyturn -m 0700 /var/lib/keyturn
  chown root:keyturn /etc/keyturn/server.toml
  if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null || true
    # An upgrade restarts a running server onto the new binary (its schema upgrades on start).
    systemctl try-restart keyturn-server.service >/dev/null || true
  fi
fi
POSTINST
cat >"$DEB_ROOT/DEBIAN/postrm" <<'POSTRM'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null || true
fi
# The database (licenses, the signing key) stays in /var/lib/keyturn even on purge.
POSTRM
chmod 0755 "$DEB_ROOT/DEBIAN/postinst" "$DEB_ROOT/DEBIAN/postrm"
DEB=$OUT/${NAME}_${VERSION}_${ARCH}.deb
dpkg-deb --root-owner-group -Zxz --build "$DEB_ROOT" "$DEB" >/dev/null

# .rpm from the same tree; Requires computed by rpmbuild.
case "$ARCH" in amd64) RPM_ARCH=x86_64 ;; arm64) RPM_ARCH=aarch64 ;; *) RPM_ARCH=$(uname -m) ;; esac
RPM_DATE=$(LC_ALL=C date -u -d @"${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}" '+%a %b %d %Y')
cat >"$WORK/server.spec" <<SPEC
%define _build_id_links none
%define debug_package %{nil}
# The binary is stripped already (release profile): the same bytes as in the .deb.
%define __os_install_post %{nil}
Name: $NAME
Version: $VERSION
Release: 1
Summary: Keyturn license server
License: MIT
URL: https://keyturn.example
Packager: Keyturn <packages@keyturn.example>
Group: System Environment/Daemons
Requires(pre): shadow-utils

%description
The self-hostable license server of Keyturn: activation, validation and
renewal endpoints for apps, an admin API and CLI, a support console and a
customer portal, over SQLite or PostgreSQL. Runs as the systemd service
keyturn-server; configured in /etc/keyturn/server.toml.

%install
cp -a %{tree}/. %{buildroot}/
mkdir -p %{buildroot}/var/lib/keyturn

%pre
getent group keyturn >/dev/null || groupadd -r keyturn
getent passwd keyturn >/dev/null || useradd -r -g keyturn -d /var/lib/keyturn -s /sbin/nologin -c "Keyturn license server" keyturn
exit 0

%post
systemctl daemon-reload >/dev/null 2>&1 || :
if [ \$1 -gt 1 ]; then systemctl try-restart keyturn-server.service >/dev/null 2>&1 || :; fi

%postun
systemctl daemon-reload >/dev/null 2>&1 || :

%files
%license /usr/share/doc/$NAME/copyright
%doc /usr/share/doc/$NAME/changelog.gz
/usr/bin/keyturn-server
/usr/lib/systemd/system/keyturn-server.service
%dir %attr(0755,root,root) /etc/keyturn
%config(noreplace) %attr(0640,root,keyturn) /etc/keyturn/server.toml
%dir %attr(0700,keyturn,keyturn) /var/lib/keyturn

%changelog
* $RPM_DATE Keyturn <packages@keyturn.example> - $VERSION-1
- Release $VERSION.
SPEC
rpmbuild -bb --quiet --define "_topdir $WORK/rpmbuild" --define "tree $TREE" \
  --target "$RPM_ARCH" "$WORK/server.spec" >&2
RPM=$OUT/$NAME-$VERSION-1.$RPM_ARCH.rpm
cp "$WORK"/rpmbuild/RPMS/"$RPM_ARCH"/"$NAME-$VERSION"-1.*.rpm "$RPM"
echo "$DEB"
echo "$RPM"
