#!/usr/bin/env python3
"""Fails when a dependency's licence is not permissive.

Reads `cargo metadata` for this machine's target (no network, no advisory
database) and evaluates each package's SPDX expression: `A OR B` needs one
allowed side, `A AND B` both, `A WITH exception` counts as A.
"""
import json
import re
import subprocess
import sys

ALLOWED = {
    "MIT", "Apache-2.0", "BSD-1-Clause", "BSD-2-Clause", "BSD-3-Clause", "ISC",
    "Zlib", "0BSD", "Unlicense", "BSL-1.0", "Unicode-3.0", "Unicode-DFS-2016",
    "CC0-1.0", "CDLA-Permissive-2.0", "PostgreSQL",
}


def tokens(expr):
    return re.findall(r"\(|\)|[A-Za-z0-9.+-]+", expr.replace("/", " OR "))


def parse_or(ts):
    ok = parse_and(ts)
    while ts and ts[0] == "OR":
        ts.pop(0)
        ok = parse_and(ts) or ok
    return ok


def parse_and(ts):
    ok = parse_atom(ts)
    while ts and ts[0] == "AND":
        ts.pop(0)
        ok = parse_atom(ts) and ok
    return ok


def parse_atom(ts):
    t = ts.pop(0)
    if t == "(":
        ok = parse_or(ts)
        ts.pop(0)  # ")"
    else:
        ok = t in ALLOWED
    if ts and ts[0] == "WITH":
        ts.pop(0)
        ts.pop(0)
    return ok


def main():
    host = subprocess.run(["rustc", "-vV"], capture_output=True, text=True, check=True).stdout
    target = re.search(r"^host: (\S+)", host, re.M).group(1)
    meta = json.loads(subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--locked", "--filter-platform", target],
        capture_output=True, text=True, check=True).stdout)
    bad = []
    for p in meta["packages"]:
        lic = p.get("license")
        if not lic or not parse_or(tokens(lic)):
            bad.append(f"{p['name']} {p['version']}: {lic}")
    if bad:
        print("licences that are not permissive:\n  " + "\n  ".join(bad))
        return 1
    print(f"licences: {len(meta['packages'])} packages, all permissive")
    return 0


if __name__ == "__main__":
    sys.exit(main())
