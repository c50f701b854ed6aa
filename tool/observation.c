// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl: the module's observer (ZCOPY_CMD_OBSERVE_*): start one, read
 * its counters, stop it.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "observation.h"

struct observation_reply {
	bool seen;
	uint64_t id;
	struct observation *o;
};

static uint64_t get_u64(struct nlattr **tb, int attr)
{
	return tb[attr] && nla_len(tb[attr]) == sizeof(uint64_t) ?
	       nla_get_u64(tb[attr]) : 0;
}

/* One egress device (ZCOPY_OBSERVE_A_DEVICE) or file (_FILE) nest. */
static void parse_where(struct observation *o, struct nlattr *nest)
{
	/* Room for either nest's attributes. */
	struct nlattr *tb[ZCOPY_OBSERVE_DEV_A_MAX + ZCOPY_OBSERVE_FILE_A_MAX + 1];
	struct observation_dev *d;
	struct observation_file *f;

	if (nla_type(nest) == ZCOPY_OBSERVE_A_DEVICE) {
		if (o->nr_devs == OBSERVATION_DEVS ||
		    nla_parse_nested(tb, ZCOPY_OBSERVE_DEV_A_MAX, nest, NULL) < 0)
			return;
		d = &o->devs[o->nr_devs++];
		if (tb[ZCOPY_OBSERVE_DEV_A_NAME])
			nla_strlcpy(d->name, tb[ZCOPY_OBSERVE_DEV_A_NAME],
				    sizeof(d->name));
		d->bytes = get_u64(tb, ZCOPY_OBSERVE_DEV_A_BYTES);
		d->copied = get_u64(tb, ZCOPY_OBSERVE_DEV_A_COPIED_BYTES);
		d->ref = get_u64(tb, ZCOPY_OBSERVE_DEV_A_REF_BYTES);
	} else if (nla_type(nest) == ZCOPY_OBSERVE_A_FILE) {
		if (o->nr_files == OBSERVATION_FILES ||
		    nla_parse_nested(tb, ZCOPY_OBSERVE_FILE_A_MAX, nest, NULL) < 0)
			return;
		f = &o->files[o->nr_files++];
		if (tb[ZCOPY_OBSERVE_FILE_A_DEV])
			f->dev = nla_get_u32(tb[ZCOPY_OBSERVE_FILE_A_DEV]);
		if (tb[ZCOPY_OBSERVE_FILE_A_GENERATION])
			f->generation =
				nla_get_u32(tb[ZCOPY_OBSERVE_FILE_A_GENERATION]);
		f->ino = get_u64(tb, ZCOPY_OBSERVE_FILE_A_INO);
		f->ref = get_u64(tb, ZCOPY_OBSERVE_FILE_A_REF_BYTES);
	}
}

/* The OBSERVE nest of a reply: every counter there is, the devices, files. */
static int parse_observation(struct nlmsghdr *nlh, void *arg)
{
	static struct nla_policy policy[ZCOPY_A_MAX + 1] = {
		[ZCOPY_A_OBSERVE]	= { .type = NLA_NESTED },
	};
	struct nlattr *ob[ZCOPY_OBSERVE_A_MAX + 1];
	struct nlattr *tb[ZCOPY_A_MAX + 1];
	struct observation_reply *r = arg;
	struct nlattr *nest;
	int i, rem;

	if (genlmsg_parse(nlh, 0, tb, ZCOPY_A_MAX, policy) < 0 ||
	    !tb[ZCOPY_A_OBSERVE] ||
	    nla_parse_nested(ob, ZCOPY_OBSERVE_A_MAX, tb[ZCOPY_A_OBSERVE],
			     NULL) < 0)
		return -EPROTO;
	memset(r->o, 0, sizeof(*r->o));
	for (i = ZCOPY_OBSERVE_A_ID; i <= ZCOPY_OBSERVE_A_MAX; i++) {
		if (!ob[i])
			continue;
		if (i == ZCOPY_OBSERVE_A_EGRESS_DEV)
			nla_strlcpy(r->o->egress_dev, ob[i],
				    sizeof(r->o->egress_dev));
		else if (i != ZCOPY_OBSERVE_A_DEVICE &&
			 i != ZCOPY_OBSERVE_A_FILE)
			r->o->v[i] = get_u64(ob, i);
	}
	/* Repeated nests: the parse above kept the last of each. */
	nla_for_each_nested(nest, tb[ZCOPY_A_OBSERVE], rem)
		parse_where(r->o, nest);
	r->id = r->o->v[ZCOPY_OBSERVE_A_ID];
	r->seen = true;
	return 0;
}

