#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Validate a `zcopyctl bench` result (bench.json, schema 1) and, with
--report-dir, what scripts/bench-report.py made of it. Beside bench.json,
bench-repeat.json (a second pass of the same cells) and
price-{unloaded,loaded}-N.json (the module's price) are checked too when
they are there, and then the report must have their sections. Prints TAP
(one line per group of checks, `#` lines saying what is wrong); exit 0
only if every line is ok.

    check_bench_json.py [--paths virtio,veth,loopback] [--report-dir DIR]
                        bench.json
"""

import argparse
import collections
import datetime
import json
import glob
import math
import os
import re
import sys
import xml.etree.ElementTree as ET

METHODS = [
    "read_write", "mmap_write", "sendfile", "splice", "msg_zerocopy",
    "io_uring_send_zc", "zcopy_copy", "zcopy_mmap", "zcopy_sendfile",
    "zcopy_sg", "zcopy_copy_batch", "zcopy_mmap_batch",
    "zcopy_sendfile_batch", "zcopy_sg_batch", "sendfile_batch",
    "io_uring_splice_batch",
]
# Came with interleaving ("order" in the document): an older result,
# such as a committed one, has no cells of them.
SINCE_ORDER = ["sendfile_batch", "io_uring_splice_batch"]
K, M = 1 << 10, 1 << 20
PROFILES = {
    "full": ([4 * K, 64 * K, M, 16 * M], ["hot", "cold"]),
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
# selftests/vm/run.sh's accelerators; "unknown" outside the VM.
VIRTS = ["kvm", "tcg", "tcg-icount", "unknown"]
# What selftests/vm/guest/bench.sh measures with and without the module.
PRICE_PATH, PRICE_METHODS, PRICE_SIZES = "veth", ["sendfile", "read_write"], [M, 16 * M]
SG_PATHS = ["virtio", "veth"]

results = []


def tap(name, problems):
    ok = not problems
    print(f"{'ok' if ok else 'not ok'} - {name}")
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
    "virt": lambda v: v in VIRTS,
    "profile": lambda v: v in ("full", "quick", "tiny", "custom"),
    "runs": lambda v: is_int(v) and v >= 3,
    "warmup": lambda v: is_int(v) and v >= 0,
    "observer_probes": lambda v: v is None or (is_int(v) and v >= 0),
    "started": lambda v: is_str(v) and iso(v),
    "duration_s": lambda v: is_num(v) and v >= 0,
    "cells": lambda v: isinstance(v, list) and len(v) > 0,
}
# Not written by zcopyctl before interleaving.
OPTIONAL_TOP = {
    "order": lambda v: v == "interleaved",
    "seed": lambda v: is_int(v) and v >= 0,
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
    for k, ok in list(TOP.items()) + list(OPTIONAL_TOP.items()):
        if k not in doc:
            if k in TOP:
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


def observer_variant(c):
    """True (observer on), False (off) or "cgroup" (its cgroup observed)."""
    if c.get("cgroup_observed") is True:
        return "cgroup"
    return c.get("observer") is not False


def cell_name(c):
    obs = {True: "", False: " (observer off)",
           "cgroup": " (cgroup observed)"}[observer_variant(c)]
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
    # Since the cgroup-observed cells; older documents lack it.
    if "cgroup_observed" in c:
        spec["cgroup_observed"] = lambda v: isinstance(v, bool)
    for k, ok in spec.items():
        if k not in c:
            form.append(f"{where}: missing key {k}")
        elif not ok(c[k]):
            form.append(f"{where}: bad {k}: {c[k]!r:.60}")
    for k in STATS + NULLABLE_STATS:
        if k not in c:
            form.append(f"{where}: missing key {k}")
    if c.get("observer") is False and \
            c.get("method") not in ("zcopy_sg", "zcopy_sg_batch", "sendfile"):
        form.append(f"{where}: only zcopy_sg, zcopy_sg_batch and sendfile "
                    "have an observer-off cell")
    if c.get("cgroup_observed") is True and (c.get("method") != "sendfile" or
                                             c.get("observer") is False):
        form.append(f"{where}: only sendfile, observer on, has a "
                    "cgroup-observed cell")
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


def cell_key(c):
    return (c.get("path"), c.get("method"), observer_variant(c),
            c.get("size"), c.get("cache"))


def cells_by_key(doc):
    """{key: [cells]} of a document's cells."""
    have = {}
    for c in doc.get("cells", []):
        if isinstance(c, dict):
            have.setdefault(cell_key(c), []).append(c)
    return have


def seen_paths(doc):
    return sorted({k[0] for k in cells_by_key(doc) if isinstance(k[0], str)})


def methods_of(doc):
    """The methods the zcopyctl that wrote DOC had."""
    return [m for m in METHODS if "order" in doc or m not in SINCE_ORDER]


def check_coverage(doc, paths):
    have = cells_by_key(doc)
    # A zcopyctl that knows cgroup-observed cells writes the key in all.
    cgroup_cells = any(isinstance(c, dict) and "cgroup_observed" in c
                       for c in doc.get("cells", []))
    probs = [f"duplicate cell {k}" for k, n in have.items() if len(n) > 1]
    prof = doc.get("profile")
    if prof in PROFILES:
        sizes, caches = PROFILES[prof]
    else:
        # custom: whatever sizes and caches it measured, on every path
        sizes = sorted({k[3] for k in have if is_int(k[3])})
        caches = sorted({k[4] for k in have if k[4] in ("hot", "cold")})
    for p in paths:
        if p not in seen_paths(doc):
            probs.append(f"path {p}: no cells")
            continue
        for s in sizes:
            for cache in caches:
                for m in methods_of(doc):
                    if (p, m, True, s, cache) not in have:
                        probs.append(f"missing {p}/{m}/{s}/{cache}")
                if (p, "zcopy_sg", False, s, cache) not in have:
                    probs.append(f"missing {p}/zcopy_sg (observer off)/{s}/{cache}")
                for v, what in ((False, "observer off"), ("cgroup", "cgroup observed")):
                    if cgroup_cells and (p, "sendfile", v, s, cache) not in have:
                        probs.append(f"missing {p}/sendfile ({what})/{s}/{cache}")
    if prof in PROFILES:
        extra = sorted({(k[3], k[4]) for k in have} - {(s, c) for s in sizes for c in caches},
                       key=str)
        if extra:
            probs.append(f"profile {prof}: unexpected size/cache {extra}")
    return probs


def check_repeat(doc, main):
    """bench-repeat.json: the same cells as bench.json, another seed."""
    probs = []
    for k in ("kernel", "profile", "runs", "warmup"):
        if doc.get(k) != main.get(k):
            probs.append(f"{k} {doc.get(k)!r:.40} differs from bench.json's "
                         f"{main.get(k)!r:.40}")
    if "seed" in doc and doc.get("seed") == main.get("seed"):
        probs.append(f"seed {doc.get('seed')} is bench.json's: the same order")
    a, b = set(cells_by_key(main)), set(cells_by_key(doc))
    probs += [f"cell {k} not in bench.json" for k in sorted(b - a, key=str)]
    probs += [f"bench.json's cell {k} missing" for k in sorted(a - b, key=str)]
    return probs


def check_price(doc):
    """A price document: the price cells, once each, and only them."""
    have = cells_by_key(doc)
    want = {(PRICE_PATH, m, True, s, "hot") for m in PRICE_METHODS
            for s in PRICE_SIZES}
    probs = [f"duplicate cell {k}" for k, n in have.items() if len(n) > 1]
    probs += [f"missing {k}" for k in sorted(want - set(have), key=str)]
    probs += [f"unexpected cell {k}" for k in sorted(set(have) - want, key=str)]
    return probs


def price_numbers(files):
    """{state: [N...]} of price-STATE-N.json files."""
    nums = {"unloaded": [], "loaded": []}
    for f in files:
        m = re.fullmatch(r"price-(unloaded|loaded)-(\d+)\.json", os.path.basename(f))
        if m:
            nums[m.group(1)].append(int(m.group(2)))
    return nums


def check_price_set(files):
    """As many unloaded as loaded documents, numbered 1..N."""
    nums = price_numbers(files)
    n = len(nums["loaded"])
    probs = []
    if len(nums["unloaded"]) != n:
        probs.append(f"{len(nums['unloaded'])} unloaded but {n} loaded documents")
    for state, ns in nums.items():
        if sorted(ns) != list(range(1, len(ns) + 1)):
            probs.append(f"{state} documents numbered {sorted(ns)}, not 1..{len(ns)}")
    return probs


# report.md's sections in their order; None: only with that companion.
SECTIONS = [
    ("# zcopy benchmark", None),
    ("## Which method to use when", None),
    ("## What zcopy buys", None),
    ("## This run", None),
    ("## Targets", None),
    ("## Repeatability", "repeat"),
    ("## Module price", "price"),
    ("## The classic table", None),
    ("## Plots", None),
    ("## HTTP servers", "http"),
    ("## How this was timed", None),
]
# Every goal of the targets table, per SG path.
GOALS = ["<= 0.9", ">= 1.0", "<= 3 %", ">= 2.0", "<= 0.5"]


def section(text, title):
    """The text of the section TITLE (to the next one of its level), or None."""
    level = title.split(" ")[0]
    m = re.search(rf"^{re.escape(title)}.*$", text, re.M)
    if not m:
        return None
    end = re.search(rf"^{level} ", text[m.end():], re.M)
    return text[m.end():m.end() + end.start()] if end else text[m.end():]


def check_sections(text, have):
    """Every section due, in order, and none whose input is absent."""
    probs, last = [], -1
    for title, needs in SECTIONS:
        m = re.search(rf"^{re.escape(title)}", text, re.M)
        due = needs is None or needs in have
        if due and not m:
            probs.append(f"no section '{title}'")
        elif m and not due:
            probs.append(f"section '{title}' without its input")
        elif m:
            if m.start() < last:
                probs.append(f"section '{title}' out of order")
            last = m.start()
    return probs


def check_targets(text, main):
    """A table per SG path of the run, each with every goal."""
    probs = []
    body = section(text, "## Targets") or ""
    for p in [p for p in SG_PATHS if p in seen_paths(main)]:
        sub = section(body, f"### {p}")
        if sub is None:
            probs.append(f"targets: no table for {p}")
            continue
        probs += [f"targets, {p}: no row with goal {g}" for g in GOALS
                  if f"| {g} |" not in sub]
    return probs


def median_of(c, key):
    s = c.get(key)
    v = s.get("median") if isinstance(s, dict) else None
    return v if is_num(v) else None


def check_repeat_section(text, main, repeat):
    """The summary's counts, recomputed: cells of >= 1 MiB, hot, SG paths,
    without error in both passes; within 5 % on the medians."""
    a, b = cells_by_key(main), cells_by_key(repeat)
    # per path: CPU, throughput: [within, of]
    counts = collections.defaultdict(lambda: [[0, 0], [0, 0]])
    for k in set(a) & set(b):
        ca, cb = a[k][0], b[k][0]
        if k[0] not in SG_PATHS or k[4] != "hot" or not is_int(k[3]) \
                or k[3] < M or ca.get("error") or cb.get("error"):
            continue
        for i, key in enumerate(("sender_cpu_ns_per_mib", "throughput_mib_s")):
            va, vb = median_of(ca, key), median_of(cb, key)
            if va not in (None, 0) and vb is not None:
                counts[k[0]][i][1] += 1
                counts[k[0]][i][0] += abs(vb - va) / va <= 0.05
    body = section(text, "## Repeatability") or ""
    probs = absent("repeatability", body,
                   [f"{path}: CPU: {c[0][0]} of {c[0][1]} cells within 5 %; "
                    f"throughput: {c[1][0]} of {c[1][1]} cells within 5 %"
                    for path, c in counts.items()])
    rows = len(re.findall(r"^\| `", body, re.M))
    cells = sum(max(c[0][1], c[1][1]) for c in counts.values())
    if rows < cells:
        probs.append(f"repeatability: {rows} rows for {cells} cells")
    return probs


def absent(what, body, phrases):
    return [f"{what}: no '{p}'" for p in phrases if p not in body]


def check_price_section(text, price_docs):
    """A row per price cell, if a price document could be read."""
    rows = [f"| {PRICE_PATH} | `{m}` | {s // M} MiB | hot |"
            for m in PRICE_METHODS for s in PRICE_SIZES]
    return absent("module price", section(text, "## Module price") or "",
                  rows if price_docs else [])


def check_timing(text, main):
    """The clock (instructions under icount), the seed, the drain rule,
    system CPU's source and the statistics."""
    want = ["SIOCOUTQ", "/proc/stat", "median"]
    if main.get("virt") == "tcg-icount":
        want.append("instruction")
    if is_int(main.get("seed")):
        want.append(f"seed {main['seed']}")
    return absent("how this was timed",
                  section(text, "## How this was timed") or "", want)


def check_report_text(rep, main, companions):
    """report.md's sections, and what they must say about the inputs.
    COMPANIONS: {"repeat": document or None, "price": [documents]} of the
    files that are there."""
    try:
        with open(rep) as f:
            text = f.read()
    except OSError as e:
        return [f"{rep}: {e}"]
    repeat, price_docs = companions.get("repeat"), companions.get("price", [])
    have = set(companions)
    probs = check_sections(text, have) + check_targets(text, main) + \
        check_timing(text, main)
    if repeat is not None:
        probs += check_repeat_section(text, main, repeat)
    if companions.get("http") is not None:
        probs += check_http_section(text, companions["http"])
    return probs + check_price_section(text, price_docs)


def check_report(rdir, paths, extra=()):
    """The plots of every path and the EXTRA ones (names without
    extension): SVG that parses, PNG with its signature."""
    probs = []
    n = 0
    bases = [f"{kind}-{p}-hot" for p in paths for kind in ("throughput", "cpu")]
    for b in bases + list(extra):
        base = os.path.join(rdir, b)
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


# --- http.json: the HTTP servers under wrk (selftests/vm/guest/bench_http.sh) --

# The cells of each profile: sizes, connection counts (bench_http.sh's).
HTTP_PROFILES = {
    "full": ([4 * K, 64 * K, M, 16 * M], [1, 16, 64]),
    "quick": ([4 * K, 64 * K, M, 16 * M], [1, 64]),
    "tiny": ([4 * K, 64 * K], [16]),
}
HTTP_SERVERS = ["serve", "nginx", "lighttpd"]
HTTP_TOP = {
    "schema": lambda v: v == 1,
    "kind": lambda v: v == "http",
    "kernel": is_str,
    "virt": lambda v: v in VIRTS,
    "cpus": lambda v: is_int(v) and v > 0,
    "profile": lambda v: v in HTTP_PROFILES,
    "path": lambda v: v in ("veth", "virtio"),
    "seconds": lambda v: is_int(v) and v > 0,
    "date": lambda v: is_str(v) and iso(v),
    "servers": lambda v: isinstance(v, list),
    "cells": lambda v: isinstance(v, list),
}
# Numbers of a cell without error: (key, lowest value allowed).
HTTP_NUMBERS = [("requests_per_s", 0), ("cpu_ns_per_request", 0),
                ("process_cpu_ns_per_request", 0), ("wrk_requests", 0),
                ("responses", 0), ("window_ns", 0)]


def check_http_server(s):
    if not isinstance(s, dict) or not is_str(s.get("name")):
        return [f"server without a name: {s!r:.80}"]
    kinds = [k for k in ("skipped", "error", "version") if k in s]
    if len(kinds) != 1 or not isinstance(s[kinds[0]], str):
        return [f"server {s['name']}: not one of skipped, error, version"]
    return []


def check_http_cell(c):
    if not isinstance(c, dict):
        return ["a cell is not an object"]
    name = f"{c.get('server')}/{c.get('size')}/{c.get('connections')}"
    probs = []
    if not is_str(c.get("server")) or not is_int(c.get("size")) or \
            not is_int(c.get("connections")):
        return [f"{name}: no server, size or connections"]
    if c.get("error") is not None:
        return [] if is_str(c["error"]) else [f"{name}: bad error"]
    for k, low in HTTP_NUMBERS:
        v = c.get(k)
        if not is_num(v) or v < low or (k == "requests_per_s" and v <= 0):
            probs.append(f"{name}: bad {k}: {v!r}")
    cpb = c.get("copies_per_byte")
    if cpb is not None and (not is_num(cpb) or not 0 <= cpb <= 3):
        probs.append(f"{name}: bad copies_per_byte: {cpb!r}")
    return probs


def check_http_coverage(doc):
    """Every cell of the profile for every server that ran, unless the run
    was narrowed (its "only")."""
    if doc.get("only"):
        return []
    sizes, conns = HTTP_PROFILES.get(doc.get("profile"), ([], []))
    have = {(c.get("server"), c.get("size"), c.get("connections"))
            for c in doc["cells"] if isinstance(c, dict)}
    named = {s.get("name") for s in doc["servers"] if isinstance(s, dict)}
    probs = [f"server {s}: not in the document (run, skipped or failed)"
             for s in HTTP_SERVERS if s not in named]
    for s in doc["servers"]:
        if isinstance(s, dict) and "version" in s:
            probs += [f"{s['name']}: no cell {z} B x{n}" for z in sizes
                      for n in conns if (s["name"], z, n) not in have]
    return probs


def check_http(name, doc):
    """The TAP lines of http.json; False if it is unusable."""
    probs = []
    if not isinstance(doc, dict):
        probs = ["top level is not an object"]
    else:
        probs = [f"missing key {k}" if k not in doc else f"bad {k}: {doc[k]!r:.80}"
                 for k, ok in HTTP_TOP.items() if k not in doc or not ok(doc[k])]
    tap(f"{name}: schema 1, kind http, top-level keys and types", probs)
    if probs:
        return False
    probs = [p for s in doc["servers"] for p in check_http_server(s)] + \
        [p for c in doc["cells"] for p in check_http_cell(c)]
    tap(f"{name}: {len(doc['servers'])} servers, {len(doc['cells'])} cells "
        "have the schema's keys and sane values", probs)
    tap(f"{name}: every server named, every cell of profile "
        f"{doc.get('profile')} for each that ran", check_http_coverage(doc))
    for c in doc["cells"]:
        if isinstance(c, dict) and c.get("error"):
            print(f"# {name}: cell error: {c.get('server')} {c.get('size')} B "
                  f"x{c.get('connections')}: {c['error']}")
    return True


def http_measured(doc):
    return any(isinstance(c, dict) and not c.get("error") for c in doc["cells"])


def check_http_section(text, doc):
    """The section names every server, says which were skipped, has the
    target's line, and a row per cell."""
    body = section(text, "## HTTP servers")
    if body is None:
        return ["no section '## HTTP servers'"]
    labels = {"serve": "zcopyctl serve"}
    probs = []
    for s in doc["servers"]:
        label = labels.get(s.get("name"), s.get("name"))
        if "skipped" in s and f"{label}: skipped" not in body:
            probs.append(f"http: {label} skipped but not said so")
        elif label not in body:
            probs.append(f"http: {label} not named")
    if "- Target: " not in body:
        probs.append("http: no target line")
    rows = len(re.findall(r"^\| \d+ [KM]iB \| \d+ \| ", body, re.M))
    if rows < len(doc["cells"]):
        probs.append(f"http: {rows} rows for {len(doc['cells'])} cells")
    return probs


HTTP_PLOTS = ["http-requests", "http-cpu"]

def load(path):
    """The document, or None after a failed TAP line."""
    name = os.path.basename(path)
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        tap(f"{name}: parses as JSON", [str(e)])
        return None


def check_document(name, doc, coverage):
    """The TAP lines of one document; False if it has no cells to check.
    COVERAGE: (what it checks, problems) of the document's cells."""
    tap(f"{name}: schema 1, top-level keys and types", check_top(doc))
    if not isinstance(doc, dict) or not isinstance(doc.get("cells"), list):
        return False
    form, stats = [], []
    for c in doc["cells"]:
        f, s = check_cell(c)
        form += f
        stats += s
    tap(f"{name}: {len(doc['cells'])} cells have the schema's keys and types", form)
    tap(f"{name}: medians within [min, max], throughput > 0 unless error", stats)
    what, probs = coverage(doc)
    tap(f"{name}: {what}", probs)
    errs = [f"{cell_name(c)}: {c.get('error')}" for c in doc["cells"]
            if isinstance(c, dict) and c.get("error")]
    for e in errs[:20]:
        print(f"# {name}: cell error: {e}")
    return True


def check_companions(indir, main):
    """bench-repeat.json and the price documents beside bench.json:
    {"repeat": document or None, "price": [documents]}, a key for each
    kind of file that is there; the documents that passed their checks."""
    found = {}
    rpath = os.path.join(indir, "bench-repeat.json")
    if os.path.exists(rpath):
        doc = load(rpath)
        ok = doc is not None and check_document(
            "bench-repeat.json", doc,
            lambda d: ("the cells of bench.json, another seed",
                       check_repeat(d, main)))
        found["repeat"] = doc if ok else None
    hpath = os.path.join(indir, "http.json")
    if os.path.exists(hpath):
        doc = load(hpath)
        found["http"] = doc if doc is not None and check_http("http.json", doc) \
            else None
    files = sorted(glob.glob(os.path.join(indir, "price-*.json")))
    if files:
        found["price"] = []
        tap(f"price documents: {len(files)}, unloaded and loaded in pairs",
            check_price_set(files))
    for f in files:
        doc = load(f)
        if doc is not None and check_document(
                os.path.basename(f), doc,
                lambda d: (f"{', '.join(PRICE_METHODS)} on {PRICE_PATH}, "
                           "1 and 16 MiB, hot", check_price(d))):
            found["price"].append(doc)
    return found


def check_http_only(name, doc, rdir):
    """http.json given alone (BENCH_ONLY=http): it, its plots, its section."""
    if not check_http(name, doc):
        return 1
    if rdir:
        probs, n = check_report(rdir, [], HTTP_PLOTS if http_measured(doc) else [])
        tap(f"bench report: {n} plots (SVG parses, PNG signature)", probs)
        try:
            with open(os.path.join(rdir, "report.md")) as f:
                probs = check_http_section(f.read(), doc)
        except OSError as e:
            probs = [str(e)]
        tap("bench report: the HTTP servers' section", probs)
    return 0 if all(results) else 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("json")
    ap.add_argument("--paths", default="virtio,veth,loopback",
                    help="paths that must be covered (comma separated)")
    ap.add_argument("--report-dir", help="also check report.md and the plots")
    args = ap.parse_args()
    paths = [p for p in args.paths.split(",") if p]

    doc = load(args.json)
    name = os.path.basename(args.json)
    if isinstance(doc, dict) and doc.get("kind") == "http":
        return check_http_only(name, doc, args.report_dir)
    if doc is None or not check_document(
            name, doc,
            lambda d: (f"every method on every path ({', '.join(paths)}), "
                       f"profile {d.get('profile')}", check_coverage(d, paths))):
        return 1
    companions = check_companions(os.path.dirname(os.path.abspath(args.json)), doc)
    if args.report_dir:
        seen = seen_paths(doc)
        http = companions.get("http")
        probs, n = check_report(args.report_dir, [p for p in paths if p in seen],
                                HTTP_PLOTS if http and http_measured(http) else [])
        tap(f"bench report: {n} plots (SVG parses, PNG signature)", probs)
        tap("bench report: report.md's sections and what they say",
            check_report_text(os.path.join(args.report_dir, "report.md"), doc,
                              companions))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
