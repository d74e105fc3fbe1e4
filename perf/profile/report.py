#!/usr/bin/env python3
"""Formats what perf/profile/run.sh read from performance_schema as Markdown tables.

    report.py statements TRANSFERS_PER_CALL < rows.tsv

rows.tsv has one line per distinct statement of the profiled procedures (tab-separated, as `mariadb --batch` writes):
procedure, statement (whitespace squeezed; empty for control flow), event name, executions, total wait in
microseconds, internal temporary tables created, rows examined. One line with procedure "(call)" carries the CALL
statements themselves and one with "(commit)" the COMMITs, both top level; the number of CALLs divides the rest.
"""
import sys

CATEGORIES = [
    # (name, test on the statement text and event name); the first that matches names the statement's category.
    ("temporary tables: create and empty", lambda t, e: t.startswith("CREATE TEMPORARY TABLE") or t.startswith("DELETE FROM ledger_batch_")
        or t.startswith("DELETE l FROM ledger_batch_") or t.startswith("DELETE FROM baseline_outcomes")),
    ("JSON_TABLE: read the batch into a temporary table", lambda t, e: t.startswith("INSERT INTO ledger_batch_transfers")),
    ("cursors over JSON_TABLE (open, fetch, close)", lambda t, e: e in ("statement/sp/copen", "statement/sp/cfetch", "statement/sp/cclose",
        "statement/sp/cursor_copy_struct")),
    ("lock the accounts (GROUP_CONCAT, PREPARE, EXECUTE ... FOR UPDATE)", lambda t, e: "ledger_batch_lock" in t or "@ledger_batch_ids" in t
        or t.startswith("SET group_concat_max_len") or t.startswith("INSERT IGNORE INTO ledger_batch_accounts")),
    ("lock and read the accounts (SELECT ... FOR UPDATE)", lambda t, e: t.endswith("FOR UPDATE")),
    ("idempotency: look up transfers and transfer_rejections", lambda t, e: "STRAIGHT_JOIN transfers x" in t or "STRAIGHT_JOIN transfer_rejections x" in t
        or t.startswith("SELECT MAX(CASE WHEN t.source_account_id") or t.startswith("SELECT MAX(CASE WHEN r.source_account_id")
        or t.startswith("SELECT source_account_id = p_source")),
    ("read the accounts' state", lambda t, e: "STRAIGHT_JOIN accounts a ON a.id = b.id STRAIGHT_JOIN currencies" in t
        or t.startswith("SELECT MAX(CASE WHEN a.id = p_source")),
    ("write: UPDATE accounts", lambda t, e: "STRAIGHT_JOIN accounts a ON a.id = b.id AND a.version" in t
        or t.startswith("UPDATE accounts SET")),
    ("write: INSERT transfers", lambda t, e: t.startswith("INSERT INTO transfers")),
    ("write: INSERT entries", lambda t, e: t.startswith("INSERT INTO entries")),
    ("write: INSERT outbox", lambda t, e: t.startswith("INSERT INTO outbox")),
    ("write: INSERT transfer_rejections", lambda t, e: t.startswith("INSERT INTO transfer_rejections")),
    ("the result set (and collecting it)", lambda t, e: t.startswith("SELECT b.n, b.status") or t.startswith("SELECT v_status AS status")
        or t.startswith("INSERT INTO baseline_outcomes") or t.startswith("SELECT n, status")),
    ("procedure control flow (SET, IF, loop jumps, handlers)", lambda t, e: t == ""),
]
OTHER = "the rules on temporary tables (refusals, legs, window functions, running balances)"


def category(text, event):
    for name, test in CATEGORIES:
        if test(text, event):
            return name
    return OTHER


def fmt(value, digits=0):
    return f"{value:,.{digits}f}"


def main():
    per_call = int(sys.argv[2])
    rows = []
    calls = 0
    call_total = commit_total = 0.0
    for line in sys.stdin:
        fields = line.rstrip("\n").split("\t")
        if len(fields) < 7:
            continue
        procedure, text, event, count, wait, tmp, examined = fields
        text = "" if text == "NULL" else text
        if procedure == "(call)":
            calls, call_total = int(count), float(wait)
            continue
        if procedure == "(commit)":
            commit_total = float(wait)
            continue
        rows.append((procedure, text, event, int(count), float(wait), int(tmp), int(examined)))

    if calls == 0:
        sys.exit("report.py: no CALL in the rows")
    nested = sum(r[4] for r in rows)
    print(f"Per call of {per_call} transfer(s), mean over {calls} calls: the CALL {fmt(call_total / calls)} µs "
          f"({fmt(call_total / calls / per_call, 1)} µs per transfer), its statements {fmt(nested / calls)} µs, "
          f"the COMMIT after it {fmt(commit_total / calls)} µs (wall time, performance_schema).")
    print()
    print("| statement | runs per call | µs per call | share of the CALL | internal tmp tables per call | rows examined per call |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for procedure, text, event, count, wait, tmp, examined in sorted(rows, key=lambda r: -r[4]):
        label = f"`{text[:90]}{'…' if len(text) > 90 else ''}`" if text else f"({event})"
        if len({r[0] for r in rows}) > 1:
            label = f"{procedure}: {label}"
        print(f"| {label} | {fmt(count / calls, 1)} | {fmt(wait / calls)} | {100 * wait / call_total:.1f} % | "
              f"{fmt(tmp / calls, 1)} | {fmt(examined / calls)} |")
    print()
    totals = {}
    for _, text, event, _, wait, _, _ in rows:
        name = category(text, event)
        totals[name] = totals.get(name, 0.0) + wait
    print("| where the time of a call goes | µs per call | µs per transfer | share of the CALL |")
    print("| --- | ---: | ---: | ---: |")
    for name, wait in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"| {name} | {fmt(wait / calls)} | {fmt(wait / calls / per_call, 1)} | {100 * wait / call_total:.1f} % |")
    rest = call_total - nested
    print(f"| the CALL itself (parsing the call and its JSON argument, starting the procedure, outside its statements) | "
          f"{fmt(rest / calls)} | {fmt(rest / calls / per_call, 1)} | {100 * rest / call_total:.1f} % |")
    print(f"| *the COMMIT (after the CALL; the redo log flush)* | *{fmt(commit_total / calls)}* | "
          f"*{fmt(commit_total / calls / per_call, 1)}* | — |")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "statements":
        sys.exit(__doc__)
    main()