static int request(struct nl_ctx *ctx, const char *what, struct nl_msg *msg,
		   struct observation *o, uint64_t *id)
{
	struct observation scratch;
	struct observation_reply r = { .o = o ? o : &scratch };
	int err;

	err = nl_ctx_request(ctx, what, msg, parse_observation, &r);
	if (!err && !r.seen)
		err = -EPROTO;
	if (!err && id)
		*id = r.id;
	return err;
}

int observation_start_socket(struct nl_ctx *ctx, int sock_fd, int file_fd,
			     uint64_t *id)
{
	struct nl_msg *msg = nl_ctx_new_msg(ctx, ZCOPY_CMD_OBSERVE_START, 0);

	if (!msg || nla_put_s32(msg, ZCOPY_A_SOCK_FD, sock_fd) < 0 ||
	    (file_fd >= 0 && nla_put_s32(msg, ZCOPY_A_FILE_FD, file_fd) < 0)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return request(ctx, "starting an observation", msg, NULL, id);
}

/* OBSERVE_START of what one descriptor (attribute attr) names. */
static int start_fd(struct nl_ctx *ctx, int attr, int fd, const char *what,
		    uint64_t *id)
{
	struct nl_msg *msg = nl_ctx_new_msg(ctx, ZCOPY_CMD_OBSERVE_START, 0);

	if (!msg || nla_put_s32(msg, attr, fd) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return request(ctx, what, msg, NULL, id);
}

int observation_start_process(struct nl_ctx *ctx, int mem_fd, uint64_t *id)
{
	return start_fd(ctx, ZCOPY_A_PROC_MEM_FD, mem_fd,
			"observing the process", id);
}

int observation_start_cgroup(struct nl_ctx *ctx, int cgroup_fd, uint64_t *id)
{
	return start_fd(ctx, ZCOPY_A_CGROUP_FD, cgroup_fd,
			"observing the cgroup", id);
}

int observation_read(struct nl_ctx *ctx, uint64_t id, bool stop,
		     struct observation *o)
{
	uint8_t cmd = stop ? ZCOPY_CMD_OBSERVE_STOP : ZCOPY_CMD_OBSERVE_READ;
	struct nl_msg *msg = nl_ctx_new_msg(ctx, cmd, 0);

	if (!msg || nla_put_u64(msg, ZCOPY_A_OBSERVE_ID, id) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return request(ctx, stop ? "stopping the observation" :
		       "reading the observation", msg, o, NULL);
}

/* Our own cgroup v2 directory, from /proc/self/cgroup ("0::/path"). */
int observation_own_cgroup(char *dir, size_t len)
{
	char line[PATH_MAX];
	struct statfs fs;
	int err = -ENOENT;
	FILE *f;

	if (statfs(OBSERVATION_CGROUP_MOUNT, &fs) || fs.f_type != CGROUP2_SUPER_MAGIC)
		return -ENOTDIR;
	f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		if ((size_t)snprintf(dir, len, "%s%s", OBSERVATION_CGROUP_MOUNT,
				     strcmp(line + 3, "/") ? line + 3 : "") >= len)
			err = -ENAMETOOLONG;
		else
			err = 0;
		break;
	}
	fclose(f);
	return err;
}
