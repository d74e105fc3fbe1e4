#!/usr/bin/env python3
"""Summarises a JMeter CSV result file (JTL): samples, response codes, errors by code, throughput and
p50/p95/p99 per label, as a Markdown table. Standard library only.

    python3 perf/jmeter/summarize.py results.jtl [--csv-rows N]

Exits 1 when the file is missing, has no header or holds no sample rows (JMeter 2.13 exits 0 even when it could
not load the plan, so the result file is the only proof that a run happened), or when every sample failed.
Other errors are reported, not judged: the numbers are for people to read.
"""
import csv
import math
import sys
from collections import Counter, OrderedDict


def percentile(sorted_values, p):
    """Nearest-rank percentile: the smallest value with at least p % of the values at or below it."""
    if not sorted_values:
        return 0
    rank = max(1, math.ceil(p / 100.0 * len(sorted_values)))
    return sorted_values[rank - 1]


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    path = argv[1]
    csv_rows = None
    if len(argv) >= 4 and argv[2] == "--csv-rows":
        csv_rows = int(argv[3])

    try:
        handle = open(path, newline="", encoding="utf-8", errors="replace")
    except OSError as error:
        print(f"summary: no result file: {error}", file=sys.stderr)
        return 1

    with handle:
        reader = csv.DictReader(handle)
        needed = {"timeStamp", "elapsed", "label", "responseCode", "success"}
        if reader.fieldnames is None or not needed.issubset(reader.fieldnames):
            print(f"summary: {path} has no CSV header with {', '.join(sorted(needed))} "
                  f"(found {reader.fieldnames})", file=sys.stderr)
            return 1
        labels = OrderedDict()
        codes = Counter()
        error_codes = Counter()
        failure_messages = Counter()
        first_start = None
        last_end = None
        total = 0
        errors = 0
        for row in reader:
            try:
                start = int(row["timeStamp"])
                elapsed = int(row["elapsed"])
            except (TypeError, ValueError):
                continue
            total += 1
            ok = (row.get("success") or "").strip().lower() == "true"
            code = (row.get("responseCode") or "").strip() or "(none)"
            label = row["label"]
            stats = labels.setdefault(label, {"elapsed": [], "errors": 0, "codes": Counter()})
            stats["elapsed"].append(elapsed)
            stats["codes"][code] += 1
            codes[code] += 1
            if not ok:
                errors += 1
                stats["errors"] += 1
                error_codes[code] += 1
                message = " ".join((row.get("failureMessage") or row.get("responseMessage") or "").split())
                if message:
                    failure_messages[f"{code}: {message[:160]}"] += 1
            first_start = start if first_start is None else min(first_start, start)
            last_end = start + elapsed if last_end is None else max(last_end, start + elapsed)

    if total == 0:
        print(f"summary: {path} holds no samples: JMeter did not run the plan (see jmeter.log)", file=sys.stderr)
        return 1

    seconds = max((last_end - first_start) / 1000.0, 0.001)
    print(f"JMeter results: {path}")
    print(f"samples: {total:,} in {seconds:.1f} s = {total / seconds:,.1f}/s; "
          f"errors: {errors:,} ({100.0 * errors / total:.2f} %)")
    print("response codes: " + ", ".join(f"{c} x {n:,}" for c, n in sorted(codes.items())))
    if error_codes:
        print("errors by response code: " + ", ".join(f"{c} x {n:,}" for c, n in sorted(error_codes.items())))
        for message, n in failure_messages.most_common(5):
            print(f"  {n:,} x {message}")
    else:
        print("errors by response code: none")
    print()
    print("| label | samples | errors | codes | throughput/s | p50 ms | p95 ms | p99 ms | max ms |")
    print("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    everything = []
    for label, stats in labels.items():
        values = sorted(stats["elapsed"])
        everything.extend(values)
        code_text = " ".join(f"{c}:{n}" for c, n in sorted(stats["codes"].items()))
        print(f"| {label} | {len(values):,} | {stats['errors']:,} | {code_text} | {len(values) / seconds:,.1f} | "
              f"{percentile(values, 50)} | {percentile(values, 95)} | {percentile(values, 99)} | {values[-1]} |")
    everything.sort()
    print(f"| all | {total:,} | {errors:,} | | {total / seconds:,.1f} | {percentile(everything, 50)} | "
          f"{percentile(everything, 95)} | {percentile(everything, 99)} | {everything[-1]} |")

    if errors == total:
        print()
        print("summary: every sample failed: the API refused all requests (wrong --key? see the codes above)",
              file=sys.stderr)
        return 1

    if csv_rows is not None:
        posts = sum(len(s["elapsed"]) for label, s in labels.items() if label.startswith("POST"))
        if posts >= csv_rows:
            print()
            print(f"note: all {csv_rows:,} CSV rows were posted; the threads stopped when the file ran out, "
                  f"possibly before the set duration (pass more --rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
