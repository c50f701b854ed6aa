#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Turn a `zcopyctl bench` result (bench.json, schema 1) into report.md and
gnuplot plots (SVG and PNG) in the same directory, or in --out DIR.

    bench-report.py [--out DIR] [--no-plots] bench.json

Plots, per path, hot cache: throughput-PATH-hot.{svg,png} (MiB/s against
file size) and cpu-PATH-hot.{svg,png} (sender CPU ns/MiB against file size),
one line per method. A missing or failed cell is "n/a" in the report and
no point in a plot; nothing in the input makes this script fail except
unreadable JSON. Python 3 standard library and gnuplot only.

Byte counts, syscalls and context switches in a cell are taken as per
transfer, as zcopyctl bench reports them.
"""

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

MIB = 1 << 20

# Method ids in report order, with a label and a plot style (colour,
# dash type): the batch variants share their mode's colour, dashed.
METHODS = [
    ("read_write", "read + write", "#1f77b4", 1),
    ("mmap_write", "mmap + write", "#ff7f0e", 1),
    ("sendfile", "sendfile", "#2ca02c", 1),
    ("splice", "splice", "#17becf", 1),
    ("msg_zerocopy", "MSG_ZEROCOPY", "#8c564b", 1),
    ("io_uring_send_zc", "io_uring SEND_ZC", "#e377c2", 1),
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
    "zcopy_copy": "read + write",
    "zcopy_mmap": "mmap + write",
    "zcopy_sendfile": "sendfile",
    "zcopy_sg": "sendfile + DMA gather",
    "zcopy_copy_batch": "read + write",
    "zcopy_mmap_batch": "mmap + write",
    "zcopy_sendfile_batch": "sendfile",
    "zcopy_sg_batch": "sendfile + DMA gather",
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


class Cells:
    def __init__(self, doc):
        self.by_key = {}
        cells = doc.get("cells") if isinstance(doc, dict) else None
        for c in cells if isinstance(cells, list) else []:
            if not isinstance(c, dict):
                continue
            size = num(c.get("size"))
            key = (c.get("path"), c.get("method"), c.get("observer") is not False,
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


def fmt_ns(v):
    """ns as a readable duration: 812 ns, 3.4 µs, 2.05 ms."""
    if v is None:
        return "n/a"
    for unit, mult in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if abs(v) >= mult:
            return f"{fmt_num(v / mult)} {unit}"
    return f"{fmt_num(v)} ns"


def fmt_ratio(v, pct=False):
    """A ratio; pct: a signed change in %; "share": a part of a whole in %."""
    if v is None:
        return "n/a"
    if pct == "share":
        return f"{v * 100:.1f} %"
    return f"{v * 100:+.1f} %" if pct else f"{v:.2f}"


def md_escape(s):
    return str(s).replace("|", "\\|").replace("\n", " ")


def method_label(m, observer=True):
    return f"`{m}`" + ("" if observer else " (observer off)")


# --- report.md -----------------------------------------------------------------


def header(doc, cells):
    def g(k):
        v = doc.get(k) if isinstance(doc, dict) else None
        return "n/a" if v is None or v == "" else md_escape(v)

    dur = num(doc.get("duration_s")) if isinstance(doc, dict) else None
    n = len(cells.by_key)
    errs = sum(1 for c in cells.by_key.values() if c.get("error"))
    lines = [
        "# zcopy benchmark",
        "",
        "| | |",
        "|---|---|",
        f"| kernel | {g('kernel')} ({g('machine')}) |",
        f"| CPU | {g('cpu_model')}, {g('cpus')} CPUs |",
        f"| virtualisation | {g('virt')} |",
        f"| profile | {g('profile')}: {g('runs')} runs + {g('warmup')} warm-up per cell |",
        f"| observer probes | {g('observer_probes')} |",
        f"| date | {g('started')}, took {fmt_num(dur)} s |" if dur is not None
        else f"| date | {g('started')} |",
        f"| tool | zcopyctl {g('tool_version')} |",
        f"| cells | {n}, {errs} with an error |",
        f"| paths | {', '.join(cells.paths) or 'none'} |",
        f"| sizes | {', '.join(fmt_size(s) for s in cells.sizes) or 'none'} |",
        "",
        "Each value is the median of the runs, [min-max] beside it. CPU is the",
        "sender's CPU time per MiB sent; copies/B is CPU-copied payload bytes",
        "per byte sent, as the observer measured it; v = verified (the observer",
        "saw the whole transfer), - = not verified (its numbers are the",
        "method's own accounting only).",
        "",
    ]
    return lines


def cell_text(c):
    if c is None:
        return "n/a"
    if c.get("error"):
        return f"error: {md_escape(c['error'])}"
    tp = stat(c, "throughput_mib_s")
    lo, hi = stat(c, "throughput_mib_s", "min"), stat(c, "throughput_mib_s", "max")
    s = f"**{fmt_num(tp)}**"
    if lo is not None and hi is not None:
        s += f" [{fmt_num(lo)}-{fmt_num(hi)}]"
    s += f"<br>cpu {fmt_ns(stat(c, 'sender_cpu_ns_per_mib'))}/MiB"
    cp = stat(c, "cpu_copy_per_byte")
    s += f"<br>{fmt_fixed(cp)} copies/B"
    s += " v" if c.get("verified") is True else " -"
    return s


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
                    "Throughput MiB/s, sender CPU per MiB, CPU copies per byte.",
                    "",
                    "| method | " + " | ".join(fmt_size(s) for s in sizes) + " |",
                    "|---|" + "---|" * len(sizes)]
            rows = [(m, True) for m in cells.methods] + [("zcopy_sg", False)]
            for m, obs in rows:
                cs = [cells.get(path, m, s, cache, obs) for s in sizes]
                if obs is False and not any(cs):
                    continue
                out.append(f"| {method_label(m, obs)} | " +
                           " | ".join(cell_text(c) for c in cs) + " |")
            out.append("")
    return out


def pick_size(cells, path, cache):
    """The largest size >= 1 MiB with data on PATH/CACHE, else the largest."""
    have = [s for s in cells.sizes
            if any(stat(cells.get(path, m, s, cache), "throughput_mib_s") is not None
                   for m in cells.methods)]
    big = [s for s in have if s >= MIB]
    return (big or have or [None])[-1]


def classic(cells):
    path = "virtio" if "virtio" in cells.paths else (cells.paths or [None])[0]
    hot = pick_size(cells, path, "hot")
    cold = pick_size(cells, path, "cold")
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
        "| method | CPU copies/B | DMA copies/B | syscalls | context switches "
        "| textbook row | textbook CPU / DMA / ctx sw | note |",
        "|---|---:|---:|---:|---:|---|---|---|",
    ]
    for m in cells.methods:
        ch = cells.get(path, m, hot, "hot")
        cc = cells.get(path, m, cold, "cold")
        if ch is None and cc is None:
            continue
        cpu = stat(ch, "cpu_copy_per_byte")
        dma = None
        if cold:
            di, do = stat(cc, "dma_in_bytes"), stat(cc, "dma_out_bytes")
            if di is not None and do is not None:
                dma = (di + do) / cold
        sysc = stat(ch, "syscalls")
        ctx = stat(ch, "context_switches")
        row = TEXTBOOK_ROW.get(m)
        tb = TEXTBOOK.get(row)
        notes = []
        if tb and cpu is not None and abs(cpu - tb[0]) >= 0.25:
            if m in ("sendfile", "splice") and cpu < 0.25:
                notes.append(f"{m}(2) on an SG route: {fmt_fixed(cpu)} copies, "
                             "page references; the textbook's 1 assumes a NIC "
                             "without scatter/gather")
            else:
                notes.append(f"CPU copies {fmt_fixed(cpu)}, textbook {tb[0]}")
        if tb and dma is not None and abs(dma - tb[1]) >= 0.25:
            notes.append(f"DMA copies {fmt_fixed(dma)}, textbook {tb[1]}"
                         + (" (no DMA-capable egress)" if path != "virtio" else ""))
        if ch is not None and ch.get("error"):
            notes.append(f"error: {md_escape(ch['error'])}")
        elif cpu is None and ch is not None:
            notes.append("copies not measured")
        tbtext = f"{tb[0]} / {tb[1]} / {tb[2]}" if tb else "-"
        out.append(f"| {method_label(m)} | {fmt_fixed(cpu)} | {fmt_fixed(dma)} | "
                   f"{fmt_num(sysc)} | {fmt_num(ctx)} | {row or '-'} | {tbtext} | "
                   f"{'; '.join(notes)} |")
    out += ["",
            "The textbook's \"context switches\" are user/kernel mode switches",
            "(two per system call); the measured column counts the scheduler's",
            "context switches of the tasks that did the work (for the zcopy_*",
            "methods the kernel worker's too; their syscalls are submit, wait",
            "and read of the completion).",
            ""]
    return out


def ratio(a, b):
    return a / b if a is not None and b not in (None, 0) else None


def targets(cells):
    """The project's goals, each at every size it applies to."""
    path = "virtio"
    big = [s for s in cells.sizes if s >= MIB]
    rows = []

    def cpu(m, s, obs=True):
        return stat(cells.get(path, m, s, "hot", obs), "sender_cpu_ns_per_mib")

    def tp(m, s, key="throughput_mib_s"):
        return stat(cells.get(path, m, s, "hot"), key)

    for s in big or [None]:
        rows.append(("zcopy_sg CPU/MiB / read_write CPU/MiB", s,
                     ratio(cpu("zcopy_sg", s), cpu("read_write", s)), "<= 0.5",
                     lambda v: v <= 0.5, False))
    for s in big or [None]:
        rows.append(("zcopy_sg throughput / sendfile throughput", s,
                     ratio(tp("zcopy_sg", s), tp("sendfile", s)), ">= 1.0",
                     lambda v: v >= 1.0, False))
    for s in big or [None]:
        rows.append(("zcopy_sg CPU/MiB / sendfile CPU/MiB", s,
                     ratio(cpu("zcopy_sg", s), cpu("sendfile", s)), "<= 1.1",
                     lambda v: v <= 1.1, False))
    s4k = 4096
    rows.append(("zcopy_sg_batch transfers/s / sendfile transfers/s", s4k,
                 ratio(tp("zcopy_sg_batch", s4k, "transfers_per_s"),
                       tp("sendfile", s4k, "transfers_per_s")), ">= 1.5",
                 lambda v: v >= 1.5, False))
    for s in big or [None]:
        obs_ns = stat(cells.get(path, "zcopy_sg", s, "hot"), "observer_ns_per_mib")
        rows.append(("observer overhead, measured directly: observer_ns per MiB / "
                     "zcopy_sg sender CPU per MiB (observer on)", s,
                     ratio(obs_ns, cpu("zcopy_sg", s)), "<= 5 %",
                     lambda v: v <= 0.05, "share"))
    for s in big or [None]:
        r = ratio(cpu("zcopy_sg", s), cpu("zcopy_sg", s, False))
        rows.append(("observer overhead by difference (noisy under TCG): "
                     "zcopy_sg CPU/MiB observer on / off - 1", s,
                     r - 1 if r is not None else None, "<= 5 %",
                     lambda v: v <= 0.05, True))
    out = ["## Targets", "",
           "On the virtio-net (SG) path, hot cache, sizes >= 1 MiB unless said.",
           "The observer's overhead is given twice: measured directly (the",
           "module's clock around its probes, STATS observer_ns) and by the",
           "difference of two cells' CPU, which run-to-run noise can swamp.",
           "",
           "| target | size | measured | goal | verdict |",
           "|---|---|---:|---|---|"]
    for name, s, v, goal, ok, pct in rows:
        verdict = "n/a" if v is None else ("met" if ok(v) else "not met")
        out.append(f"| {name} | {fmt_size(s)} | {fmt_ratio(v, pct)} | {goal} | {verdict} |")
    return out + [""]


