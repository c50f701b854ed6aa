// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl bench: the module's observer on a user-space socket
 * or on its cgroup (ZCOPY_CMD_OBSERVE_START/STOP), and its module-wide counters (STATS).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/zcopy.h>

#include "bench.h"
#include "observation.h"

int bench_observe_start(struct bench_env *env, int sock_fd, int file_fd,
			uint64_t *id)
{
	int err;

	if (!env->nl || env->observe_broken)
		return -EOPNOTSUPP;
	err = observation_start_socket(env->nl, sock_fd, file_fd, id);
	if (err) {
		/* Said once; later runs go without (verified false). */
		env->observe_broken = true;
		snprintf(env->observe_why, sizeof(env->observe_why), "%s%s%s",
			 strerror(-err), env->nl->extack[0] ? ": " : "",
			 env->nl->extack);
	}
	return err;
}

int bench_observe_start_cgroup(struct bench_cell *cell, uint64_t *id)
{
	struct bench_env *env = cell->env;
	int err;

	if (!env->nl || env->cgroup_fd < 0)
		return bench_fail(cell, true, EOPNOTSUPP, "observing our cgroup");
	err = observation_start_cgroup(env->nl, env->cgroup_fd, id);
	if (err)
		bench_fail(cell, err == -EOPNOTSUPP || err == -EPERM, -err,
			   "observing our cgroup");
	return err;
}

int bench_observe_stop(struct bench_env *env, uint64_t id,
		       struct bench_observation *obs)
{
	struct observation o;
	int err;

	err = observation_read(env->nl, id, true, &o);
	if (err)
		return err;
	obs->probes = o.v[ZCOPY_OBSERVE_A_PROBES];
	obs->bytes = o.v[ZCOPY_OBSERVE_A_BYTES];
	obs->copied_bytes = o.v[ZCOPY_OBSERVE_A_COPIED_BYTES];
	obs->ref_bytes = o.v[ZCOPY_OBSERVE_A_REF_BYTES];
	obs->dma_out_bytes = o.v[ZCOPY_OBSERVE_A_DMA_OUT_BYTES];
	obs->retrans_bytes = o.v[ZCOPY_OBSERVE_A_RETRANS_BYTES];
	return 0;
}

int bench_module_stats(struct bench_env *env, struct module_stats *s)
{
	return env->nl ? module_stats_read(env->nl, s) : -ENOENT;
}
