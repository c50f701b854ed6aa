// SPDX-License-Identifier: GPL-2.0
/*
 * SIGINT and SIGTERM as a request to stop, seen between ppoll() waits.
 */
#include "signals.h"

atomic_int stop_requested;

static void on_stop_signal(int sig)
{
	atomic_store(&stop_requested, sig);
}

void stop_signals_catch(sigset_t *saved, sigset_t *wait_mask)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };
	sigset_t block;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, saved);
	*wait_mask = *saved;
	sigdelset(wait_mask, SIGINT);
	sigdelset(wait_mask, SIGTERM);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}