def errors(cells):
    bad = [c for c in cells.by_key.values() if c.get("error")]
    if not bad:
        return []
    out = ["## Cells with an error", "", "| path | method | size | cache | error |",
           "|---|---|---|---|---|"]
    for c in bad:
        out.append(f"| {md_escape(c.get('path'))} | {method_label(c.get('method'), c.get('observer') is not False)} "
                   f"| {fmt_size(num(c.get('size')))} | {md_escape(c.get('cache'))} "
                   f"| {md_escape(c.get('error'))} |")
    return out + [""]


# --- plots ---------------------------------------------------------------------


def gp_quote(s):
    return "'" + str(s).replace("'", "''") + "'"


def plot_path(cells, path, outdir, tmp, gnuplot):
    """Two plots for PATH, hot cache; returns the files written."""
    made = []
    specs = [("throughput", "throughput_mib_s", "throughput (MiB/s)"),
             ("cpu", "sender_cpu_ns_per_mib", "sender CPU (ns/MiB)")]
    for name, key, ylabel in specs:
        series = []
        for m, label, colour, dash in METHODS + [(m, m, "#000000", 1)
                                                 for m in cells.methods
                                                 if m not in METHOD_IDS]:
            pts = [(s, stat(cells.get(path, m, s, "hot"), key)) for s in cells.sizes]
            pts = [(s, v) for s, v in pts if v is not None and v > 0]
            if pts:
                series.append((label, colour, dash, pts))
        if not series:
            continue
        dat = os.path.join(tmp, f"{name}-{path}.dat")
        with open(dat, "w") as f:
            for _, _, _, pts in series:
                for s, v in pts:
                    f.write(f"{s} {v:.6g}\n")
                f.write("\n\n")
        xs = sorted({s for *_, pts in series for s, _ in pts})
        lo, hi = xs[0] / 2, xs[-1] * 2
        base = os.path.join(outdir, f"{name}-{path}-hot")
        plots = ", ".join(
            f"{gp_quote(dat)} index {i} using 1:2 with linespoints "
            f"lc rgb {gp_quote(colour)} dt {dash} lw 2 pt {7 if dash == 1 else 6} "
            f"title {gp_quote(label)}"
            for i, (label, colour, dash, _) in enumerate(series))
        xtics = ", ".join(f'"{short_size(s)}" {s}' for s in xs)
        body = f"""
set title {gp_quote(f'{path}, hot cache: {ylabel}')} noenhanced
set xlabel 'file size (bytes)'
set ylabel {gp_quote(ylabel)} noenhanced
set logscale xy
set xrange [{lo}:{hi}]
set xtics ({xtics})
set format y '%g'
set grid xtics ytics mytics lc rgb '#dddddd'
set key outside right top noenhanced
"""
        for term, ext in (("svg size 960,560 dynamic background rgb 'white' "
                           "font 'sans,11'", "svg"),
                          ("pngcairo size 960,560 background rgb 'white' "
                           "font 'sans,10'", "png")):
            script = f"set terminal {term}\nset output {gp_quote(base + '.' + ext)}\n" \
                f"{body}plot {plots}\nunset output\n"
            r = subprocess.run([gnuplot], input=script, text=True,
                               capture_output=True)
            if r.returncode != 0 or not os.path.getsize(base + "." + ext):
                raise RuntimeError(f"gnuplot failed for {base}.{ext}: "
                                   f"{r.stderr.strip()}")
            made.append(base + "." + ext)
    return made


