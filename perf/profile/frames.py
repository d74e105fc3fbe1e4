#!/usr/bin/env python3
"""Ranks the methods of a dotnet-trace Speedscope file (profile dotnet-sampled-thread-time) by CPU.

The sampler records, about every 10 ms per thread, the thread's managed stack topped by a pseudo-frame: CPU_TIME when
the thread ran managed code, UNMANAGED_CODE_TIME when it was in native code (waiting, or the kernel's work). Only the
CPU_TIME samples count here: "exclusive" is the method right under CPU_TIME, "inclusive" every method on the stack.

    python3 perf/profile/frames.py TRACE.speedscope.json [--top N] [--title TEXT] > report.md
"""
import argparse
import collections
import json


def method(name):
    """Drops the module ("System.Private.CoreLib!") and the parameter list, which only repeat the method; None for
    the trace's own frames (process, thread, activity), which are on every stack."""
    if "!" not in name:
        return "(unresolved)" if name == "?" else None
    name = name.split("!", 1)[1]
    return name.split("(", 1)[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("trace")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--title", default="API profile")
    args = parser.parse_args()

    with open(args.trace, encoding="utf-8") as f:
        data = json.load(f)
    frames = [f["name"] for f in data["shared"]["frames"]]
    exclusive, inclusive = collections.Counter(), collections.Counter()
    managed = sampled = 0.0
    for profile in data["profiles"]:
        stack, last = [], None
        for event in profile["events"]:
            at = event["at"]
            if stack and last is not None:
                span = at - last
                top = frames[stack[-1]]
                if top in ("CPU_TIME", "UNMANAGED_CODE_TIME"):
                    sampled += span
                if top == "CPU_TIME" and len(stack) > 1:
                    managed += span
                    exclusive[method(frames[stack[-2]]) or "(unresolved)"] += span
                    for name in {method(frames[i]) for i in stack[:-1]} - {None}:
                        inclusive[name] += span
            if event["type"] == "O":
                stack.append(event["frame"])
            elif stack:
                stack.pop()
            last = at

    print(f"## {args.title}\n")
    share = 100 * managed / sampled if sampled else 0
    print(f"Managed CPU in {managed / 1000:.1f} s of {sampled / 1000:.1f} s of sampled thread time ({share:.1f} %); "
          "the rest is native code: waiting, the kernel's socket work, the runtime.\n")
    for title, counter in (("exclusive (the method running)", exclusive), ("inclusive (on the stack)", inclusive)):
        print(f"| % of managed CPU, {title} | method |\n| ---: | --- |")
        for name, span in counter.most_common(args.top):
            print(f"| {100 * span / managed:.1f} | `{name.replace('|', '/')}` |")
        print()


if __name__ == "__main__":
    main()
