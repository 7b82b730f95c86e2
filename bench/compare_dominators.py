#!/usr/bin/env python3
"""Time the dominator tree of one network with Linchpin, igraph and networkx, side by side.

Usage: bench/compare_dominators.py FIRMS_CSV LINKS_CSV [--linchpin PATH] [--networkx-limit N]

Needs `pip install igraph networkx`. The network gets the same virtual source as in Linchpin
(feeding every firm without a supplier). networkx is skipped above --networkx-limit firms
(default 200,000) because it is pure Python. Linchpin's figure is the `dominators` time that
`linchpin bench structure` reports for the same files.
"""
import argparse
import csv
import re
import subprocess
import sys
import time


def load(firms_path, links_path):
    index = {}
    with open(firms_path, newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            index.setdefault(row["uscc"].strip(), len(index))
    edges = []
    with open(links_path, newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            s, c = index.get(row["supplier_uscc"].strip()), index.get(row["customer_uscc"].strip())
            if s is not None and c is not None and s != c:
                edges.append((s, c))
    return len(index), edges


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("firms")
    ap.add_argument("links")
    ap.add_argument("--linchpin", default="target/release/linchpin")
    ap.add_argument("--networkx-limit", type=int, default=200_000)
    args = ap.parse_args()

    n, edges = load(args.firms, args.links)
    has_supplier = [False] * n
    for _, c in edges:
        has_supplier[c] = True
    root = n
    full = edges + [(root, v) for v in range(n) if not has_supplier[v]]
    print(f"network: {n} firms, {len(edges)} links ({len(full) - len(edges)} source edges)")

    run = subprocess.run(
        [args.linchpin, "bench", "structure", "--firms", args.firms, "--links", args.links],
        capture_output=True, text=True,
    )
    m = re.search(r"dominators ([0-9.]+) s", run.stdout)
    if run.returncode != 0 or not m:
        sys.exit(f"linchpin bench structure failed: {run.stderr}")
    print(f"linchpin  dominator tree: {float(m.group(1)):8.2f} s   (Lengauer-Tarjan, Rust)")

    import igraph as ig

    g = ig.Graph(n=n + 1, edges=full, directed=True)
    t = time.perf_counter()
    g.dominator(root, mode="out")
    print(f"igraph    dominator tree: {time.perf_counter() - t:8.2f} s   (igraph C core, graph already built)")

    if n <= args.networkx_limit:
        import networkx as nx

        h = nx.DiGraph()
        h.add_nodes_from(range(n + 1))
        h.add_edges_from(full)
        t = time.perf_counter()
        nx.immediate_dominators(h, root)
        print(f"networkx  dominator tree: {time.perf_counter() - t:8.2f} s   (Cooper-Harvey-Kennedy, Python)")
    else:
        print(f"networkx  skipped above {args.networkx_limit} firms")


if __name__ == "__main__":
    main()
