// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy_fuzz: jobs. The invariants every job record keeps, whether read()
 * from /dev/zcopy or sent over netlink, and the job ids a worker has seen.
 */
#include <errno.h>
#include <inttypes.h>

#include "zcopy_fuzz.h"

/* ---- Checks of what the module says about a job. ---- */

static const uint8_t job_u64_attrs[] = {
	ZCOPY_A_ID, ZCOPY_A_OFFSET, ZCOPY_A_LENGTH, ZCOPY_A_USER_DATA,
	ZCOPY_A_BYTES_SENT, ZCOPY_A_CPU_COPY_BYTES, ZCOPY_A_REF_BYTES,
	ZCOPY_A_DMA_IN_BYTES, ZCOPY_A_DMA_OUT_BYTES, ZCOPY_A_CACHE_HIT_PAGES,
	ZCOPY_A_CACHE_MISS_PAGES, ZCOPY_A_SKBS, ZCOPY_A_FRAGS,
	ZCOPY_A_SYSCALLS, ZCOPY_A_CONTEXT_SWITCHES, ZCOPY_A_QUEUED_NS,
	ZCOPY_A_START_NS, ZCOPY_A_END_NS, ZCOPY_A_CPU_NS,
};

/* The invariants every job record keeps, from read() or netlink. */
void check_record(const char *where, uint64_t id, uint32_t mode,
		  uint32_t state, int32_t error, uint64_t length,
		  uint64_t frame, uint64_t sent, uint64_t queued_ns,
		  uint64_t start_ns, uint64_t end_ns)
{
	bool ended = state >= ZCOPY_STATE_DONE;

	/* Header and trailer are sent with the range. */
	if (frame == FRAME_UNKNOWN)
		length = sent;
	else
		length += frame;
	if (!id || mode > ZCOPY_MODE_MAX || state > ZCOPY_STATE_MAX) {
		fail("%s: job %" PRIu64 " mode %u state %u", where, id, mode,
		     state);
		return;
	}
	if ((state == ZCOPY_STATE_DONE && (error || sent != length)) ||
	    (state == ZCOPY_STATE_CANCELLED && error != -ECANCELED) ||
	    (state == ZCOPY_STATE_FAILED && (error >= 0 ||
					     error == -ECANCELED)) ||
	    (!ended && error) || error > 0 || error < -4095)
		fail("%s: job %" PRIu64 " state %u error %d sent %" PRIu64
		     " of %" PRIu64, where, id, state, error, sent, length);
	if (sent > length)
		fail("%s: job %" PRIu64 " sent %" PRIu64 " > length %" PRIu64,
		     where, id, sent, length);
	if (ended && (!queued_ns || start_ns < queued_ns || end_ns < start_ns))
		fail("%s: job %" PRIu64 " times %" PRIu64 " %" PRIu64
		     " %" PRIu64, where, id, queued_ns, start_ns, end_ns);
}

bool job_msg(const struct nlmsghdr *nlh, void *arg)
{
	const struct genlmsghdr *g = NLMSG_DATA(nlh);
	struct job_reply *r = arg;
	const struct nlattr *const *tb;
	struct attrs a;
	unsigned int i;
	uint32_t state;

	parse_attrs(&a, (const char *)g + GENL_HDRLEN,
		    nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN), ZCOPY_A_MAX);
	tb = a.tb;
	if (a.malformed) {
		fail("job message: attributes overrun");
		return false;
	}
	for (i = 0; i < ARRAY_SIZE(job_u64_attrs); i++) {
		if (!tb[job_u64_attrs[i]] ||
		    nla_len(tb[job_u64_attrs[i]]) != 8) {
			fail("job message (cmd %u): attribute %u missing or not u64",
			     g->cmd, job_u64_attrs[i]);
			return false;
		}
	}
	if (!tb[ZCOPY_A_MODE] || nla_len(tb[ZCOPY_A_MODE]) != 4 ||
	    !tb[ZCOPY_A_STATE] || nla_len(tb[ZCOPY_A_STATE]) != 4 ||
	    !tb[ZCOPY_A_ERROR] || nla_len(tb[ZCOPY_A_ERROR]) != 4 ||
	    !tb[ZCOPY_A_VERIFIED] || nla_len(tb[ZCOPY_A_VERIFIED]) != 1 ||
	    !tb[ZCOPY_A_HEADER_LEN] || nla_len(tb[ZCOPY_A_HEADER_LEN]) != 4 ||
	    !tb[ZCOPY_A_TRAILER_LEN] || nla_len(tb[ZCOPY_A_TRAILER_LEN]) != 4 ||
	    !tb[ZCOPY_A_EGRESS_DEV] || !nla_is_string(tb[ZCOPY_A_EGRESS_DEV], 16)) {
		fail("job message (cmd %u): mode/state/error/verified/egress_dev/frame malformed",
		     g->cmd);
		return false;
	}
	if (*(const uint8_t *)nla_data(tb[ZCOPY_A_VERIFIED]) > 1)
		fail("job message: verified %u",
		     *(const uint8_t *)nla_data(tb[ZCOPY_A_VERIFIED]));
	state = nla_u32(tb[ZCOPY_A_STATE]);
	check_record(g->cmd == ZCOPY_CMD_EVENT_DONE ? "event" : "GET",
		     nla_u64(tb[ZCOPY_A_ID]), nla_u32(tb[ZCOPY_A_MODE]), state,
		     (int32_t)nla_u32(tb[ZCOPY_A_ERROR]),
		     nla_u64(tb[ZCOPY_A_LENGTH]),
		     (uint64_t)nla_u32(tb[ZCOPY_A_HEADER_LEN]) +
		     nla_u32(tb[ZCOPY_A_TRAILER_LEN]),
		     nla_u64(tb[ZCOPY_A_BYTES_SENT]),
		     nla_u64(tb[ZCOPY_A_QUEUED_NS]),
		     nla_u64(tb[ZCOPY_A_START_NS]), nla_u64(tb[ZCOPY_A_END_NS]));
	if (r->want_id && nla_u64(tb[ZCOPY_A_ID]) != r->want_id)
		fail("GET %" PRIu64 " answered job %" PRIu64, r->want_id,
		     nla_u64(tb[ZCOPY_A_ID]));
	if (g->cmd == ZCOPY_CMD_EVENT_DONE && state < ZCOPY_STATE_DONE)
		fail("event of a job in state %u", state);
	if (state <= ZCOPY_STATE_MAX && r->states)
		r->states[state]++;
	r->count++;
	return true;
}

/* ---- Job ids a worker has seen, for GET and CANCEL. ---- */

uint64_t known_ids[MAX_IDS];
unsigned int nr_known_ids;
static uint64_t last_id;

void remember_id(uint64_t id, const char *where)
{
	if (!id || (last_id && id <= last_id))
		fail("%s: job id %" PRIu64 " after %" PRIu64, where, id,
		     last_id);
	last_id = id;
	known_ids[nr_known_ids++ % MAX_IDS] = id;
	ws->jobs_created++;
}

uint64_t pick_id(void)
{
	unsigned int n = nr_known_ids < MAX_IDS ? nr_known_ids : MAX_IDS;

	if (n && chance(75))
		return known_ids[rnd(n)];
	if (chance(50))
		return last_id + rnd(3);
	return edge_value();
}
