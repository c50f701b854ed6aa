#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The job core never calls up into its front ends: the files of the core
# include no front end's header and name no front end's function. The
# front ends (chardev.c, netlink.c, observe_user.c) plug in through
# struct zcopy_job_ops and the event function main.c hands the core.
set -euo pipefail
cd "$(dirname "$0")/../kmod"

core=(job.c job.h run.c run.h sched.c sched.h user.c user.h target.c
      target.h engine.c engine.h cache_probe.c cache_probe.h identity.c
      identity.h fstype.c fstype.h cputime.c cputime.h)
front_headers='"(netlink|owner|observe_user|zcopy)\.h"'
front_calls='zcopy_(nl|owner|genl|chardev|obs_user)_[a-z_]+'

bad=0
for f in "${core[@]}"; do
	if grep -nE "#include $front_headers" "$f"; then
		echo "$f: the job core includes a front end's header" >&2
		bad=1
	fi
	if grep -nE "\\b$front_calls\\(" "$f"; then
		echo "$f: the job core calls a front end" >&2
		bad=1
	fi
done
exit "$bad"
