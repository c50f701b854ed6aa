#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Check that Documentation/netlink/specs/zcopy.yaml and the uapi header
declare the same family, version, group, commands, attributes, enums and
flag bits, in the same order (the order gives the numbers), and that every
attribute kmod/netlink.c puts or parses has the spec's type."""
import re
import sys

import yaml

TOP = sys.argv[1] if len(sys.argv) > 1 else "."
header = open(f"{TOP}/include/uapi/linux/zcopy.h").read()
spec = yaml.safe_load(open(f"{TOP}/Documentation/netlink/specs/zcopy.yaml"))


def enum(name, prefix):
    body = re.search(r"enum %s \{(.*?)\};" % name, header, re.S).group(1)
    names = re.findall(r"^\s*(%s\w+)" % prefix, body, re.M)
    return [n[len(prefix):].lower().replace("_", "-")
            for n in names if not n.startswith("__")]


def define(name):
    value = re.search(r"#define %s\s+(\S+)" % name, header).group(1)
    # one define naming another, as ZCOPY_GENL_VERSION does
    if re.fullmatch(r"[A-Z_][A-Z0-9_]*", value):
        return define(value)
    return value.strip('"')


def bits(prefix, names):
    """The ZCOPY_<PREFIX><NAME> defines of (1U << n) bits, as numbers."""
    found = []
    for n in names:
        m = re.search(r"#define %s%s\s+\(1U << (\d+)\)" %
                      (prefix, n.upper().replace("-", "_")), header)
        found.append(1 << int(m.group(1)) if m else None)
    return found


def all_bits(prefix):
    """The names of every ZCOPY_<PREFIX>NAME (1U << n) define, by n."""
    found = re.findall(r"#define %s(\w+)\s+\(1U << (\d+)\)" % prefix,
                       header)
    by_bit = {int(n): name.lower().replace("_", "-") for name, n in found}
    return [by_bit.get(i) for i in range(max(by_bit) + 1)]


def flags(name):
    d = next(d for d in spec["definitions"] if d["name"] == name)
    names = [e if isinstance(e, str) else e["name"] for e in d["entries"]]
    return d, names


def attr_set(name):
    s = next(a for a in spec["attribute-sets"] if a["name"] == name)
    return [a["name"] for a in s["attributes"]]


def definition(name):
    return next(d for d in spec["definitions"] if d["name"] == name)["entries"]


def ops():
    """The spec's commands by number (value: sets it, the next is +1)."""
    numbered, value = {}, 0
    for o in spec["operations"]["list"]:
        value = o.get("value", value)
        numbered[value] = o["name"]
        value += 1
    return [numbered.get(i, "unspec") for i in range(max(numbered) + 1)]


# What kmod/netlink.c puts into messages and parses from requests.
NLA = {"NLA_U8": "u8", "NLA_U32": "u32", "NLA_U64": "u64", "NLA_S32": "s32",
       "NLA_NUL_STRING": "string", "NLA_BINARY": "binary"}
SETS = [("ZCOPY_OBSERVE_DEV_A_", "observe-dev"),
        ("ZCOPY_OBSERVE_FILE_A_", "observe-file"),
        ("ZCOPY_OBSERVE_A_", "observe"), ("ZCOPY_STATS_A_", "stats"),
        ("ZCOPY_A_", "zcopy")]


