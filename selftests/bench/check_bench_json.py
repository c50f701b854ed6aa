#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Validate a `zcopyctl bench` result (bench.json, schema 1) and, with
--report-dir, what scripts/bench-report.py made of it. Prints TAP (one
line per group of checks, `#` lines saying what is wrong); exit 0 only if
every line is ok.

    check_bench_json.py [--paths virtio,veth,loopback] [--report-dir DIR]
                        bench.json
"""

import argparse
import datetime
import json
import math
import os
import sys
import xml.etree.ElementTree as ET

METHODS = [
    "read_write", "mmap_write", "sendfile", "splice", "msg_zerocopy",
    "io_uring_send_zc", "zcopy_copy", "zcopy_mmap", "zcopy_sendfile",
    "zcopy_sg", "zcopy_copy_batch", "zcopy_mmap_batch",
    "zcopy_sendfile_batch", "zcopy_sg_batch",
]
K, M = 1 << 10, 1 << 20
PROFILES = {
    "full": ([4 * K, 64 * K, M, 16 * M, 256 * M], ["hot", "cold"]),
    "quick": ([4 * K, M, 16 * M], ["hot"]),
    "tiny": ([4 * K, 64 * K], ["hot"]),
}
# Measured by every method: numbers unless the cell has an error.
STATS = ["throughput_mib_s", "transfers_per_s", "sender_cpu_ns_per_mib"]
# Not measurable everywhere (no observer, no counter): null, or all three
# parts null, is "not measured"; numbers must still be consistent.
NULLABLE_STATS = [
    "system_cpu_ns_per_mib", "cpu_copy_per_byte", "ref_bytes",
    "dma_in_bytes", "dma_out_bytes", "retrans_bytes", "syscalls",
    "context_switches", "observer_ns_per_mib",
]
# Counts and times: never below zero when measured.
NON_NEGATIVE = ["observer_ns_per_mib"]

results = []


def tap(name, problems):
    ok = not problems
    print(f"{'ok' if ok else 'not ok'} - bench.json: {name}")
    for p in problems[:12]:
        print(f"# {p}")
    if len(problems) > 12:
        print(f"# ... and {len(problems) - 12} more")
    results.append(ok)


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_num(v):
    return (isinstance(v, (int, float)) and not isinstance(v, bool)
            and math.isfinite(v))


def is_str(v):
    return isinstance(v, str) and v != ""


TOP = {
    "schema": lambda v: v == 1,
    "tool_version": is_str,
    "kernel": is_str,
    "machine": is_str,
    "cpu_model": is_str,
    "cpus": lambda v: is_int(v) and v > 0,
    "virt": is_str,
    "profile": lambda v: v in ("full", "quick", "tiny", "custom"),
    "runs": lambda v: is_int(v) and v >= 3,
    "warmup": lambda v: is_int(v) and v >= 0,
    "observer_probes": lambda v: v is None or (is_int(v) and v >= 0),
    "started": lambda v: is_str(v) and iso(v),
    "duration_s": lambda v: is_num(v) and v >= 0,
    "cells": lambda v: isinstance(v, list) and len(v) > 0,
}


def iso(v):
    try:
        datetime.datetime.fromisoformat(v.replace("Z", "+00:00"))
        return True
    except ValueError:
        return False


def check_top(doc):
    if not isinstance(doc, dict):
        return ["top level is not an object"]
    probs = []
    for k, ok in TOP.items():
        if k not in doc:
            probs.append(f"missing key {k}")
        elif not ok(doc[k]):
            probs.append(f"bad {k}: {doc[k]!r:.80}")
    return probs


def check_stat(where, key, s, nullable=False):
    if not isinstance(s, dict):
        return [f"{where}: {key} is {s!r:.40}, not an object"]
    if nullable and all(s.get(p) is None for p in ("median", "min", "max")):
        return []
    probs = []
    for part in ("median", "min", "max"):
        if not is_num(s.get(part)):
            probs.append(f"{where}: {key}.{part} is {s.get(part)!r:.40}")
    if probs:
        return probs
    lo, med, hi = s["min"], s["median"], s["max"]
    eps = 1e-9 * max(1.0, abs(lo), abs(hi))
    if not lo - eps <= med <= hi + eps:
        probs.append(f"{where}: {key} median {med} not in [{lo}, {hi}]")
    return probs


def cell_name(c):
    obs = "" if c.get("observer") is not False else " (observer off)"
    return (f"{c.get('path')}/{c.get('method')}{obs}/{c.get('size')}/"
            f"{c.get('cache')}")


def check_cell(c):
    """Form and internal consistency of one cell."""
    if not isinstance(c, dict):
        return ["a cell is not an object"], []
    where = cell_name(c)
    form, stats = [], []
    spec = {
        "method": lambda v: v in METHODS,
        "observer": lambda v: isinstance(v, bool),
        "path": is_str,
        "target": is_str,
        "size": lambda v: is_int(v) and v > 0,
        "cache": lambda v: v in ("hot", "cold"),
        "runs": lambda v: is_int(v) and v >= 3,
        "transfers_per_run": lambda v: is_int(v) and v >= 1,
        "error": lambda v: v is None or is_str(v),
        "verified": lambda v: isinstance(v, bool),
        "zerocopy_copied_reports": lambda v: is_int(v) and v >= 0,
    }
    # zcopyctl.8: zerocopy_copied_reports is msg_zerocopy's alone.
    if c.get("method") != "msg_zerocopy" and "zerocopy_copied_reports" not in c:
        spec.pop("zerocopy_copied_reports")
    for k, ok in spec.items():
        if k not in c:
            form.append(f"{where}: missing key {k}")
        elif not ok(c[k]):
            form.append(f"{where}: bad {k}: {c[k]!r:.60}")
    for k in STATS + NULLABLE_STATS:
        if k not in c:
            form.append(f"{where}: missing key {k}")
    if c.get("observer") is False and c.get("method") != "zcopy_sg":
        form.append(f"{where}: only zcopy_sg has an observer-off cell")
    err = c.get("error")
    for k in STATS + NULLABLE_STATS:
        v = c.get(k)
        if v is None and (err or k in NULLABLE_STATS):
            continue
        stats += check_stat(where, k, v, k in NULLABLE_STATS)
    for k in NON_NEGATIVE:
        v = c.get(k)
        if isinstance(v, dict) and is_num(v.get("min")) and v["min"] < 0:
            stats.append(f"{where}: {k}.min {v['min']} < 0")
    if not err:
        tp = c.get("throughput_mib_s")
        if isinstance(tp, dict) and is_num(tp.get("median")) and tp["median"] <= 0:
            stats.append(f"{where}: throughput {tp['median']} without an error")
    return form, stats


def check_coverage(doc, paths):
    cells = [c for c in doc.get("cells", []) if isinstance(c, dict)]
    have = {}
    for c in cells:
        key = (c.get("path"), c.get("method"), c.get("observer") is not False,
               c.get("size"), c.get("cache"))
        have[key] = have.get(key, 0) + 1
    probs = [f"duplicate cell {k}" for k, n in have.items() if n > 1]
    prof = doc.get("profile")
    if prof in PROFILES:
        sizes, caches = PROFILES[prof]
    else:
        # custom: whatever sizes and caches it measured, on every path
        sizes = sorted({k[3] for k in have if is_int(k[3])})
        caches = sorted({k[4] for k in have if k[4] in ("hot", "cold")})
    seen_paths = sorted({k[0] for k in have if isinstance(k[0], str)})
    for p in paths:
        if p not in seen_paths:
            probs.append(f"path {p}: no cells")
            continue
        for s in sizes:
            for cache in caches:
                for m in METHODS:
                    if (p, m, True, s, cache) not in have:
                        probs.append(f"missing {p}/{m}/{s}/{cache}")
                if (p, "zcopy_sg", False, s, cache) not in have:
                    probs.append(f"missing {p}/zcopy_sg (observer off)/{s}/{cache}")
    if prof in PROFILES:
        extra = sorted({(k[3], k[4]) for k in have} - {(s, c) for s in sizes for c in caches},
                       key=str)
        if extra:
            probs.append(f"profile {prof}: unexpected size/cache {extra}")
    return probs, seen_paths


def check_report(rdir, paths):
    probs = []
    rep = os.path.join(rdir, "report.md")
    try:
        with open(rep) as f:
            text = f.read()
        if "# zcopy benchmark" not in text or "## Targets" not in text:
            probs.append(f"{rep}: no header or targets section")
    except OSError as e:
        probs.append(f"{rep}: {e}")
    n = 0
    for p in paths:
        for kind in ("throughput", "cpu"):
            base = os.path.join(rdir, f"{kind}-{p}-hot")
            for ext in ("svg", "png"):
                f = f"{base}.{ext}"
                try:
                    if os.path.getsize(f) == 0:
                        probs.append(f"{f}: empty")
                        continue
                    if ext == "svg":
                        root = ET.parse(f).getroot()
                        if not root.tag.endswith("svg"):
                            probs.append(f"{f}: root element {root.tag}")
                    else:
                        with open(f, "rb") as fh:
                            if fh.read(8) != b"\x89PNG\r\n\x1a\n":
                                probs.append(f"{f}: no PNG signature")
                    n += 1
                except (OSError, ET.ParseError) as e:
                    probs.append(f"{f}: {e}")
    return probs, n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("json")
    ap.add_argument("--paths", default="virtio,veth,loopback",
                    help="paths that must be covered (comma separated)")
    ap.add_argument("--report-dir", help="also check report.md and the plots")
    args = ap.parse_args()
    paths = [p for p in args.paths.split(",") if p]

    try:
        with open(args.json) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        tap("parses as JSON", [str(e)])
        return 1
    tap("schema 1, top-level keys and types", check_top(doc))
    if not isinstance(doc, dict) or not isinstance(doc.get("cells"), list):
        return 1
    form, stats = [], []
    for c in doc["cells"]:
        f, s = check_cell(c)
        form += f
        stats += s
    tap(f"{len(doc['cells'])} cells have the schema's keys and types", form)
    tap("medians within [min, max], throughput > 0 unless error", stats)
    cov, seen = check_coverage(doc, paths)
    tap(f"every method on every path ({', '.join(paths)}), "
        f"profile {doc.get('profile')}", cov)
    errs = [f"{cell_name(c)}: {c.get('error')}" for c in doc["cells"]
            if isinstance(c, dict) and c.get("error")]
    for e in errs[:20]:
        print(f"# cell error: {e}")
    if args.report_dir:
        probs, n = check_report(args.report_dir, [p for p in paths if p in seen])
        print(f"{'ok' if not probs else 'not ok'} - bench report: report.md "
              f"and {n} plots (SVG parses, PNG signature)")
        for p in probs[:12]:
            print(f"# {p}")
        results.append(not probs)
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
