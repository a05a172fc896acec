"""Keyturn from Python with a floating license: hold a seat while the program works, give it
back when done. Prints "seat: OK <seats> <lease id>" once the seat is held (or "seat:
SEATS_IN_USE <seats> <next_free_at>" and exits 8 when every seat is taken), works until its
standard input closes (a stand-in for the program's real work), then releases the seat.

    pip install ./bindings/python        # from the Keyturn repository
    KEYTURN_LIBRARY=/path/to/libkeyturn.so python3 hold_seat.py vendor.json KEY
"""

import sys

from keyturn import Keyturn, KeyturnError


def main(config, key):
    try:
        with Keyturn(config) as kt:
            seat = kt.take_seat(key)
            if seat["code"] != "OK":
                print("seat:", seat["code"], seat["seats"], seat["next_free_at"], flush=True)
                print(seat["message"], file=sys.stderr)
                return 8
            print("seat:", seat["code"], seat["seats"], seat["lease"]["id"], flush=True)
            sys.stdin.read()  # the program's work; heartbeats keep the seat meanwhile
            kt.release_seat()
            print("released", flush=True)
    except KeyturnError as e:
        print(f"failed: {e}", file=sys.stderr)
        return e.result
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