def plots(cells, outdir, enabled):
    out = ["## Plots", ""]
    if not enabled:
        return out + ["Not made (--no-plots).", ""], []
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        print("bench-report: gnuplot not found (apt-get install gnuplot-nox); "
              "no plots", file=sys.stderr)
        return out + ["Not made: gnuplot is not installed.", ""], []
    made = []
    if not cells.paths:
        return out + ["No data to plot.", ""], []
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
                    name = os.path.basename(f)
                    out += [f"![{name[:-4]}]({name}) ([PNG]({name[:-4]}.png))", ""]
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

    try:
        with open(args.json) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        print(f"bench-report: {args.json}: {e}", file=sys.stderr)
        return 1
    if not isinstance(doc, dict):
        doc = {}
    outdir = args.out or os.path.dirname(os.path.abspath(args.json))
    os.makedirs(outdir, exist_ok=True)

    cells = Cells(doc)
    plot_lines, made = plots(cells, outdir, not args.no_plots)
    lines = header(doc, cells) + targets(cells) + classic(cells) + \
        plot_lines + tables(cells) + errors(cells)
    report = os.path.join(outdir, "report.md")
    with open(report + ".tmp", "w") as f:
        f.write("\n".join(lines).rstrip() + "\n")
    os.replace(report + ".tmp", report)
    print(f"bench-report: {report}" + (f", {len(made)} plots" if made else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
