"""Keyturn from Python: activate this computer, read the status and an entitlement, deactivate.

    pip install ./bindings/python        # from the Keyturn repository
    KEYTURN_LIBRARY=/path/to/libkeyturn.so python3 activate.py vendor.json KEY pro
"""

import sys

from keyturn import Keyturn, KeyturnError


def main(config, key, feature):
    try:
        with Keyturn(config) as kt:
            print("activate:", kt.activate(key)["code"])
            print("status:", kt.status()["code"])
            print(f"{feature}:", "on" if kt.is_entitled(feature) else "off")
            kt.deactivate()
            print("deactivate: OK")
            print("status:", kt.status()["code"])
    except KeyturnError as e:
        print(f"failed: {e}", file=sys.stderr)
        return e.result
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
