#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Check that Documentation/netlink/specs/zcopy.yaml and the uapi header
declare the same family, group, commands, attributes and enums, in the
same order (the order gives the numbers)."""
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
    return re.search(r"#define %s\s+(\S+)" % name, header).group(1).strip('"')


def attr_set(name):
    s = next(a for a in spec["attribute-sets"] if a["name"] == name)
    return [a["name"] for a in s["attributes"]]


def definition(name):
    return next(d for d in spec["definitions"] if d["name"] == name)["entries"]


checks = [
    ("family name", [define("ZCOPY_GENL_NAME")], [spec["name"]]),
    ("events group", [define("ZCOPY_GENL_MCGRP_EVENTS")],
     [g["name"] for g in spec["mcast-groups"]["list"]]),
    ("commands", enum("zcopy_cmd", "ZCOPY_CMD_"),
     [o["name"] for o in spec["operations"]["list"]]),
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
