#!/usr/bin/env python3
"""What a user would otherwise do with the same files, timed beside Linchpin in one run.

Usage: bench/user_baseline.py FIRMS_CSV LINKS_CSV [--linchpin PATH]

The baseline is the script an analyst writes: pandas `read_csv` of both files, USCCs mapped to
vertex numbers, an igraph graph with a virtual source feeding every firm without a supplier, and
`Graph.dominator`. It validates nothing (no USCC check digits, no region or industry codes, no
value ranges) and computes dominators only. Linchpin's side is `linchpin bench structure` on the
same files: read and validate every row, build the graph, then dominators, sole essential
suppliers and downstream reach. Each side runs in its own process, so each peak RSS is its own.

Needs `pip install pandas igraph`.
"""
import argparse
import re
import resource
import subprocess
import sys
import time


def baseline(firms_path, links_path):
    import igraph
    import pandas as pd

    t0 = time.perf_counter()
    firms = pd.read_csv(firms_path, usecols=["uscc"], dtype=str)
    links = pd.read_csv(links_path, usecols=["supplier_uscc", "customer_uscc"], dtype=str)
    t_read = time.perf_counter() - t0
    index = pd.Series(range(len(firms)), index=firms["uscc"].str.strip())
    index = index[~index.index.duplicated()]
    s = links["supplier_uscc"].str.strip().map(index)
    c = links["customer_uscc"].str.strip().map(index)
    ok = s.notna() & c.notna() & (s != c)
    s = s[ok].astype("int64").to_numpy()
    c = c[ok].astype("int64").to_numpy()
    n = len(firms)
    root = n
    has_supplier = pd.Series(False, index=range(n))
    has_supplier.iloc[c] = True
    sources = has_supplier[~has_supplier].index.to_numpy()
    edges = list(zip(s.tolist(), c.tolist())) + [(root, int(v)) for v in sources]
    g = igraph.Graph(n=n + 1, edges=edges, directed=True)
    t_build = time.perf_counter() - t0 - t_read
    t1 = time.perf_counter()
    g.dominator(root, mode="out")
    t_dom = time.perf_counter() - t1
    total = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"read": t_read, "build": t_build, "dominators": t_dom, "total": total, "peak_mib": peak, "links": len(s)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("firms")
    ap.add_argument("links")
    ap.add_argument("--linchpin", default="target/release/linchpin")
    ap.add_argument("--only-baseline", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.only_baseline:
        r = baseline(args.firms, args.links)
        print(" ".join(f"{k}={v}" for k, v in r.items()))
        return

    t0 = time.perf_counter()
    out = subprocess.run(
        [args.linchpin, "bench", "structure", "--firms", args.firms, "--links", args.links],
        check=True, capture_output=True, text=True,
    ).stdout
    wall = time.perf_counter() - t0
    print(out.strip())
    peak = re.search(r"peak memory: (\d+) MiB", out)
    ours = {"total": wall, "peak_mib": float(peak.group(1)) if peak else float("nan")}

    res = subprocess.run(
        [sys.executable, __file__, args.firms, args.links, "--only-baseline"],
        check=True, capture_output=True, text=True,
    ).stdout
    theirs = {k: float(v) for k, v in (kv.split("=") for kv in res.split())}
    print()
    print("| on the same files | wall | peak RSS | does |")
    print("|---|---|---|---|")
    print(f"| linchpin bench structure | {ours['total']:.1f} s | {ours['peak_mib']:.0f} MiB |"
          " read + validate every row, build, dominators, sole suppliers, reach |")
    print(f"| pandas read_csv + igraph Graph.dominator | {theirs['total']:.1f} s | {theirs['peak_mib']:.0f} MiB |"
          f" read {theirs['read']:.1f} s, build {theirs['build']:.1f} s, dominators {theirs['dominators']:.1f} s;"
          " no validation |")


if __name__ == "__main__":
    main()
