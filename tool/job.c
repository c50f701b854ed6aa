// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl: a transfer job's record, shared by send, list, show, cancel
 * and watch. The field names are those of the design (netlink, JSON and
 * the documentation alike).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "cmd.h"
#include "job.h"

static const char *const mode_names[] = {
	[ZCOPY_MODE_COPY]	= "copy",
	[ZCOPY_MODE_MMAP]	= "mmap",
	[ZCOPY_MODE_SENDFILE]	= "sendfile",
	[ZCOPY_MODE_SG]		= "sg",
};

static const char *const state_names[] = {
	[ZCOPY_STATE_QUEUED]	= "queued",
	[ZCOPY_STATE_RUNNING]	= "running",
	[ZCOPY_STATE_DONE]	= "done",
	[ZCOPY_STATE_FAILED]	= "failed",
	[ZCOPY_STATE_CANCELLED]	= "cancelled",
};

const char *job_mode_name(unsigned int mode)
{
	return mode < ARRAY_SIZE(mode_names) ? mode_names[mode] : NULL;
}

const char *job_state_name(unsigned int state)
{
	return state < ARRAY_SIZE(state_names) ? state_names[state] : NULL;
}

int job_mode_parse(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mode_names); i++)
		if (!strcmp(name, mode_names[i]))
			return (int)i;
	return -1;
}

bool job_state_final(unsigned int state)
{
	/* A state newer than the tool counts as final: nothing to wait for. */
	return state != ZCOPY_STATE_QUEUED && state != ZCOPY_STATE_RUNNING;
}

/* The counters: one line each, as in the module's zcopy_nl_put_job(). */
#define JOB_U64(attr, field)	{ attr, offsetof(struct zcopy_completion, field) }

static const struct job_u64_attr {
	int attr;
	size_t offset;
} job_u64_attrs[] = {
	JOB_U64(ZCOPY_A_ID,			id),
	JOB_U64(ZCOPY_A_OFFSET,			offset),
	JOB_U64(ZCOPY_A_LENGTH,			length),
	JOB_U64(ZCOPY_A_USER_DATA,		user_data),
	JOB_U64(ZCOPY_A_BYTES_SENT,		bytes_sent),
	JOB_U64(ZCOPY_A_CPU_COPY_BYTES,		cpu_copy_bytes),
	JOB_U64(ZCOPY_A_REF_BYTES,		ref_bytes),
	JOB_U64(ZCOPY_A_DMA_IN_BYTES,		dma_in_bytes),
	JOB_U64(ZCOPY_A_DMA_OUT_BYTES,		dma_out_bytes),
	JOB_U64(ZCOPY_A_CACHE_HIT_PAGES,	cache_hit_pages),
	JOB_U64(ZCOPY_A_CACHE_MISS_PAGES,	cache_miss_pages),
	JOB_U64(ZCOPY_A_SKBS,			skbs),
	JOB_U64(ZCOPY_A_FRAGS,			frags),
	JOB_U64(ZCOPY_A_SYSCALLS,		syscalls),
	JOB_U64(ZCOPY_A_CONTEXT_SWITCHES,	context_switches),
	JOB_U64(ZCOPY_A_QUEUED_NS,		queued_ns),
	JOB_U64(ZCOPY_A_START_NS,		start_ns),
	JOB_U64(ZCOPY_A_END_NS,			end_ns),
	JOB_U64(ZCOPY_A_CPU_NS,			cpu_ns),
};

