#!/usr/bin/env python3
"""Writes the SQL that perf/profile/run.sh feeds to the mariadb client: transfers between the profile's accounts
(p-000000 ...), each call in its own transaction as the library and the load generator make them.

    generate.py KIND CALLS SIZE ACCOUNTS SEED [ID_SEED] > file.sql

KIND is ledger-batch (CALL ledger_post_transfers with SIZE transfers), ledger-single (CALL ledger_post_transfer, SIZE
calls per unit), baseline-batch or baseline-single (perf/baseline). The same SEED gives the same accounts and amounts
for every kind, so the kinds post the same transfers; ID_SEED (default: SEED) gives the ids, so the same transfers can
be posted again into the same database as new ones rather than replays. Ids are time-ordered (UUIDv7-like), as
Ledger's are."""
import json
import random
import sys
import time

kind, calls, size, accounts, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
id_seed = int(sys.argv[6]) if len(sys.argv) > 6 else seed
rnd = random.Random(seed)
ids = random.Random(id_seed + 1_000_000)
start_ms = int(time.time() * 1000)
count = 0


def next_id():
    global count
    count += 1
    ms = start_ms + count // 1000
    value = (ms << 80) | (0x7 << 76) | (ids.getrandbits(12) << 64) | (0b10 << 62) | ids.getrandbits(62)
    return f"{value:032x}"


def transfer():
    while True:
        s, d = rnd.randrange(accounts), rnd.randrange(accounts)
        if s != d:
            return next_id(), f"p-{s:06d}", f"p-{d:06d}", rnd.randint(1, 100)


out = sys.stdout
out.write("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED;\n")
for _ in range(calls):
    batch = [transfer() for _ in range(size)]
    if kind == "ledger-batch":
        items = [{"i": i, "s": s, "d": d, "a": f"{a / 100:.2f}", "c": None, "t": None, "r": None, "p": "profile", "k": None}
                 for i, s, d, a in batch]
        out.write(f"START TRANSACTION;\nCALL ledger_post_transfers('{json.dumps(items, separators=(',', ':'))}', NOW(6));\nCOMMIT;\n")
    elif kind == "baseline-batch":
        items = [{"i": i, "s": s, "d": d, "a": a} for i, s, d, a in batch]
        out.write(f"START TRANSACTION;\nCALL baseline_post_transfers('{json.dumps(items, separators=(',', ':'))}');\nCOMMIT;\n")
    elif kind == "ledger-single":
        for i, s, d, a in batch:
            out.write(f"START TRANSACTION;\nCALL ledger_post_transfer(UNHEX('{i}'), '{s}', '{d}', {a / 100:.2f}, "
                      f"NULL, NULL, NULL, NULL, 'profile', NULL, NOW(6));\nCOMMIT;\n")
    elif kind == "baseline-single":
        for i, s, d, a in batch:
            out.write(f"START TRANSACTION;\nCALL baseline_post_transfer(UNHEX('{i}'), '{s}', '{d}', {a});\nCOMMIT;\n")
    else:
        sys.exit(f"generate.py: unknown kind {kind}")
