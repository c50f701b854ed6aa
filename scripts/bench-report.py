#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Turn a `zcopyctl bench` result (bench.json, schema 1) into report.md and
gnuplot plots (SVG and PNG) in the same directory, or in --out DIR.

    bench-report.py [--out DIR] [--no-plots] bench.json

Beside bench.json it also reads, when they are there: bench-repeat.json (a
second pass, for the repeatability table) and price-unloaded-N.json /
price-loaded-N.json (sendfile and read + write without and with the
module loaded, for the module's price).

With http.json beside it (the HTTP servers under wrk,
selftests/vm/guest/bench_http.sh), a section "HTTP servers" and the plots
http-requests and http-cpu; given http.json alone (BENCH_ONLY=http), that
section only.

Plots, per path, hot cache: throughput-PATH-hot.{svg,png} (MiB/s against
file size) and cpu-PATH-hot.{svg,png} (sender CPU ms/MiB against file
size), one line per method with [min-max] error bars. A missing or failed
cell is "n/a" in the report and no point in a plot; nothing in the input
makes this script fail except an unreadable bench.json. Python 3 standard
library and gnuplot only.

Byte counts, syscalls and context switches in a cell are taken as per
transfer, as zcopyctl bench reports them.
"""

import argparse
import collections
import glob
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

MIB = 1 << 20
KIB4 = 4096

# Method ids in report order, with a label and a plot style (colour,
# dash type): a batch variant shares its mode's colour, dashed.
METHODS = [
    ("read_write", "read + write", "#1f77b4", 1),
    ("mmap_write", "mmap + write", "#ff7f0e", 1),
    ("sendfile", "sendfile", "#2ca02c", 1),
    ("splice", "splice", "#17becf", 1),
    ("msg_zerocopy", "MSG_ZEROCOPY", "#8c564b", 1),
    ("io_uring_send_zc", "io_uring SEND_ZC", "#e377c2", 1),
    ("sendfile_batch", "sendfile batch", "#2ca02c", 2),
    ("io_uring_splice_batch", "io_uring splice batch", "#17becf", 2),
    ("zcopy_copy", "zcopy copy", "#7f7f7f", 1),
    ("zcopy_mmap", "zcopy mmap", "#bcbd22", 1),
    ("zcopy_sendfile", "zcopy sendfile", "#9467bd", 1),
    ("zcopy_sg", "zcopy sg", "#d62728", 1),
    ("zcopy_copy_batch", "zcopy copy batch", "#7f7f7f", 2),
    ("zcopy_mmap_batch", "zcopy mmap batch", "#bcbd22", 2),
    ("zcopy_sendfile_batch", "zcopy sendfile batch", "#9467bd", 2),
    ("zcopy_sg_batch", "zcopy sg batch", "#d62728", 2),
]
METHOD_IDS = [m[0] for m in METHODS]
PATH_ORDER = ["virtio", "veth", "loopback"]
# The paths whose NIC gathers (scatter/gather): the targets are about them.
SG_PATHS = ["virtio", "veth"]
# The 4 KiB target's fair opponents: user space, batched, same drain rule.
USER_BATCH = ["sendfile_batch", "io_uring_splice_batch"]

CPU = "sender_cpu_ns_per_mib"
SYS = "system_cpu_ns_per_mib"
TP = "throughput_mib_s"
TPS = "transfers_per_s"
COPIES = "cpu_copy_per_byte"

# What one unit of time is, per value of bench.json's "virt": a name, the
# meaning of guest time, and how to read ms/MiB and MiB/s.
CLOCKS = {
    "tcg-icount": (
        "QEMU TCG with instruction counting (-icount shift=0,sleep=off)",
        "1 ns of guest time is 1 guest instruction executed; idle time is "
        "skipped, so host load does not reach the numbers (except where the "
        "host is in the data path: the virtio path's tap bridge)",
        "CPU ms/MiB = millions of guest instructions per MiB; MiB/s = MiB "
        "per 10^9 instructions of wall time",
        "1 ms = 10^6 guest instructions"),
    "tcg": (
        "QEMU TCG (an emulated CPU)",
        "guest time is the host's wall clock, so host load and emulation "
        "speed land in every number",
        "CPU ms/MiB and MiB/s are host time of an emulated CPU: compare "
        "methods with each other, not with hardware",
        "host wall clock, emulated CPU"),
    "kvm": (
        "KVM (hardware virtualisation)",
        "guest time is real time",
        "CPU ms/MiB and MiB/s are real time",
        "real time"),
}

# The textbook's table: CPU copies, DMA copies, context switches, and the
# row of it each method is the measured counterpart of.
TEXTBOOK = {
    "read + write": (2, 2, 4),
    "mmap + write": (1, 2, 4),
    "sendfile": (1, 2, 2),
    "sendfile + DMA gather": (0, 2, 2),
}
TEXTBOOK_ROW = {
    "read_write": "read + write",
    "mmap_write": "mmap + write",
    "sendfile": "sendfile",
    "splice": "sendfile",
    "sendfile_batch": "sendfile",
    "io_uring_splice_batch": "sendfile",
    "zcopy_copy": "read + write",
    "zcopy_mmap": "mmap + write",
    "zcopy_sendfile": "sendfile",
    "zcopy_sg": "sendfile + DMA gather",
    "zcopy_copy_batch": "read + write",
    "zcopy_mmap_batch": "mmap + write",
    "zcopy_sendfile_batch": "sendfile",
    "zcopy_sg_batch": "sendfile + DMA gather",
}
# User-space methods that send page references: the call that does it.
PAGE_REF_CALLS = {
    "sendfile": "sendfile(2)",
    "splice": "splice(2)",
    "sendfile_batch": "sendfile(2)",
    "io_uring_splice_batch": "IORING_OP_SPLICE",
}


# --- reading the cells ------------------------------------------------------


def num(v):
    """A finite number or None, whatever v is."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return v if math.isfinite(v) else None


def stat(cell, key, part="median"):
    """One part (median, min, max) of a cell's statistic, or None."""
    if not isinstance(cell, dict) or cell.get("error"):
        return None
    s = cell.get(key)
    return num(s.get(part)) if isinstance(s, dict) else None


def is_batch(method):
    return isinstance(method, str) and method.endswith("_batch")


class Cells:
    """One bench document: its top-level keys and its cells by
    (path, method, observer on, size, cache)."""

    def __init__(self, doc, name="bench.json"):
        self.doc = doc if isinstance(doc, dict) else {}
        self.name = name
        self.by_key = {}
        cells = self.doc.get("cells")
        for c in cells if isinstance(cells, list) else []:
            if not isinstance(c, dict):
                continue
            size = num(c.get("size"))
            variant = "cgroup" if c.get("cgroup_observed") is True else \
                c.get("observer") is not False
            key = (c.get("path"), c.get("method"), variant,
                   int(size) if size is not None else None, c.get("cache"))
            self.by_key[key] = c
        keys = list(self.by_key)
        seen_paths = {k[0] for k in keys if isinstance(k[0], str)}
        self.paths = [p for p in PATH_ORDER if p in seen_paths] + \
            sorted(seen_paths - set(PATH_ORDER))
        self.sizes = sorted({k[3] for k in keys if k[3] is not None})
        self.caches = [c for c in ("hot", "cold") if any(k[4] == c for k in keys)]
        known = set(METHOD_IDS)
        self.methods = METHOD_IDS + sorted({k[1] for k in keys
                                            if isinstance(k[1], str)} - known)

    def get(self, path, method, size, cache, observer=True):
        return self.by_key.get((path, method, observer, size, cache))

    def top(self, key):
        return self.doc.get(key)

    def sizes_on(self, path, cache="hot"):
        """The sizes with a measured throughput on PATH/CACHE."""
        return [s for s in self.sizes
                if any(stat(self.get(path, m, s, cache), TP) is not None
                       for m in self.methods)]

    def errors(self):
        return [c for c in self.by_key.values() if c.get("error")]


def load_json(path):
    """(document, None) or (None, why not)."""
    try:
        with open(path) as f:
            return json.load(f), None
    except (OSError, ValueError) as e:
        return None, str(e)


def load_optional(path, problems, make=None):
    """Cells of an optional input (or MAKE(document)), or None; why it is
    unusable goes to PROBLEMS and stderr."""
    doc, err = load_json(path)
    name = os.path.basename(path)
    if err is None and not isinstance(doc, dict):
        err = "not a JSON object"
    if err is not None:
        problems.append(f"{name}: {err}")
        print(f"bench-report: {path}: {err}", file=sys.stderr)
        return None
    return make(doc) if make else Cells(doc, name)


def price_files(indir, state):
    """price-STATE-N.json in INDIR, in the order of N."""
    def n(f):
        m = re.search(r"-(\d+)\.json$", f)
        return int(m.group(1)) if m else 0
    return sorted(glob.glob(os.path.join(indir, f"price-{state}-*.json")), key=n)


class Inputs:
    """bench.json and what was measured beside it."""

    def __init__(self, main, indir):
        self.main = main
        self.problems = []
        rep = os.path.join(indir, "bench-repeat.json")
        self.repeat_present = os.path.exists(rep)
        self.repeat = load_optional(rep, self.problems) if self.repeat_present else None
        self.price = {}
        self.price_present = False
        for state in ("unloaded", "loaded"):
            files = price_files(indir, state)
            self.price_present |= bool(files)
            docs = [load_optional(f, self.problems) for f in files]
            self.price[state] = [d for d in docs if d is not None]

    def documents(self):
        extra = [self.repeat] if self.repeat else []
        return [self.main] + extra + self.price["unloaded"] + self.price["loaded"]


# --- formatting ---------------------------------------------------------------


def fmt_size(n):
    if n is None:
        return "n/a"
    for unit, mult in (("GiB", 1 << 30), ("MiB", MIB), ("KiB", 1 << 10)):
        if n >= mult and n % mult == 0:
            return f"{n // mult} {unit}"
    return f"{n} B"


def short_size(n):
    for unit, mult in (("G", 1 << 30), ("M", MIB), ("K", 1 << 10)):
        if n >= mult and n % mult == 0:
            return f"{n // mult}{unit}"
    return str(n)


def fmt_num(v, digits=3):
    """Three significant digits, no exponent for ordinary magnitudes."""
    if v is None:
        return "n/a"
    if v == 0:
        return "0"
    mag = math.floor(math.log10(abs(v)))
    if mag >= digits - 1:
        return f"{v:,.0f}"
    return f"{v:.{max(0, digits - 1 - mag)}f}"


def fmt_fixed(v):
    return "n/a" if v is None else f"{v:.2f}"


def to_ms(ns):
    return None if ns is None else ns / 1e6


# How a statistic is shown: a scale from the JSON's unit, and a unit.
SHOWN = {
    CPU: (1e-6, "ms/MiB"),
    SYS: (1e-6, "ms/MiB"),
    "observer_ns_per_mib": (1e-6, "ms/MiB"),
    TP: (1, "MiB/s"),
    TPS: (1, "/s"),
}


def shown(key, v):
    return None if v is None else v * SHOWN.get(key, (1, ""))[0]


def fmt_value(key, v, unit=True):
    """A statistic in its display unit: `12.3 ms/MiB`."""
    text = fmt_num(shown(key, v))
    u = SHOWN.get(key, (1, ""))[1]
    if not unit or v is None or not u:
        return text
    return text + u if u.startswith("/") else f"{text} {u}"


def fmt_spread(cell, key):
    """`median [min-max]` of a cell's statistic, in its display unit."""
    med = shown(key, stat(cell, key))
    lo, hi = shown(key, stat(cell, key, "min")), shown(key, stat(cell, key, "max"))
    s = fmt_num(med)
    if med is not None and lo is not None and hi is not None:
        s += f" [{fmt_num(lo)}-{fmt_num(hi)}]"
    return s


def fmt_ratio(v, kind="ratio"):
    """ratio: 0.82; pct: a signed change, +2.1 %; share: a part, 3.8 %;
    diff: an unsigned difference, 2.1 %."""
    if v is None:
        return "n/a"
    if kind == "ratio":
        return f"{v:.2f}"
    return f"{v * 100:+.1f} %" if kind == "pct" else f"{v * 100:.1f} %"


def md_escape(s):
    return str(s).replace("|", "\\|").replace("\n", " ")


def method_label(m, observer=True):
    return f"`{m}`" + {True: "", False: " (observer off)",
                       "cgroup": " (cgroup observed)"}[observer]


def verdict(v, ok):
    if ok is None:
        return "info"
    return "n/a" if v is None else ("met" if ok(v) else "not met")


def table(head, align, rows):
    """A markdown table: HEAD the titles, ALIGN one of l/r per column."""
    sep = "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"
    return ["| " + " | ".join(head) + " |", sep] + \
        ["| " + " | ".join(str(x) for x in r) + " |" for r in rows]


def ratio(a, b):
    return a / b if a is not None and b not in (None, 0) else None


def rel_diff(a, b):
    """|b - a| / a, or None."""
    return abs(b - a) / a if a not in (None, 0) and b is not None else None


def clock(cells):
    """CLOCKS' entry for the run's "virt", or a neutral one."""
    virt = cells.top("virt")
    return CLOCKS.get(virt, ("a clock this report does not know",
                             "guest time as the kernel's clocks give it",
                             "CPU ms/MiB and MiB/s as measured",
                             "as measured"))


# --- measures shared by the summary and the targets ------------------------------

# value: the number a goal applies to; detail: what it was computed from;
# who: the opponent chosen by the measure, if it chose one.
Measured = collections.namedtuple("Measured", "value detail who")


def method_ratio(key, a, b):
    """A measure: KEY of method A / KEY of method B, hot cache."""
    def measure(cells, path, size):
        va = stat(cells.get(path, a, size, "hot"), key)
        vb = stat(cells.get(path, b, size, "hot"), key)
        return Measured(ratio(va, vb), f"{fmt_value(key, va, False)} / "
                        f"{fmt_value(key, vb)}", None)
    return measure


def observer_by_difference(cells, path, size):
    on = stat(cells.get(path, "zcopy_sg", size, "hot"), CPU)
    off = stat(cells.get(path, "zcopy_sg", size, "hot", False), CPU)
    r = ratio(on, off)
    return Measured(r - 1 if r is not None else None,
                    f"on {fmt_value(CPU, on, False)} / off {fmt_value(CPU, off)}",
                    None)


def cgroup_observed_by_difference(cells, path, size):
    on = stat(cells.get(path, "sendfile", size, "hot", "cgroup"), CPU)
    off = stat(cells.get(path, "sendfile", size, "hot", False), CPU)
    r = ratio(on, off)
    return Measured(r - 1 if r is not None else None,
                    f"cgroup {fmt_value(CPU, on, False)} / unobserved "
                    f"{fmt_value(CPU, off)}", None)


def cgroup_observed_direct(cells, path, size):
    obs = stat(cells.get(path, "sendfile", size, "hot", "cgroup"), "observer_ns_per_mib")
    cpu = stat(cells.get(path, "sendfile", size, "hot", False), CPU)
    return Measured(ratio(obs, cpu), f"{fmt_value(CPU, obs, False)} / "
                    f"{fmt_value(CPU, cpu)}", None)


def observer_direct(cells, path, size):
    c = cells.get(path, "zcopy_sg", size, "hot")
    obs, cpu = stat(c, "observer_ns_per_mib"), stat(c, CPU)
    return Measured(ratio(obs, cpu), f"{fmt_value(CPU, obs, False)} / "
                    f"{fmt_value(CPU, cpu)}", None)


def ranked(cells, path, size, key, methods, highest):
    """[(method, median)] of METHODS with KEY measured, best first."""
    vals = [(m, stat(cells.get(path, m, size, "hot"), key)) for m in methods]
    vals = [(m, v) for m, v in vals if v is not None]
    return sorted(vals, key=lambda mv: mv[1], reverse=highest)


def batch_vs_user_batch(cells, path, size):
    z = stat(cells.get(path, "zcopy_sg_batch", size, "hot"), TPS)
    best = (ranked(cells, path, size, TPS, USER_BATCH, True) or [(None, None)])[0]
    who = f"`{best[0]}`" if best[0] else "best user batch"
    return Measured(ratio(z, best[1]), f"{fmt_value(TPS, z)} / {who} "
                    f"{fmt_value(TPS, best[1])}", best[0])


def batch_ceiling(cells, path, size):
    """transfers/s zcopy_sg_batch would reach if its sender cost nothing:
    the best user batch's wall time per transfer over the part of it that
    is not its sender's CPU (receiver, softirq, waits)."""
    best = (ranked(cells, path, size, TPS, USER_BATCH, True) or [(None, None)])[0]
    c = cells.get(path, best[0], size, "hot") if best[0] else None
    tps, cpu = stat(c, TPS), stat(c, CPU)
    if not tps or cpu is None:
        return Measured(None, "n/a", best[0])
    wall = 1e9 / tps
    sender = cpu * size / MIB
    rest = wall - sender
    return Measured(wall / rest if rest > 0 else None,
                    f"{wall / 1e3:.1f} us per transfer, "
                    f"{sender / 1e3:.1f} us of it the sender's CPU", best[0])


Target = collections.namedtuple("Target",
                                "name sizes goal ok kind measure rationale")
TARGETS = [
    Target("zcopy_sg sender CPU/MiB / sendfile sender CPU/MiB", "big",
           "<= 0.9", lambda v: v <= 0.9, "ratio", method_ratio(CPU, "zcopy_sg", "sendfile"),
           "sg has no pipe and no per-call syscall: it should cost less than "
           "sendfile(2), which already sends page references, 16 pages per "
           "splice round trip"),
    Target("zcopy_sg throughput / sendfile throughput", "big",
           ">= 1.0", lambda v: v >= 1.0, "ratio", method_ratio(TP, "zcopy_sg", "sendfile"),
           "the same page references sent with less CPU must not arrive later"),
    Target("observer overhead by difference: zcopy_sg CPU/MiB observer on / "
           "off - 1", "big", "<= 3 %", lambda v: v <= 0.03, "pct",
           observer_by_difference,
           "the observer (copy and DMA accounting) must be cheap enough to "
           "leave on"),
    Target("cost of observing a busy cgroup: sendfile sender CPU/MiB with "
           "the sender's whole cgroup observed / unobserved - 1", "big",
           "<= 3 %", lambda v: v <= 0.03, "pct", cgroup_observed_by_difference,
           "`zcopyctl observe --cgroup` on a production server must not "
           "change what it measures: every socket of the cgroup pays the "
           "cgroup test, and every skb of it the classification"),
    Target("cost of observing a busy cgroup measured directly: "
           "observer_ns/MiB / sendfile sender CPU/MiB (unobserved)", "big",
           "(information)", None, "share", cgroup_observed_direct,
           "the probes' own clock, as for zcopy_sg below: the difference "
           "above is within the noise of two cells"),
    Target("zcopy_sg_batch transfers/s / best of sendfile_batch and "
           "io_uring_splice_batch transfers/s", "4k", ">= 2.0",
           lambda v: v >= 2.0, "ratio", batch_vs_user_batch,
           "at 4 KiB the per-file cost dominates: one submit per batch should "
           "beat user space's best batch, drained by the same rule"),
    Target("ceiling of the 4 KiB batch ratio: best user batch's wall time "
           "per transfer / its part not spent by its sender", "4k",
           "(information)", None, "ratio", batch_ceiling,
           "on one CPU (the bench VM under instruction counting) the "
           "receiver, softirqs and waits take their share of every "
           "transfer whoever sends: a sender that cost nothing would "
           "reach this ratio, and no more"),
    Target("zcopy_sg sender CPU/MiB / read_write sender CPU/MiB", "big",
           "<= 0.5", lambda v: v <= 0.5, "ratio", method_ratio(CPU, "zcopy_sg", "read_write"),
           "read + write copies every byte twice through user space; sg "
           "copies none"),
    Target("observer overhead measured directly: observer_ns/MiB / zcopy_sg "
           "sender CPU/MiB (observer on)", "big", "(information)", None,
           "share", observer_direct,
           "the module's clock around its probes: free of run-to-run noise, "
           "blind to the cache misses the probes cause"),
]


def target_sizes(cells, target):
    if target.sizes == "4k":
        return [KIB4]
    return [s for s in cells.sizes if s >= MIB] or [None]


def summary_paths(cells):
    """The SG paths, or whatever paths there are if the run has none."""
    return [p for p in SG_PATHS if p in cells.paths] or cells.paths


# --- report.md: the answers first ---------------------------------------------------


def best_text(cells, path, size, key, methods, highest):
    """`m` value (next `m2` value2), or n/a."""
    r = ranked(cells, path, size, key, methods, highest)
    if not r:
        return "n/a"
    s = f"`{r[0][0]}` {fmt_value(key, r[0][1])}"
    if len(r) > 1:
        s += f" (next `{r[1][0]}` {fmt_value(key, r[1][1], False)})"
    return s


def use_when(inputs):
    cells = inputs.main
    single = [m for m in cells.methods if not is_batch(m)]
    batch = [m for m in cells.methods if is_batch(m)]
    out = ["## Which method to use when", "",
           "Generated from this run's medians, hot cache, observer on; \"next\"",
           "is the runner-up. One at a time: a file per call, drained after",
           "each; in batches: the *_batch methods, drained once per batch.",
           repeat_noise(inputs), ""]
    rows = []
    for path in summary_paths(cells):
        for s in cells.sizes_on(path):
            rows.append([path, fmt_size(s),
                         best_text(cells, path, s, CPU, single, False),
                         best_text(cells, path, s, TP, single, True),
                         best_text(cells, path, s, CPU, batch, False),
                         best_text(cells, path, s, TP, batch, True)])
    if not rows:
        return out + ["n/a: no hot-cache cells.", ""]
    return out + table(["path", "size", "least CPU, one at a time",
                        "most throughput, one at a time",
                        "least CPU, in batches", "most throughput, in batches"],
                       "llllll", rows) + [""]


def target_facts(cells, target):
    """One line: TARGET's measured values on every SG path and size."""
    parts, met, n = [], 0, 0
    for path in summary_paths(cells):
        vals = []
        for s in target_sizes(cells, target):
            if s is None:
                vals.append("n/a (no size >= 1 MiB)")
                continue
            m = target.measure(cells, path, s)
            who = f" vs `{m.who}`" if m.who else ""
            vals.append(f"{fmt_ratio(m.value, target.kind)} at {fmt_size(s)}{who}")
            if m.value is not None and target.ok:
                n += 1
                met += bool(target.ok(m.value))
        parts.append(f"{path} " + ", ".join(vals))
    if target.ok is None:
        tally = "information"
    else:
        tally = f"goal {target.goal}: " + (f"met at {met} of {n}" if n else "n/a")
    return f"- {target.name}: " + "; ".join(parts) + f" ({tally})."


def copies_fact(cells, path):
    """CPU copies per byte of every method on PATH, at the largest hot size."""
    s = (cells.sizes_on(path) or [None])[-1]
    vals = [f"`{m}` {fmt_fixed(stat(cells.get(path, m, s, 'hot'), COPIES))}"
            for m in cells.methods if cells.get(path, m, s, "hot")]
    return (f"- CPU copies per byte sent, {path}, {fmt_size(s)}, hot: "
            + (", ".join(vals) or "n/a") + ".")


def what_zcopy_buys(cells):
    out = ["## What zcopy buys", "",
           "The targets below, measured on " + (", ".join(summary_paths(cells)) or "n/a")
           + " (hot cache):", ""]
    out += [target_facts(cells, t) for t in TARGETS]
    out += [copies_fact(cells, p) for p in summary_paths(cells)]
    return out + [""]


# --- report.md: what was measured, and how well it repeats -----------------------


def header(inputs):
    cells = inputs.main

    def g(k):
        v = cells.top(k)
        return "n/a" if v is None or v == "" else md_escape(v)

    dur = num(cells.top("duration_s"))
    name, meaning, units, _ = clock(cells)
    rep = inputs.repeat
    if rep:
        second = f"bench-repeat.json: seed {md_escape(rep.top('seed'))}, " \
            f"{len(rep.by_key)} cells"
    else:
        second = "unreadable" if inputs.repeat_present else "none"
    price = inputs.price
    rows = [
        ["kernel", f"{g('kernel')} ({g('machine')})"],
        ["CPU", f"{g('cpu_model')}, CPUs: {g('cpus')}"],
        ["virtualisation", f"{g('virt')}: {md_escape(name)}; {md_escape(meaning)}"],
        ["time unit", md_escape(units)],
        ["profile", f"{g('profile')}: {g('runs')} runs + {g('warmup')} warm-up per cell"],
        ["order", f"{g('order')}, seed {g('seed')}"],
        ["observer probes", g("observer_probes")],
        ["date", f"{g('started')}, took {fmt_num(dur)} s" if dur is not None
         else g("started")],
        ["tool", f"zcopyctl {g('tool_version')}"],
        ["cells", f"{len(cells.by_key)}, {len(cells.errors())} with an error"],
        ["paths", ", ".join(cells.paths) or "none"],
        ["sizes", ", ".join(fmt_size(s) for s in cells.sizes) or "none"],
        ["second pass", second],
        ["module price", f"{len(price['unloaded'])} unloaded + "
         f"{len(price['loaded'])} loaded documents"
         if price["unloaded"] or price["loaded"] else "none"],
    ]
    return ["## This run", ""] + table(["", ""], "ll", rows) + [""]


def target_rows(cells, path):
    rows = []
    for t in TARGETS:
        for i, s in enumerate(target_sizes(cells, t)):
            m = t.measure(cells, path, s)
            rows.append([t.name, fmt_size(s), fmt_ratio(m.value, t.kind),
                         md_escape(m.detail), t.goal, verdict(m.value, t.ok),
                         t.rationale if i == 0 else ""])
    return rows


def targets(cells):
    out = ["## Targets", "",
           "Per SG path, hot cache, sizes >= 1 MiB unless said; \"from\" is",
           "what the value was computed from (medians). The observer's",
           "overhead is given twice: by the difference of two cells' CPU, and",
           "measured directly (the module's clock around its probes, STATS",
           "observer_ns) as information.", ""]
    for path in SG_PATHS:
        out += [f"### {path}", ""]
        out += table(["target", "size", "measured", "from", "goal", "verdict",
                      "rationale"], "llrllll", target_rows(cells, path))
        out.append("")
    return out


def repeat_pairs(cells, repeat):
    """[(key, pass 1 cell, pass 2 cell)]: hot, >= 1 MiB, SG paths, in both."""
    order = {m: i for i, m in enumerate(cells.methods)}
    keys = [k for k in cells.by_key
            if k[0] in SG_PATHS and k[4] == "hot" and k[3] is not None
            and k[3] >= MIB and k in repeat.by_key
            and not cells.by_key[k].get("error")
            and not repeat.by_key[k].get("error")]
    keys.sort(key=lambda k: (SG_PATHS.index(k[0]), k[3],
                             order.get(k[1], len(order)), not k[2]))
    return [(k, cells.by_key[k], repeat.by_key[k]) for k in keys]


# What the repeatability table compares, and how it names it.
REPEATED = ((CPU, "CPU"), (TP, "throughput"))


def repeat_diffs(cells, repeat):
    """{cell key: [(stat key, pass 1, pass 2, difference)]}, in table order."""
    out = {}
    for key, a, b in repeat_pairs(cells, repeat):
        vals = [(k, stat(a, k), stat(b, k)) for k, _ in REPEATED]
        out[key] = [(k, va, vb, rel_diff(va, vb)) for k, va, vb in vals]
    return out


def diffs_of(diffs, key):
    return [d for vals in diffs.values() for k, _, _, d in vals
            if k == key and d is not None]


def repeat_summary(diffs):
    """The tally and the worst cell of repeat_diffs()."""
    parts = []
    for key, label in REPEATED:
        ds = diffs_of(diffs, key)
        parts.append(f"{label}: {sum(d <= 0.05 for d in ds)} of {len(ds)} "
                     "cells within 5 %")
    measured = [(d, ck, k) for ck, vals in diffs.items()
                for k, _, _, d in vals if d is not None]
    if measured:
        d, ck, k = max(measured, key=lambda x: x[0])
        parts.append(f"worst: {method_label(ck[1], ck[2])} {ck[0]} "
                     f"{fmt_size(ck[3])}, {dict(REPEATED)[k]} {fmt_ratio(d, 'diff')}")
    return "; ".join(parts) + "."


def repeat_noise(inputs):
    """One sentence: how far a ranking of this run can be trusted."""
    if inputs.repeat is None:
        why = "unreadable" if inputs.repeat_present else "none"
        return f"Second pass (bench-repeat.json): {why}; how well these " \
            "rankings repeat is not known."
    diffs = repeat_diffs(inputs.main, inputs.repeat)
    meds = []
    for key, label in REPEATED:
        ds = diffs_of(diffs, key)
        meds.append(f"{fmt_ratio(statistics.median(ds) if ds else None, 'diff')} "
                    f"in {label}")
    return "The second pass differs from this one by a median of " + \
        " and ".join(meds) + " (>= 1 MiB, see Repeatability): a lead " \
        "smaller than that is not resolved."


def repeatability(inputs):
    if not inputs.repeat_present:
        return []
    out = ["## Repeatability", ""]
    if inputs.repeat is None:
        return out + ["n/a: bench-repeat.json is unreadable.", ""]
    rep = inputs.repeat
    out += ["bench-repeat.json is a second full pass run right after this one",
            f"(seed {md_escape(rep.top('seed'))}, another order). Every hot cell",
            "of >= 1 MiB on virtio and veth measured without error in both;",
            "difference = |pass 2 - pass 1| / pass 1, of the medians.", ""]
    diffs = repeat_diffs(inputs.main, rep)
    rows = []
    for key, vals in diffs.items():
        row = [method_label(key[1], key[2]), key[0], fmt_size(key[3])]
        for k, va, vb, d in vals:
            row += [fmt_value(k, va, False), fmt_value(k, vb, False),
                    fmt_ratio(d, "diff")]
        ok = all(d is not None and d <= 0.05 for *_, d in vals)
        rows.append(row + ["yes" if ok else "no"])
    if not rows:
        return out + ["n/a: no cell measured in both passes.", ""]
    seen = {k[0] for k in diffs}
    for path in [p for p in PATH_ORDER if p in seen] + sorted(seen - set(PATH_ORDER)):
        sub = {k: v for k, v in diffs.items() if k[0] == path}
        out += [f"**{path}: {repeat_summary(sub)}**", ""]
    if "virtio" in seen:
        out += ["The virtio path's packets cross the host's tap bridge, "
                "which runs in the host's real time while the guest's clock "
                "counts instructions: how many instructions pass while the "
                "host forwards a packet depends on the host's load, so "
                "instruction counting cannot make that path repeat. veth "
                "(no host in the data path) is the repeatable SG path.", ""]
    return out + table(["method", "path", "size", "CPU ms/MiB pass 1", "pass 2",
                        "difference", "MiB/s pass 1", "pass 2", "difference",
                        "within 5 %"], "lllrrrrrrl", rows) + [""]


# --- report.md: the module's price ---------------------------------------------------


def pooled(docs, key):
    """{(path, method, size, cache): (median of the medians, min, max)},
    observer on."""
    acc = collections.defaultdict(lambda: ([], [], []))
    for d in docs:
        for k, c in d.by_key.items():
            if not k[2]:
                continue
            for part, lst in zip(("median", "min", "max"), acc[k[:2] + k[3:]]):
                v = stat(c, key, part)
                if v is not None:
                    lst.append(v)
    return {k: (statistics.median(med), min(lo), max(hi))
            for k, (med, lo, hi) in acc.items() if med and lo and hi}


def fmt_pooled(key, p):
    if p is None:
        return "n/a"
    return f"{fmt_value(key, p[0], False)} [{fmt_value(key, p[1], False)}-" \
        f"{fmt_value(key, p[2], False)}]"


def file_spread(docs, key):
    """The largest (max - min) / min of one cell's medians over DOCS."""
    vals = collections.defaultdict(list)
    for d in docs:
        for k, c in d.by_key.items():
            v = stat(c, key)
            if v:
                vals[k].append(v)
    spreads = [(max(v) - min(v)) / min(v) for v in vals.values() if len(v) > 1]
    return max(spreads) if spreads else None


# CPU must not rise and throughput must not fall by more than 1 %.
PRICE_GOALS = [(CPU, "<= +1 %", lambda v: v <= 0.01),
               (TP, ">= -1 %", lambda v: v >= -0.01)]


def price_rows(unloaded, loaded):
    """A row per cell of the price documents: each goal's statistic
    unloaded, loaded, the change and the verdict."""
    pools = {k: (pooled(unloaded, k), pooled(loaded, k)) for k, *_ in PRICE_GOALS}
    order = {m: i for i, m in enumerate(METHOD_IDS)}
    keys = sorted({k for pair in pools.values() for pool in pair for k in pool},
                  key=lambda k: (str(k[0]), order.get(k[1], len(order)), k[2] or 0,
                                 str(k[3])))
    rows = []
    for k in keys:
        row = [md_escape(k[0]), method_label(k[1]), fmt_size(k[2]), md_escape(k[3])]
        for key, _, ok in PRICE_GOALS:
            before, after = (pool.get(k) for pool in pools[key])
            r = ratio(after[0] if after else None, before[0] if before else None)
            change = r - 1 if r is not None else None
            row += [fmt_pooled(key, before), fmt_pooled(key, after),
                    fmt_ratio(change, "pct"), verdict(change, ok)]
        rows.append(row)
    return rows


def module_price(inputs):
    unloaded, loaded = inputs.price["unloaded"], inputs.price["loaded"]
    if not inputs.price_present:
        return []
    out = ["## Module price", "",
           "What loading zcopy costs a machine that does not use it: the same",
           "cells with the module unloaded (price-unloaded-N.json) and loaded",
           "but idle (price-loaded-N.json), taken alternately. Each value is",
           "the median of the documents' medians (a document keeps a median,",
           "min and max per cell, not its runs), [min-max] over all their runs;",
           "change = loaded / unloaded - 1.", ""]
    rows = price_rows(unloaded, loaded)
    if not rows:
        return out + ["n/a: no measured cell in a readable price document.", ""]
    out += table(["path", "method", "size", "cache", "CPU ms/MiB unloaded",
                  "loaded", "change", f"CPU {PRICE_GOALS[0][1]}",
                  "MiB/s unloaded", "loaded", "change",
                  f"throughput {PRICE_GOALS[1][1]}"], "llllrrrlrrrl", rows)
    return out + ["", price_noise(unloaded), ""]


def price_noise(unloaded):
    """One sentence: how far the unloaded documents agree among themselves."""
    spread = [(label, file_spread(unloaded, key)) for key, label in REPEATED]
    if any(v is None for _, v in spread):
        return "Noise: not known (fewer than two unloaded documents measured a cell)."
    return "Noise: the unloaded documents' medians of one cell differ by up to " + \
        ", ".join(f"{fmt_ratio(v, 'diff')} in {label}" for label, v in spread) + \
        " among themselves; a change smaller than that is not resolved."


# --- report.md: the measurements -------------------------------------------------------


def cell_text(c):
    if c is None:
        return "n/a"
    if c.get("error"):
        return f"error: {md_escape(c['error'])}"
    s = f"**{fmt_spread(c, TP)}** MiB/s"
    s += f"<br>cpu {fmt_spread(c, CPU)}, sys {fmt_spread(c, SYS)} ms/MiB"
    s += f"<br>{fmt_fixed(stat(c, COPIES))} copies/B"
    return s + (" v" if c.get("verified") is True else " -")


def tables(cells):
    out = []
    for path in cells.paths:
        for cache in cells.caches:
            sizes = [s for s in cells.sizes
                     if any(cells.get(path, m, s, cache) for m in cells.methods)]
            if not sizes:
                continue
            tgt = next((c.get("target") for k, c in cells.by_key.items()
                        if k[0] == path and c.get("target")), None)
            out += [f"## {path}, {cache} cache" + (f" (to {md_escape(tgt)})" if tgt else ""),
                    "",
                    "Throughput MiB/s; sender CPU and system CPU per MiB; CPU",
                    "copies per byte; v = verified, - = not (see below).",
                    ""]
            rows = []
            extra = [("zcopy_sg", False), ("sendfile", False), ("sendfile", "cgroup")]
            for m, obs in [(m, True) for m in cells.methods] + extra:
                cs = [cells.get(path, m, s, cache, obs) for s in sizes]
                if any(cs) or obs is True:
                    rows.append([method_label(m, obs)] + [cell_text(c) for c in cs])
            out += table(["method"] + [fmt_size(s) for s in sizes],
                         "l" * (len(sizes) + 1), rows) + [""]
    return out


def pick_size(cells, cache):
    """The largest size >= 1 MiB with data on the classic path, else the
    largest."""
    have = cells.sizes_on(classic_path(cells), cache)
    big = [s for s in have if s >= MIB]
    return (big or have or [None])[-1]


def classic_path(cells):
    return "virtio" if "virtio" in cells.paths else (cells.paths or [None])[0]


def classic_notes(m, path, cpu, dma, tb, ch):
    notes = []
    if tb and cpu is not None and abs(cpu - tb[0]) >= 0.25:
        if m in PAGE_REF_CALLS and cpu < 0.25:
            notes.append(f"{PAGE_REF_CALLS[m]} on an SG route: {fmt_fixed(cpu)} "
                         "copies, page references; the textbook's 1 assumes a "
                         "NIC without scatter/gather")
        else:
            notes.append(f"CPU copies {fmt_fixed(cpu)}, textbook {tb[0]}")
    if tb and dma is not None and abs(dma - tb[1]) >= 0.25:
        notes.append(f"DMA copies {fmt_fixed(dma)}, textbook {tb[1]}"
                     + (" (no DMA-capable egress)" if path != "virtio" else ""))
    if ch is not None and ch.get("error"):
        notes.append(f"error: {md_escape(ch['error'])}")
    elif cpu is None and ch is not None:
        notes.append("copies not measured")
    return "; ".join(notes)


def classic(cells):
    path = classic_path(cells)
    hot, cold = pick_size(cells, "hot"), pick_size(cells, "cold")
    out = ["## The classic table, rebuilt from measurements", ""]
    if path is None:
        return out + ["n/a: no cells.", ""]
    out += [
        f"Measured on the {path} path: CPU copies/B, syscalls and context",
        f"switches per transfer with a hot cache at {fmt_size(hot)}; DMA copies/B",
        "= (dma_in_bytes + dma_out_bytes) / bytes with a cold cache "
        + (f"at {fmt_size(cold)}" if cold else "(none measured: n/a)"),
        "(a read from the disk, then a gather by the NIC). The textbook's",
        "columns are its claims; a method with no textbook row of its own is",
        "set beside the row it does the work of.",
        "",
    ]
    rows = []
    for m in cells.methods:
        ch = cells.get(path, m, hot, "hot")
        cc = cells.get(path, m, cold, "cold")
        if ch is None and cc is None:
            continue
        cpu = stat(ch, COPIES)
        di, do = stat(cc, "dma_in_bytes"), stat(cc, "dma_out_bytes")
        dma = (di + do) / cold if cold and di is not None and do is not None else None
        tb = TEXTBOOK.get(TEXTBOOK_ROW.get(m))
        rows.append([method_label(m), fmt_fixed(cpu), fmt_fixed(dma),
                     fmt_num(stat(ch, "syscalls")),
                     fmt_num(stat(ch, "context_switches")),
                     TEXTBOOK_ROW.get(m, "-"),
                     f"{tb[0]} / {tb[1]} / {tb[2]}" if tb else "-",
                     classic_notes(m, path, cpu, dma, tb, ch)])
    out += table(["method", "CPU copies/B", "DMA copies/B", "syscalls",
                  "context switches", "textbook row",
                  "textbook CPU / DMA / ctx sw", "note"], "lrrrrlll", rows)
    return out + ["",
                  "The textbook's \"context switches\" are user/kernel mode switches",
                  "(two per system call); the measured column counts the scheduler's",
                  "context switches of the tasks that did the work (for the zcopy_*",
                  "methods the kernel worker's too; their syscalls are submit, wait",
                  "and read of the completion).",
                  ""]


# --- report.md: how it was timed, and what failed ---------------------------------------


def timing(inputs):
    cells = inputs.main
    name, meaning, units, _ = clock(cells)
    seed = cells.top("seed")
    if cells.top("order") == "interleaved":
        order = ("the cells of one path, size and cache state run interleaved: "
                 "each round (warm-up rounds first) runs every cell once, in an "
                 f"order shuffled anew per round from seed {md_escape(seed)}")
        if inputs.repeat:
            order += (f"; bench-repeat.json used seed "
                      f"{md_escape(inputs.repeat.top('seed'))}")
        order += ". Drift of the machine spreads over all methods instead of "\
            "lining up with the table's order."
    else:
        order = ("not recorded (a zcopyctl from before interleaving: each "
                 "cell's runs back to back).")
    runs, warm = md_escape(cells.top("runs")), md_escape(cells.top("warmup"))
    return ["## How this was timed", "",
            f"- Clock: {md_escape(cells.top('virt'))}, {name}: {meaning}. "
            f"{units}.",
            f"- Order: {order}",
            "- Drain: every transfer of a non-batch method, and every batch of "
            "a batch method (the *_batch methods, K files per batch), ends when "
            "SIOCOUTQ of the socket is 0: the receiver has acknowledged every "
            "byte. The same rule for all methods; the drain wait is in the wall "
            "time (throughput) but not in sender CPU.",
            "- Guest: in `make bench` the VM has one vCPU (the receivers share "
            "it with the sender; they run SCHED_IDLE, so they read when the "
            "sender waits instead of preempting it, and each run starts 10 ms "
            "after the last, once they have read the previous run's bytes), "
            "the files' disk is mounted read-only (no "
            "write whose completion the host would time) and "
            "net.ipv4.tcp_slow_start_after_idle is 0 (a connection idle while "
            "the other cells of its round run keeps its window, instead of "
            "restarting or not as its idle time falls either side of the RTO).",
            "- Sender CPU: the tool's process CPU clock (all its threads, "
            "io_uring's io-wq workers included) around each transfer or batch, "
            "plus, for the zcopy_* methods, the module job's worker CPU from "
            "the completion record (its on-CPU intervals, summed by a preempt "
            "notifier).",
            "- System CPU: busy time of all CPUs from /proc/stat over each run "
            "(the receiver and everything else included), per MiB. /proc/stat "
            "counts 10 ms ticks: coarse for short runs.",
            f"- Statistics: each value is the median of {runs} runs, [min-max] "
            f"beside it, after {warm} warm-up run(s).",
            "- copies/B is CPU-copied payload bytes per byte sent, as the "
            "observer measured it; v = verified (the observer saw the whole "
            "transfer), - = not verified (the method's own accounting only).",
            ""]


def errors(inputs):
    rows = []
    for d in inputs.documents():
        for c in d.errors():
            rows.append([md_escape(d.name), md_escape(c.get("path")),
                         method_label(c.get("method"),
                                      "cgroup" if c.get("cgroup_observed") is True
                                      else c.get("observer") is not False),
                         fmt_size(num(c.get("size"))), md_escape(c.get("cache")),
                         md_escape(c.get("error"))])
    rows += [["-", "", "", "", "", md_escape(p)] for p in inputs.problems]
    if not rows:
        return []
    return ["## Cells with an error", ""] + \
        table(["file", "path", "method", "size", "cache", "error"], "llllll",
              rows) + [""]


# --- the HTTP servers (http.json, selftests/vm/guest/bench_http.sh) ---------------

# Servers in report order, with a label and a plot colour.
HTTP_SERVERS = [
    ("serve", "zcopyctl serve", "#d62728"),
    ("nginx", "nginx", "#2ca02c"),
    ("lighttpd", "lighttpd", "#1f77b4"),
]
HTTP_SERVER_IDS = [s[0] for s in HTTP_SERVERS]
# How each server is configured by bench_http.sh, for the reader.
HTTP_CONFIG = {
    "serve": "`zcopyctl serve DIR`: every response one zcopy job (sg, the "
             "header in it)",
    "nginx": "sendfile on, tcp_nopush on, one worker, access_log off, "
             "keepalive_requests 1000000",
    "lighttpd": "server.network-backend \"sendfile\", "
                "server.max-keep-alive-requests 65535 (its largest)",
}
# The target: zcopyctl serve against nginx, bodies of at least this.
HTTP_TARGET_MIN = 64 << 10
HTTP_RPS = "requests_per_s"
HTTP_CPU = "cpu_ns_per_request"
HTTP_PROC = "process_cpu_ns_per_request"
HTTP_CLIENT = "client_cpu_ns_per_request"


class Http:
    """http.json: its servers and its cells by (server, size, connections)."""

    def __init__(self, doc):
        self.doc = doc if isinstance(doc, dict) else {}
        self.servers = {}
        for s in self.doc.get("servers") or []:
            if isinstance(s, dict) and isinstance(s.get("name"), str):
                self.servers[s["name"]] = s
        self.cells = {}
        for c in self.doc.get("cells") or []:
            if not isinstance(c, dict):
                continue
            size, conns = num(c.get("size")), num(c.get("connections"))
            if size is not None and conns is not None:
                self.cells[(c.get("server"), int(size), int(conns))] = c
        known = set(HTTP_SERVER_IDS)
        self.names = [s for s in HTTP_SERVER_IDS if s in self.servers] + \
            sorted(set(self.servers) - known)
        self.sizes = sorted({k[1] for k in self.cells})
        self.conns = sorted({k[2] for k in self.cells})

    def top(self, key):
        return self.doc.get(key)

    def value(self, server, size, conns, key):
        c = self.cells.get((server, size, conns))
        if not c or c.get("error"):
            return None
        return num(c.get(key))

    def measured(self, server):
        return any(self.value(server, s, n, HTTP_RPS) is not None
                   for s in self.sizes for n in self.conns)


def http_label(server):
    return {s: label for s, label, _ in HTTP_SERVERS}.get(server, server)


def http_us(ns):
    return None if ns is None else ns / 1e3


def http_servers_text(http):
    out = []
    for name in http.names:
        s = http.servers[name]
        label = f"- {http_label(name)}"
        if s.get("skipped"):
            out.append(f"{label}: skipped: {md_escape(s['skipped'])}")
        elif s.get("error"):
            out.append(f"{label}: failed: {md_escape(s['error'])}")
        else:
            out.append(f"{label} ({md_escape(s.get('version', ''))}): "
                       f"{HTTP_CONFIG.get(name, md_escape(s.get('command')))}")
    return out


def http_cell_row(http, server, size, conns):
    c = http.cells.get((server, size, conns))
    label = http_label(server)
    if c is None:
        return None
    if c.get("error"):
        return [fmt_size(size), conns, label, "n/a", "n/a", "n/a", "n/a", "n/a",
                f"error: {md_escape(c['error'])}"]
    cpb = num(c.get("copies_per_byte"))
    obs = c.get("observed") if isinstance(c.get("observed"), dict) else {}
    probes = "" if obs.get("all_probes") is not False else " (not all probes)"
    return [fmt_size(size), conns, label,
            fmt_num(num(c.get(HTTP_RPS))),
            fmt_num(http_us(num(c.get(HTTP_CPU)))),
            fmt_num(http_us(num(c.get(HTTP_PROC)))),
            fmt_num(http_us(num(c.get(HTTP_CLIENT)))),
            fmt_fixed(cpb) + probes if cpb is not None else "n/a",
            f"{fmt_num(num(c.get('wrk_requests')))} complete, "
            f"{fmt_num(num(c.get('responses')))} in bytes"]


def http_ratio(http, a, b, size, conns, key):
    return ratio(http.value(a, size, conns, key), http.value(b, size, conns, key))


HTTP_PAIRS = [("serve", "nginx"), ("serve", "lighttpd"), ("lighttpd", "nginx")]


def http_ratios(http):
    pairs = [(a, b) for a, b in HTTP_PAIRS if a in http.servers and b in http.servers]
    head = ["size", "connections"]
    for a, b in pairs:
        head += [f"{http_label(a)} / {http_label(b)} req/s",
                 f"{http_label(a)} / {http_label(b)} CPU/req"]
    rows = []
    for size in http.sizes:
        for n in http.conns:
            row = [fmt_size(size), n]
            for a, b in pairs:
                row += [fmt_ratio(http_ratio(http, a, b, size, n, HTTP_RPS)),
                        fmt_ratio(http_ratio(http, a, b, size, n, HTTP_CPU))]
            rows.append(row)
    return table(head, "lr" + "r" * 2 * len(pairs), rows)


def http_target(http):
    """The target's verdict line: serve against nginx, bodies >= 64 KiB."""
    goal = ("zcopyctl serve's requests/s >= nginx's at <= nginx's CPU per "
            f"request, bodies >= {fmt_size(HTTP_TARGET_MIN)}")
    serve = http.servers.get("serve")
    if serve is None or not http.measured("serve"):
        why = (f"skipped: {serve['skipped']}" if serve and serve.get("skipped")
               else "not measured")
        return [f"- Target: {goal}: n/a (zcopyctl serve {md_escape(why)})."]
    met, of, misses = 0, 0, []
    for size in [s for s in http.sizes if s >= HTTP_TARGET_MIN]:
        for n in http.conns:
            rps = http_ratio(http, "serve", "nginx", size, n, HTTP_RPS)
            cpu = http_ratio(http, "serve", "nginx", size, n, HTTP_CPU)
            if rps is None or cpu is None:
                continue
            of += 1
            if rps >= 1.0 and cpu <= 1.0:
                met += 1
            else:
                misses.append(f"{fmt_size(size)} x{n} (req/s {fmt_ratio(rps)}, "
                              f"CPU/req {fmt_ratio(cpu)})")
    if not of:
        return [f"- Target: {goal}: n/a (no cell of both)."]
    verdict_text = "met" if met == of else "not met"
    line = f"- Target: {goal}: {verdict_text} (met at {met} of {of} cells)"
    return [line + (f"; missed at {', '.join(misses)}." if misses else ".")] + \
        http_client_share(http)


def http_client_share(http):
    """How much of the machine wrk took at large bodies: on one CPU req/s
    then says more about the client than about the server."""
    out = []
    for size in [s for s in http.sizes if s >= MIB]:
        pairs = [(http.value(name, size, n, HTTP_CLIENT), http.value(name, size, n, HTTP_CPU))
                 for name in http.names for n in http.conns]
        shares = [c / (c + v) for c, v in pairs if c is not None and v]
        if shares:
            out.append(f"{fmt_size(size)} {fmt_ratio(min(shares), 'share')}-"
                       f"{fmt_ratio(max(shares), 'share')}")
    if not out:
        return []
    return ["- wrk's share of the machine's CPU per response (wrk us/req over "
            "it plus the server's), all servers: " + ", ".join(out) + ". On one "
            "CPU the client's side of large bodies (its reads, and the receive "
            "processing that ran in its context) then sets much of req/s, and the servers differ in CPU us/req more than in req/s."]


def http_split(http, server, size, conns):
    """(CPU/req, of it the server's processes, the rest) in us, or None."""
    cpu = http_us(http.value(server, size, conns, HTTP_CPU))
    proc = http_us(http.value(server, size, conns, HTTP_PROC))
    if cpu is None or proc is None:
        return None
    return cpu, proc, cpu - proc


def http_small(http):
    """Where each server stands at 4 KiB, and where its CPU goes."""
    if KIB4 not in http.sizes:
        return []
    out = [f"- At {fmt_size(KIB4)} (a body of one page: the copy the others "
           "avoid is worth little there; what a request costs besides its "
           "body decides):"]
    for n in http.conns:
        parts = []
        for name in http.names:
            sp = http_split(http, name, KIB4, n)
            rps = http.value(name, KIB4, n, HTTP_RPS)
            if sp is None or rps is None:
                continue
            parts.append(f"{http_label(name)} {fmt_num(rps)} req/s, "
                         f"{fmt_num(sp[0])} us CPU/req ({fmt_num(sp[1])} in its "
                         f"processes, {fmt_num(sp[2])} in the kernel elsewhere)")
        if parts:
            out.append(f"  - {n} connection{'s' if n != 1 else ''}: "
                       + "; ".join(parts) + ".")
    copied = [f"{http_label(name)} ({fmt_fixed(cpb)})" for name in http.names
              for cpb in [max((http.value(name, KIB4, n, "copies_per_byte") or 0
                               for n in http.conns), default=0)] if cpb >= 0.5]
    if copied:
        out.append(f"  - Sent copied, not by reference, at {fmt_size(KIB4)} "
                   f"(copies/B): {', '.join(copied)}.")
    if http.measured("serve") and http.measured("nginx"):
        r = [http_ratio(http, "serve", "nginx", KIB4, n, HTTP_RPS) for n in http.conns]
        r = [x for x in r if x is not None]
        c = [http_ratio(http, "serve", "nginx", KIB4, n, HTTP_CPU) for n in http.conns]
        c = [x for x in c if x is not None]
        if r and c:
            out.append(f"  - zcopyctl serve / nginx at {fmt_size(KIB4)}, "
                       f"connections {', '.join(str(n) for n in http.conns)}: "
                       f"req/s {', '.join(fmt_ratio(x) for x in r)}, CPU/req "
                       f"{', '.join(fmt_ratio(x) for x in c)}. Per response "
                       "serve submits a job, sent within the submit call "
                       "(ZCOPY_SUBMIT_INLINE; a worker finishes what does not "
                       "fit the socket: the \"kernel elsewhere\" above), and "
                       "reads its completion record back; nginx sends the page "
                       "by reference too, with sendfile(2): what differs is what "
                       "a request costs besides its body.")
    return out


def http_table(http):
    rows = [r for size in http.sizes for n in http.conns for s in http.names
            for r in [http_cell_row(http, s, size, n)] if r]
    return table(["size", "connections", "server", "req/s",
                  "CPU us/req", "of it the server's processes", "wrk us/req",
                  "copies/B", "responses"], "lrlrrrrrl", rows)


def http_section(http, plot_lines):
    """## HTTP servers: the servers, the target, the cells, the ratios, the
    plots and how it was measured."""
    if http is None:
        return []
    name, meaning, _, _ = clock(http)
    secs = md_escape(http.top("seconds"))
    out = ["## HTTP servers", "",
           f"`{md_escape(http.top('client'))}` in netns peer fetches one "
           f"file (bench-SIZE) over and over from each server over "
           f"{md_escape(http.top('path'))} ({md_escape(http.top('egress_dev'))}), "
           f"{secs} s of guest time per cell; profile "
           f"{md_escape(http.top('profile'))}, kernel "
           f"{md_escape(http.top('kernel'))}, {md_escape(http.top('virt'))} "
           f"({md_escape(name)}), CPUs: {md_escape(http.top('cpus'))}, "
           f"{md_escape(http.top('date'))}, took {md_escape(http.top('took_s'))} s.",
           ""] + http_servers_text(http) + [""]
    out += http_target(http) + http_small(http) + [""]
    if not http.cells:
        return out + ["No cells.", ""]
    out += ["### Cells", ""] + http_table(http) + [""]
    out += ["### Ratios", "",
            "A / B of requests/s (> 1: A serves more) and of CPU per "
            "request (< 1: A costs less).", ""] + http_ratios(http) + [""]
    out += plot_lines
    out += ["### How the servers were measured", "",
            "- req/s: the bytes wrk received, in responses of this size "
            "(header + body), per second of wrk's own clock. wrk's count of "
            "complete responses is beside it (\"responses\"): a run of a few "
            "seconds at 16 MiB ends with responses half sent, which that count "
            "would drop.",
            "- One CPU: with one vCPU and no idle time, req/s is one over "
            "the whole machine's CPU per response (server, wrk and kernel). "
            "The target's two halves are therefore the whole machine (req/s) "
            "and the server side alone (CPU us/req). How the machine's CPU "
            "splits between the two depends on whose context the softirqs "
            "ran in (an ACK taken in wrk's context transmits the server's "
            "next segments there): \"wrk us/req\", the client's CPU per "
            "response, shows where the rest went.",
            "- CPU us/req: the server side's CPU per response sent (the "
            "observer's bytes over the same window, in responses of this size: "
            "what was sent after wrk stopped reading cost the same): everything the "
            "machine did over the cell (the wall clock minus idle time from "
            "/proc/stat, 10 ms units), less the CPU time of the cgroup wrk and "
            "the observer ran in (cpu.stat usage_usec, exact). That is the "
            "server's processes and the kernel work they cause wherever it "
            "runs: zcopy's jobs in kernel workers (which a process's own CPU "
            "time leaves out: counting only it would flatter zcopyctl serve), "
            "softirqs and the receiving side's TCP, which on one CPU runs in "
            "the softirqs of whoever was running, on veth the sender itself "
            "(with 64 connections of 16 MiB the kernel outside the server's "
            "processes becomes a large share). Every server alike: the same bytes reach "
            "the same receiver. \"Of it the server's processes\": the server's "
            "cgroup's own usage_usec.",
            "- The same measure for every server, and no completion record's "
            "cpu_ns: only zcopy's jobs have those, and nginx's kernel time has "
            "no counterpart of them.",
            f"- copies/B: `zcopyctl observe --cgroup` on the server's cgroup "
            "over the cell: CPU-copied payload bytes per byte sent by every "
            "socket the server made (headers included), whoever sends on it. "
            "The observer runs for every server alike, its probes' cost in "
            "every CPU figure.",
            f"- Clock: {md_escape(meaning)}."
            + (" CPU us/req = thousands of guest instructions per request; "
               "req/s = requests per 10^9 instructions of wall time."
               if http.top("virt") == "tcg-icount" else ""),
            "- Each cell runs once. Guest time repeats under instruction "
            "counting: while this was built, two runs of a cell differed by "
            "under 1 % at 4 and 64 KiB and at one connection, by up to 10 % "
            "at 64 connections of 1 and 16 MiB (a second of those holds few "
            "responses, and what is half sent when it ends varies); "
            "every file is read once before, so the page cache is hot for "
            "all, and each server gets an unmeasured second of wrk first "
            "(not in the tiny profile, which checks the plumbing).",
            ""]
    return out


def http_series(http, key, scale):
    """gnuplot_script's series: a line per server and connection count."""
    colours = {s: c for s, _, c in HTTP_SERVERS}
    series = []
    for name in http.names:
        for i, n in enumerate(http.conns):
            pts = [(s, v * scale, v * scale, v * scale) for s in http.sizes
                   for v in [http.value(name, s, n, key)] if v and v > 0]
            if pts:
                series.append((f"{http_label(name)}, {n} conn.",
                               colours.get(name, "#000000"), i + 1, pts))
    return series


def http_plots(http, outdir, enabled):
    """requests/s and CPU per request against file size: (lines, files)."""
    if http is None or not http.cells:
        return [], []
    out = ["### Plots", ""]
    if not enabled:
        return out + ["Not made (--no-plots).", ""], []
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        return out + ["Not made: gnuplot is not installed.", ""], []
    note = clock(http)[3]
    made = []
    with tempfile.TemporaryDirectory() as tmp:
        for base, key, scale, ylabel in (
                ("http-requests", HTTP_RPS, 1, f"requests/s ({note})"),
                ("http-cpu", HTTP_CPU, 1e-3, f"server CPU per request (us; {note})")):
            series = http_series(http, key, scale)
            if not series:
                continue
            try:
                files = plot_series_to(gnuplot, series, os.path.join(tmp, f"{base}.dat"),
                                       f"HTTP servers: {ylabel}", ylabel,
                                       os.path.join(outdir, base))
            except (RuntimeError, OSError) as e:
                print(f"bench-report: {e}", file=sys.stderr)
                out += [f"{base}: plot failed: {md_escape(e)}", ""]
                continue
            made += files
            out += [f"![{base}]({base}.svg) ([PNG]({base}.png))", ""]
    return out, made


def load_http(indir, problems):
    """http.json beside bench.json as an Http, or None."""
    path = os.path.join(indir, "http.json")
    return load_optional(path, problems, Http) if os.path.exists(path) else None


# --- plots ---------------------------------------------------------------------


def gp_quote(s):
    return "'" + str(s).replace("'", "''") + "'"


def plot_series(cells, path, key):
    """[(label, colour, dash, [(size, median, min, max)])] with data,
    in the JSON's unit scaled to the display unit."""
    styles = METHODS + [(m, m, "#000000", 1) for m in cells.methods
                        if m not in METHOD_IDS]
    series = []
    for m, label, colour, dash in styles:
        pts = []
        for s in cells.sizes:
            c = cells.get(path, m, s, "hot")
            med = shown(key, stat(c, key))
            if med is None or med <= 0:
                continue
            # a log axis: a bound that is no number or not > 0 is the median
            lo, hi = (shown(key, stat(c, key, p)) for p in ("min", "max"))
            pts.append((s, med, lo if lo and lo > 0 else med,
                        hi if hi and hi > 0 else med))
        if pts:
            series.append((label, colour, dash, pts))
    return series


def gnuplot_script(series, dat, title, ylabel):
    """The plot commands, without terminal and output."""
    xs = sorted({p[0] for *_, pts in series for p in pts})
    plots = ", ".join(
        f"{gp_quote(dat)} index {i} using 1:2:3:4 with yerrorlines "
        f"lc rgb {gp_quote(colour)} dt {dash} lw 2 pt {7 if dash == 1 else 6} "
        f"title {gp_quote(label)}"
        for i, (label, colour, dash, _) in enumerate(series))
    xtics = ", ".join(f'"{short_size(s)}" {s}' for s in xs)
    return f"""
set title {gp_quote(title)} noenhanced
set xlabel 'file size (bytes)'
set ylabel {gp_quote(ylabel)} noenhanced
set logscale xy
set xrange [{xs[0] / 2}:{xs[-1] * 2}]
set xtics ({xtics})
set format y '%g'
set grid xtics ytics mytics lc rgb '#dddddd'
set key outside right top noenhanced
set bars small
plot {plots}
"""


TERMINALS = [("svg size 960,560 dynamic background rgb 'white' font 'sans,11'", "svg"),
             ("pngcairo size 960,560 background rgb 'white' font 'sans,10'", "png")]


def render(gnuplot, body, base):
    """BODY to BASE.svg and BASE.png; the files made."""
    made = []
    for term, ext in TERMINALS:
        out = f"{base}.{ext}"
        script = f"set terminal {term}\nset output {gp_quote(out)}\n{body}unset output\n"
        r = subprocess.run([gnuplot], input=script, text=True, capture_output=True)
        if r.returncode != 0 or not os.path.exists(out) or not os.path.getsize(out):
            raise RuntimeError(f"gnuplot failed for {out}: {r.stderr.strip()}")
        made.append(out)
    return made


def plot_path(cells, path, outdir, tmp, gnuplot):
    """Two plots for PATH, hot cache; returns the files written."""
    note = clock(cells)[3]
    made = []
    for name, key, ylabel in (("throughput", TP, f"throughput (MiB/s; {note})"),
                              ("cpu", CPU, f"sender CPU (ms/MiB; {note})")):
        series = plot_series(cells, path, key)
        if not series:
            continue
        made += plot_series_to(gnuplot, series, os.path.join(tmp, f"{name}-{path}.dat"),
                               f"{path}, hot cache: {ylabel}", ylabel,
                               os.path.join(outdir, f"{name}-{path}-hot"))
    return made


def plot_series_to(gnuplot, series, dat, title, ylabel, base):
    """SERIES (gnuplot_script's) through the data file DAT to BASE.svg and
    BASE.png; the files made."""
    with open(dat, "w") as f:
        for *_, pts in series:
            f.writelines(f"{s} {med:.6g} {lo:.6g} {hi:.6g}\n"
                         for s, med, lo, hi in pts)
            f.write("\n\n")
    return render(gnuplot, gnuplot_script(series, dat, title, ylabel), base)


def plots(cells, outdir, enabled):
    out = ["## Plots", "",
           "Medians with [min-max] error bars, hot cache, observer on.", ""]
    if not enabled:
        return out + ["Not made (--no-plots).", ""], []
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        print("bench-report: gnuplot not found (apt-get install gnuplot-nox); "
              "no plots", file=sys.stderr)
        return out + ["Not made: gnuplot is not installed.", ""], []
    if not cells.paths:
        return out + ["No data to plot.", ""], []
    made = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in cells.paths:
            try:
                files = plot_path(cells, path, outdir, tmp, gnuplot)
            except (RuntimeError, OSError) as e:
                print(f"bench-report: {e}", file=sys.stderr)
                out += [f"{path}: plot failed: {md_escape(e)}", ""]
                continue
            made += files
            for f in files:
                if f.endswith(".svg"):
                    name = os.path.basename(f)[:-4]
                    out += [f"![{name}]({name}.svg) ([PNG]({name}.png))", ""]
            if not files:
                out += [f"{path}: no hot-cache data to plot.", ""]
    return out, made


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("json", help="bench.json from zcopyctl bench")
    ap.add_argument("--out", help="directory for report.md and plots "
                    "(default: the JSON's directory)")
    ap.add_argument("--no-plots", action="store_true")
    args = ap.parse_args()

    doc, err = load_json(args.json)
    if err is not None:
        print(f"bench-report: {args.json}: {err}", file=sys.stderr)
        return 1
    indir = os.path.dirname(os.path.abspath(args.json))
    outdir = args.out or indir
    os.makedirs(outdir, exist_ok=True)

    if isinstance(doc, dict) and doc.get("kind") == "http":
        # The HTTP servers alone (BENCH_ONLY=http): their section only.
        http = Http(doc)
        http_lines, made = http_plots(http, outdir, not args.no_plots)
        lines = ["# zcopy benchmark", ""] + http_section(http, http_lines)
    else:
        inputs = Inputs(Cells(doc, os.path.basename(args.json)), indir)
        cells = inputs.main
        http = load_http(indir, inputs.problems)
        plot_lines, made = plots(cells, outdir, not args.no_plots)
        http_lines, http_made = http_plots(http, outdir, not args.no_plots)
        made += http_made
        lines = ["# zcopy benchmark", ""] + use_when(inputs) + \
            what_zcopy_buys(cells) + header(inputs) + targets(cells) + \
            repeatability(inputs) + module_price(inputs) + tables(cells) + \
            classic(cells) + plot_lines + http_section(http, http_lines) + \
            timing(inputs) + errors(inputs)
    report = os.path.join(outdir, "report.md")
    with open(report + ".tmp", "w") as f:
        f.write("\n".join(lines).rstrip() + "\n")
    os.replace(report + ".tmp", report)
    print(f"bench-report: {report}" + (f", {len(made)} plots" if made else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
