#!/usr/bin/env python3
"""Gate a feature on `keyturn status --json` (offline, no window), from any language.

    python3 gate_feature.py pro [path/to/keyturn]

prints "pro: on" and exits 0 when this computer is licensed for "pro", else "pro: off (CODE)"
and exits 1. The JSON's "schema" is 1; fields are only ever added within a schema.
"""
import json
import subprocess
import sys


def license_status(keyturn="keyturn"):
    """The parsed `keyturn status --json` (its exit code is 0 exactly when licensed)."""
    run = subprocess.run([keyturn, "status", "--json"], capture_output=True, text=True, check=False)
    status = json.loads(run.stdout)
    if status.get("schema") != 1:
        raise RuntimeError(f"unknown keyturn status schema {status.get('schema')}")
    return status


def main():
    feature = sys.argv[1]
    status = license_status(sys.argv[2] if len(sys.argv) > 2 else "keyturn")
    if status["licensed"] and feature in status["entitlements"]:
        print(f"{feature}: on")
        return 0
    print(f"{feature}: off ({status['code'] if not status['licensed'] else 'NOT_ENTITLED'})")
    return 1


if __name__ == "__main__":
    sys.exit(main())