def module_types():
    src = open(f"{TOP}/kmod/netlink.c").read()
    found = []
    for t, a in re.findall(r"nla_put_(u8|u32|s32|string|u64_64bit)\(\w+, "
                           r"(ZCOPY_\w+)", src):
        found.append((a, t.replace("_64bit", "")))
    for a in re.findall(r"nla_nest_start\(\w+, (ZCOPY_\w+)\)", src):
        found.append((a, "nest"))
    # the counters[] tables, put with nla_put_u64_64bit in a loop
    for table in re.findall(r"counters\[\] = \{(.*?)\};", src, re.S):
        found += [(a, "u64") for a in re.findall(r"\{ (ZCOPY_\w+),", table)]
    for a, t in re.findall(r"\[(ZCOPY_\w+)\] = (?:\{ \.type = |"
                           r"NLA_POLICY_\w+\()(NLA_\w+)", src):
        found.append((a, NLA[t]))
    for a in re.findall(r"\[(ZCOPY_\w+)\] = NLA_POLICY_M(?:IN|AX)_LEN", src):
        found.append((a, "binary"))
    # zcopy_nl_put_stats: every counter from the first, NLA_U64
    stats = enum("zcopy_stats_attr", "ZCOPY_STATS_A_")
    first = stats.index("jobs-submitted")
    found += [("ZCOPY_STATS_A_" + n.upper().replace("-", "_"), "u64")
              for n in stats[first:]]
    bad = []
    for a, t in sorted(set(found)):
        prefix, name = next((p, n) for p, n in SETS if a.startswith(p))
        attr = a[len(prefix):].lower().replace("_", "-")
        s = next(x for x in spec["attribute-sets"] if x["name"] == name)
        st = next((x["type"] for x in s["attributes"]
                   if x["name"] == attr), None)
        if st != t:
            bad.append(f"{name}.{attr}: module {t}, spec {st}")
    return bad


submit_flags, submit_names = flags("submit-flags")
probe_flags, probe_names = flags("probe")
mcgrp = spec["mcast-groups"]["list"][0]

checks = [
    ("family name", [define("ZCOPY_GENL_NAME")], [spec["name"]]),
    ("family version", [int(define("ZCOPY_GENL_VERSION"))],
     [spec.get("version", 1)]),
    ("events group", [define("ZCOPY_GENL_MCGRP_EVENTS")],
     [g["name"] for g in spec["mcast-groups"]["list"]]),
    ("events group define", ["ZCOPY_GENL_MCGRP_EVENTS"],
     [mcgrp.get("c-define-name", "").upper().replace("-", "_")]),
    ("commands", enum("zcopy_cmd", "ZCOPY_CMD_"), ops()),
    ("attributes", enum("zcopy_attr", "ZCOPY_A_"), attr_set("zcopy")),
    ("stats attributes", enum("zcopy_stats_attr", "ZCOPY_STATS_A_"),
     attr_set("stats")),
    ("observe attributes", enum("zcopy_observe_attr", "ZCOPY_OBSERVE_A_"),
     attr_set("observe")),
    ("observe device attributes",
     enum("zcopy_observe_dev_attr", "ZCOPY_OBSERVE_DEV_A_"),
     attr_set("observe-dev")),
    ("observe file attributes",
     enum("zcopy_observe_file_attr", "ZCOPY_OBSERVE_FILE_A_"),
     attr_set("observe-file")),
    ("modes", enum("zcopy_mode", "ZCOPY_MODE_"), definition("mode")),
    ("states", enum("zcopy_state", "ZCOPY_STATE_"), definition("state")),
    ("submit flags", bits("ZCOPY_SUBMIT_", submit_names),
     [1 << i for i in range(len(submit_names))]),
    ("submit flags prefix", ["zcopy-submit-"], [submit_flags["name-prefix"]]),
    ("probe bits", all_bits("ZCOPY_PROBE_"), probe_names),
    ("probe prefix", ["zcopy-probe-"], [probe_flags["name-prefix"]]),
    ("attribute types in kmod/netlink.c", [], module_types()),
]

failed = 0
for what, in_header, in_spec in checks:
    if in_header != in_spec:
        failed += 1
        print(f"# {what}: header {in_header}")
        print(f"# {what}: spec   {in_spec}")
        only_h = sorted(set(in_header) - set(in_spec))
        only_s = sorted(set(in_spec) - set(in_header))
        print(f"# only in the header: {only_h}; only in the spec: {only_s}")
sys.exit(1 if failed else 0)
