/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SIGINT and SIGTERM as a request to stop, seen between ppoll() waits.
 */
#ifndef ZCOPYCTL_SIGNALS_H
#define ZCOPYCTL_SIGNALS_H

#include <signal.h>
#include <stdatomic.h>

/*
 * Set by the handler to the signal's number, 0 until then; lock-free, so
 * a handler may set it (C11 7.14.1.1).
 */
extern atomic_int stop_requested;

/*
 * Block SIGINT and SIGTERM and catch them into stop_requested, so that
 * none is lost between a check and a wait: they get in only during a
 * ppoll() given *wait_mask. *saved receives the mask as it was.
 */
void stop_signals_catch(sigset_t *saved, sigset_t *wait_mask);

#endif /* ZCOPYCTL_SIGNALS_H */
