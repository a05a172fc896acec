#!/bin/sh
# @NAME@ prerm (Debian: "remove"; RPM %preun: 0 when erasing). The activation lives in each
# user's home folder and keychain, not in the package: removing keeps it, so say how to free
# the seat. Touches nothing (also right under dpkg --root / DPKG_ROOT).
set -e
case "$1" in
  remove|0)
    echo "@NAME@: each user's @PRODUCT@ activation stays in their home folder and keychain."
    echo "@NAME@: to free this computer's seat, run '@COMMAND@ deactivate' as that user (before removing, or after reinstalling)."
    ;;
esac
exit 0