int job_dev_open(int extra_flags)
{
	__u32 size = sizeof(struct zcopy_completion);
	int fd, err;

	fd = open(JOB_DEV_PATH, O_RDWR | O_CLOEXEC | extra_flags);
	if (fd < 0)
		return -1;
	if (ioctl(fd, ZCOPY_IOC_SET_RECORD_SIZE, &size) ||
	    size != sizeof(struct zcopy_completion)) {
		err = size != sizeof(struct zcopy_completion) ? EPROTO : errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

bool job_dev_record_ok(const struct zcopy_completion *rec)
{
	return rec->size == sizeof(*rec) &&
	       rec->version == ZCOPY_COMPLETION_VERSION;
}

int job_from_nlmsg(struct nlmsghdr *nlh, struct zcopy_completion *rec)
{
	static struct nla_policy policy[ZCOPY_A_MAX + 1] = {
		[ZCOPY_A_MODE]		= { .type = NLA_U32 },
		[ZCOPY_A_STATE]		= { .type = NLA_U32 },
		[ZCOPY_A_ERROR]		= { .type = NLA_S32 },
		[ZCOPY_A_VERIFIED]	= { .type = NLA_U8 },
		[ZCOPY_A_EGRESS_DEV]	= { .type = NLA_STRING },
		[ZCOPY_A_HEADER_LEN]	= { .type = NLA_U32 },
		[ZCOPY_A_TRAILER_LEN]	= { .type = NLA_U32 },
	};
	struct nlattr *tb[ZCOPY_A_MAX + 1];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(job_u64_attrs); i++)
		policy[job_u64_attrs[i].attr].type = NLA_U64;

	if (genlmsg_parse(nlh, 0, tb, ZCOPY_A_MAX, policy) < 0)
		return -EPROTO;
	/* Without these three the record means nothing. */
	if (!tb[ZCOPY_A_ID] || !tb[ZCOPY_A_MODE] || !tb[ZCOPY_A_STATE])
		return -EPROTO;

	memset(rec, 0, sizeof(*rec));
	for (i = 0; i < ARRAY_SIZE(job_u64_attrs); i++) {
		struct nlattr *attr = tb[job_u64_attrs[i].attr];

		if (attr)
			*(__u64 *)((char *)rec + job_u64_attrs[i].offset) =
				nla_get_u64(attr);
	}
	rec->mode = nla_get_u32(tb[ZCOPY_A_MODE]);
	rec->state = nla_get_u32(tb[ZCOPY_A_STATE]);
	if (tb[ZCOPY_A_ERROR])
		rec->error = nla_get_s32(tb[ZCOPY_A_ERROR]);
	if (tb[ZCOPY_A_VERIFIED])
		rec->verified = nla_get_u8(tb[ZCOPY_A_VERIFIED]);
	if (tb[ZCOPY_A_EGRESS_DEV])
		nla_strlcpy(rec->egress_dev, tb[ZCOPY_A_EGRESS_DEV],
			    sizeof(rec->egress_dev));
	if (tb[ZCOPY_A_HEADER_LEN])
		rec->header_len = nla_get_u32(tb[ZCOPY_A_HEADER_LEN]);
	if (tb[ZCOPY_A_TRAILER_LEN])
		rec->trailer_len = nla_get_u32(tb[ZCOPY_A_TRAILER_LEN]);
	return 0;
}

struct job_get_reply {
	struct zcopy_completion *rec;
	bool seen;
};

static int parse_get(struct nlmsghdr *nlh, void *arg)
{
	struct job_get_reply *reply = arg;
	int err;

	err = job_from_nlmsg(nlh, reply->rec);
	if (!err)
		reply->seen = true;
	return err;
}

int job_get(struct nl_ctx *ctx, uint64_t id, struct zcopy_completion *rec)
{
	/* ctx->what must outlive the call: one job at a time. */
	static char what[64];
	struct job_get_reply reply = { .rec = rec };
	struct nl_msg *msg;
	int err;

	snprintf(what, sizeof(what), "getting job %" PRIu64, id);
	ctx->what = what;
	msg = nl_ctx_new_msg(ctx, ZCOPY_CMD_GET, 0);
	if (!msg || nla_put_u64(msg, ZCOPY_A_ID, id) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	err = nl_ctx_request(ctx, what, msg, parse_get, &reply);
	if (!err && !reply.seen)
		err = -EPROTO;	/* an ACK without the reply */
	return err;
}

static void out_mode(const char *key, unsigned int mode)
{
	char name[24];

	if (job_mode_name(mode)) {
		out_str(key, job_mode_name(mode));
	} else {
		snprintf(name, sizeof(name), "mode%u", mode);
		out_str(key, name);
	}
}

static void out_state(const char *key, unsigned int state)
{
	char name[24];

	if (job_state_name(state)) {
		out_str(key, job_state_name(state));
	} else {
		snprintf(name, sizeof(name), "state%u", state);
		out_str(key, name);
	}
}

/* JSON: the negative errno. Text: "0", or "-32 (Broken pipe)". */
static void out_error(const char *key, int error, const char *none)
{
	char text[96];

	if (out_is_json()) {
		out_s64(key, error);
		return;
	}
	if (!error) {
		out_str(key, none);
		return;
	}
	snprintf(text, sizeof(text), "%d (%s)", error, strerror(-error));
	out_str(key, text);
}

/* end_ns - start_ns once the job has ended, else 0: not known yet. */
static uint64_t job_duration_ns(const struct zcopy_completion *rec)
{
	if (!job_state_final(rec->state) || !rec->start_ns ||
	    rec->end_ns < rec->start_ns)
		return 0;
	return rec->end_ns - rec->start_ns;
}

/* The duration (ns) and the rate (bytes/s): null until the job has ended. */
static void out_timing(const char *duration_key,
		       const struct zcopy_completion *rec)
{
	uint64_t ns = job_duration_ns(rec);

	if (!ns) {
		out_ns_null(duration_key);
		out_rate_null("rate");
		return;
	}
	out_ns(duration_key, ns);
	out_rate("rate", (double)rec->bytes_sent * 1e9 / (double)ns);
}

void job_out_fields(const struct zcopy_completion *rec)
{
	out_u64("id", rec->id);
	out_mode("mode", rec->mode);
	out_state("state", rec->state);
	out_error("error", rec->error, "0");
	out_u64("offset", rec->offset);
	out_bytes("length", rec->length);
	out_bytes("header_len", rec->header_len);
	out_bytes("trailer_len", rec->trailer_len);
	out_bytes("bytes_sent", rec->bytes_sent);
	out_bytes("cpu_copy_bytes", rec->cpu_copy_bytes);
	out_bytes("ref_bytes", rec->ref_bytes);
	out_bytes("dma_in_bytes", rec->dma_in_bytes);
	out_bytes("dma_out_bytes", rec->dma_out_bytes);
	out_u64("cache_hit_pages", rec->cache_hit_pages);
	out_u64("cache_miss_pages", rec->cache_miss_pages);
	out_u64("skbs", rec->skbs);
	out_u64("frags", rec->frags);
	out_u64("syscalls", rec->syscalls);
	out_u64("context_switches", rec->context_switches);
	out_u64("queued_ns", rec->queued_ns);
	out_u64("start_ns", rec->start_ns);
	out_u64("end_ns", rec->end_ns);
	out_ns("cpu_ns", rec->cpu_ns);
	out_timing("duration_ns", rec);
	out_str("egress_dev", rec->egress_dev);
	out_bool("verified", rec->verified);
	out_u64("user_data", rec->user_data);
}

/* ID, STATE, MODE, BYTES SENT, LENGTH, DURATION, RATE, ERROR */
static const unsigned int job_row_widths[] = { 4, 9, 8, 10, 10, 12, 12 };

const struct out_table_layout job_table_layout = {
	.min_width	= job_row_widths,
	.nr_min_width	= ARRAY_SIZE(job_row_widths),
};

const struct out_table_layout job_table_layout_cont = {
	.min_width	= job_row_widths,
	.nr_min_width	= ARRAY_SIZE(job_row_widths),
	.no_header	= true,
};

void job_out_row(const struct zcopy_completion *rec)
{
	out_open_object(NULL);
	out_u64("id", rec->id);
	out_state("state", rec->state);
	out_mode("mode", rec->mode);
	out_bytes("bytes_sent", rec->bytes_sent);
	out_bytes("length", rec->length);
	out_timing("duration", rec);
	out_error("error", rec->error, "-");
	out_close_object();
}
