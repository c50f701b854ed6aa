// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy_fuzz: a worker, one process of the run. It draws inputs from its
 * own random stream, runs them and counts what happened in its
 * worker_stats, which the parent reads.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include "zcopy_fuzz.h"

/* ---- Workers. ---- */

const struct fuzz_op_info op_table[OP_MAX] = {
	[OP_NL_SUBMIT_FDS] = { "nl-submit-fds", 18 },
	[OP_NL_SUBMIT_PATH] = { "nl-submit-path", 5 },
	[OP_NL_GET] = { "nl-get", 7 },
	[OP_NL_DUMP] = { "nl-dump", 3 },
	[OP_NL_DUMP_UNREAD] = { "nl-dump-unread", 2 },
	[OP_NL_CANCEL] = { "nl-cancel", 5 },
	[OP_NL_STATS] = { "nl-stats", 3 },
	[OP_NL_OBSERVE_START] = { "nl-observe-start", 5 },
	[OP_NL_OBSERVE_READ] = { "nl-observe-read", 3 },
	[OP_NL_OBSERVE_STOP] = { "nl-observe-stop", 3 },
	[OP_NL_UNKNOWN] = { "nl-unknown-cmd", 2 },
	[OP_NL_EVENTS] = { "nl-events", 2 },
	[OP_IOC_SUBMIT] = { "ioc-submit", 16 },
	[OP_IOC_BATCH] = { "ioc-batch", 6 },
	[OP_IOC_VERSION] = { "ioc-version", 2 },
	[OP_IOC_CANCEL] = { "ioc-cancel", 4 },
	[OP_IOC_RANDOM] = { "ioc-random", 2 },
	[OP_DEV_READ] = { "dev-read", 6 },
	[OP_DEV_POLL] = { "dev-poll", 2 },
	[OP_DEV_REOPEN] = { "dev-reopen", 1 },
	[OP_FD_CHURN] = { "fd-churn", 3 },
};

static void noop_handler(int sig)
{
	(void)sig;
}

static enum fuzz_op pick_op(void)
{
	static unsigned int total;
	unsigned int i, r;

	if (!total)
		for (i = 0; i < OP_MAX; i++)
			total += op_table[i].weight;
	r = rnd(total);
	for (i = 0; i < OP_MAX; i++) {
		if (r < op_table[i].weight)
			return i;
		r -= op_table[i].weight;
	}
	return OP_NL_STATS;
}

static void run_op(enum fuzz_op op)
{
	switch (op) {
	case OP_NL_SUBMIT_FDS:
		op_nl_submit_fds();
		break;
	case OP_NL_SUBMIT_PATH:
		op_nl_submit_path();
		break;
	case OP_NL_GET:
		op_nl_get(false);
		break;
	case OP_NL_DUMP:
		op_nl_get(true);
		break;
	case OP_NL_DUMP_UNREAD:
		op_nl_dump_unread();
		break;
	case OP_NL_CANCEL:
		op_nl_cancel();
		break;
	case OP_NL_STATS:
		op_nl_stats();
		break;
	case OP_NL_OBSERVE_START:
		op_nl_observe_start();
		break;
	case OP_NL_OBSERVE_READ:
		op_nl_observe_read(ZCOPY_CMD_OBSERVE_READ);
		break;
	case OP_NL_OBSERVE_STOP:
		op_nl_observe_read(ZCOPY_CMD_OBSERVE_STOP);
		break;
	case OP_NL_UNKNOWN:
		op_nl_unknown();
		break;
	case OP_NL_EVENTS:
		op_nl_events();
		break;
	case OP_IOC_SUBMIT:
		op_ioc_submit();
		break;
	case OP_IOC_BATCH:
		op_ioc_batch();
		break;
	case OP_IOC_VERSION:
		op_ioc_version();
		break;
	case OP_IOC_CANCEL:
		op_ioc_cancel();
		break;
	case OP_IOC_RANDOM:
		op_ioc_random();
		break;
	case OP_DEV_READ:
		op_dev_read();
		break;
	case OP_DEV_POLL:
		op_dev_poll();
		break;
	case OP_DEV_REOPEN:
		op_dev_reopen();
		break;
	case OP_FD_CHURN:
		op_fd_churn();
		break;
	default:
		break;
	}
}

static void drop_privileges(void)
{
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY)) {
		fail("cannot become nobody: %s", strerror(errno));
		_exit(1);
	}
}

/* Cancels what this worker started over netlink, so nothing outlives it. */
static void worker_cleanup(void)
{
	unsigned int i, n = nr_known_ids < MAX_IDS ? nr_known_ids : MAX_IDS;

	if (nl.fd >= 0 || !nl_open(&nl)) {
		for (i = 0; i < n; i++) {
			msg_init(&req, family_id, NLM_F_ACK, ZCOPY_CMD_CANCEL,
				 1);
			msg_put_u64(&req, ZCOPY_A_ID, known_ids[i]);
			nl_transact(&nl, false, NULL, NULL, ERRSET(ENOENT),
				    "cleanup CANCEL");
		}
	}
	/* The device's release cancels its own jobs and waits for them. */
	close_fd(&dev_fd);
}

void worker_main(int idx, long inputs, double deadline)
{
	struct sigaction sa = { .sa_handler = noop_handler };
	int ret;

	worker_index = idx;
	ws = &all_stats[idx];
	/* Streams of one seed: the worker's index mixed in, not added. */
	rng_state = opts.seed;
	rng_state = rnd64() ^ (idx + 1) * 0xd1342543de82ef95ULL;
	rng_state = rnd64();
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* SIGALRM interrupts blocking calls: no SA_RESTART. */
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	fds_init();
	if (ws->unpriv)
		drop_privileges();

	arena = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (arena == MAP_FAILED || mprotect(arena + 2 * PAGE, PAGE, PROT_NONE)) {
		fail("arena: %s", strerror(errno));
		_exit(1);
	}
	ret = nl_open(&nl);
	if (!ret)
		ret = resolve_family(&nl);
	if (ret) {
		fail("resolving family %s: %s", ZCOPY_GENL_NAME,
		     strerror(-ret));
		_exit(1);
	}
	dev_fd = open_dev(O_RDWR);
	dev_rec_size = ZCOPY_COMPLETION_SIZE_VER0;

	while (ws->inputs < (uint64_t)inputs && now_s() < deadline) {
		enum fuzz_op op = pick_op();

		ws->ops[op]++;
		ws->current_op = op;
		run_op(op);
		ws->inputs++;
		if (nl.fd < 0 && nl_open(&nl)) {
			fail("netlink socket: %s", strerror(errno));
			break;
		}
	}
	worker_cleanup();
	ws->finished = 1;
	_exit(0);
}
