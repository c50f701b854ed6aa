// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy_fuzz: the character device /dev/zcopy. ioctls with arguments
 * that end at a guard page, read() of every size, poll(), and reopening,
 * which cancels the jobs of the fd closed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <sys/ioctl.h>

#include "zcopy_fuzz.h"

/* ---- The character device. ---- */

/* ioctl SUBMIT and SUBMIT_BATCH. */
static const int submit_errs[] = {
	EINVAL, E2BIG, EFAULT, EBADF, ENOTSOCK, EPROTONOSUPPORT, ENOTCONN,
	EOVERFLOW, EOPNOTSUPP, EAGAIN, ENOMEM, EINTR,
};

/*
 * Scratch memory for ioctl arguments: two pages and a guard page, so
 * that structures can end right before a fault.
 */
char *arena;

static void *arena_tail(size_t len)
{
	return arena + 2 * PAGE - len;
}

static void check_ioctl_ret(const char *what, long ret, int err,
			    struct errset allowed)
{
	char ebuf[16];

	if (ret != 0 && ret != -1) {
		fail("%s returned %ld", what, ret);
		return;
	}
	count_errno(ws->ioc_errno, ret ? err : 0);
	if (ret && !errset_has(allowed, err))
		fail("%s: errno %s not expected", what,
		     errno_label(err, ebuf, sizeof(ebuf)));
}

static void track_dev_id(uint64_t id)
{
	if (nr_dev_ids < ARRAY_SIZE(dev_ids))
		dev_ids[nr_dev_ids++] = id;
	else
		dev_ids_overflow = true;
}

/*
 * A header or a trailer: mostly none or one that fits, sometimes too long
 * or at an address that faults; *valid turns false for those.
 */
static void pick_frame(__u64 *ptr, __u32 *len, bool *valid)
{
	static char frame[ZCOPY_HEADER_MAX];

	if (chance(70))
		return;
	*len = chance(90) ? rnd(chance(90) ? 512 : ZCOPY_HEADER_MAX + 1) :
	       (uint32_t)edge_value();
	*ptr = chance(95) ? (uintptr_t)frame : chance(50) ? 0 : rnd64();
	if (*len > ZCOPY_HEADER_MAX || (*len && *ptr != (uintptr_t)frame))
		*valid = false;
}

/* One zcopy_submit; *valid: the module has to take it. */
static void fill_submit(struct zcopy_submit *s, struct job_fds *j,
			bool *valid)
{
	uint64_t offset, length;
	bool range_ok, frame_ok = true;

	pick_job_fds(j);
	memset(s, 0, sizeof(*s));
	s->size = sizeof(*s);
	s->file_fd = j->file_fd;
	s->sock_fd = j->sock_fd;
	s->mode = chance(95) ? rnd(ZCOPY_MODE_MAX + 1) : (uint32_t)edge_value();
	pick_range(j, &offset, &length, &range_ok);
	s->offset = offset;
	s->length = length;
	if (chance(30))
		s->flags = ZCOPY_SUBMIT_INLINE;	/* run in this call */
	if (chance(3))
		s->flags |= 1U << rnd(32);
	if (chance(3))
		s->reserved = 1 + rnd(100);
	s->user_data = rnd64();
	s->id = chance(90) ? 0 : rnd64();
	pick_frame(&s->header, &s->header_len, &frame_ok);
	pick_frame(&s->trailer, &s->trailer_len, &frame_ok);
	if (chance(8))
		s->size = chance(50) ? ZCOPY_SUBMIT_SIZE_VER0 :
			  (uint32_t)edge_value();
	*valid = j->valid && range_ok && s->mode <= ZCOPY_MODE_MAX &&
		 !(s->flags & ~ZCOPY_SUBMIT_FLAGS_ALL) && !s->reserved &&
		 s->size == sizeof(*s) && frame_ok &&
		 j->file_kind != RES_MEMFD;
	if (!files[j->file].page_ok && s->mode != ZCOPY_MODE_COPY)
		*valid = false;
}

void op_ioc_submit(void)
{
	struct zcopy_submit *s;
	struct job_fds j;
	bool valid, bad_ptr;
	long ret;
	int err;

	if (dev_fd < 0)
		return;
	/* At the start of the arena, or flush against the guard page. */
	s = chance(70) ? (void *)arena : arena_tail(sizeof(*s));
	memset(arena, 0, 2 * PAGE);
	fill_submit(s, &j, &valid);
	/* Bytes past sizeof: zero (accepted) or not (E2BIG). */
	if (s->size > sizeof(*s) && (void *)s == arena && chance(50))
		arena[sizeof(*s) + rnd(PAGE)] = 1;
	bad_ptr = chance(2);
	if (bad_ptr)
		valid = false;
	ret = ioctl(dev_fd, ZCOPY_IOC_SUBMIT, bad_ptr ? (chance(50) ? NULL :
		    (void *)(arena + 2 * PAGE)) : s);
	err = errno;
	check_ioctl_ret("SUBMIT", ret, err,
			errlist(submit_errs, ARRAY_SIZE(submit_errs)));
	if (!ret && bad_ptr) {
		fail("SUBMIT of a bad pointer succeeded");
	} else if (!ret) {
		remember_id(s->id, "ioctl SUBMIT");
		track_dev_id(s->id);
		maybe_close_after(&j);
	} else if (valid && err != EAGAIN &&
		   !(err == ENOTCONN && !tcp_still_connected(j.sock_fd))) {
		fail("SUBMIT of a valid job (file %s, sock kind %d, mode %u off %" PRIu64
		     " len %" PRIu64 "): %s", files[j.file].path, j.sock_kind,
		     s->mode, s->offset, s->length, strerror(err));
	}
}

/* The batch's stride: mostly sizeof, sometimes larger, rarely anything. */
static uint32_t pick_entry_size(void)
{
	if (chance(60))
		return sizeof(struct zcopy_submit);
	if (chance(50))
		return chance(50) ? 0 : sizeof(struct zcopy_submit) +
			8 * (1 + rnd(24));
	return (uint32_t)edge_value();
}

void op_ioc_batch(void)
{
	static struct zcopy_submit_batch *b;
	unsigned int count, i, room;
	uint32_t entry_size, stride, step;
	struct zcopy_submit s;
	struct job_fds j;
	bool valid, bad_ptr;
	char *entries;
	long ret;
	int err;

	if (dev_fd < 0)
		return;
	memset(arena, 0, 2 * PAGE);
	count = chance(80) ? 1 + rnd(8) : (uint32_t)edge_value();
	room = count < 32 ? count : 32;
	entry_size = pick_entry_size();
	b = (void *)arena;
	b->size = chance(90) ? sizeof(*b) : chance(50) ?
		  ZCOPY_SUBMIT_BATCH_SIZE_VER0 : (uint32_t)edge_value();
	/* A batch too short for entry_size strides by the VER0 struct. */
	stride = b->size >= offsetof(struct zcopy_submit_batch, entry_size) +
		 sizeof(b->entry_size) ? entry_size : 0;
	stride = stride ?: ZCOPY_SUBMIT_SIZE_VER0;
	/* How they are laid out; a stride the module refuses gets sizeof. */
	step = stride >= ZCOPY_SUBMIT_SIZE_VER0 && stride <= 512 ? stride :
	       sizeof(s);
	/* Entries at the start, or ending at the guard page (EFAULT mid-way). */
	entries = chance(80) ? arena + 64 :
		  (char *)arena_tail(room * step - rnd(2) * 8);
	if (entries < arena + 64)
		entries = arena + 64;
	for (i = 0; i < room && entries + (i + 1) * step <= arena + 2 * PAGE;
	     i++) {
		fill_submit(&s, &j, &valid);
		if (s.size == sizeof(s))
			s.size = step;
		/* A VER0 entry: the next one starts where its frame was. */
		memcpy(entries + i * step, &s, step < sizeof(s) ? step :
		       sizeof(s));
	}
	b->count = count;
	b->jobs = (uintptr_t)entries;
	b->entry_size = entry_size;
	if (chance(5))
		b->jobs = chance(50) ? 0 : chance(50) ?
			  (uintptr_t)(arena + 2 * PAGE) : rnd64();
	bad_ptr = chance(3);
	ret = ioctl(dev_fd, ZCOPY_IOC_SUBMIT_BATCH, bad_ptr ? (chance(50) ?
		    NULL : (void *)(arena + 2 * PAGE - 8)) : b);
	err = errno;
	check_ioctl_ret("SUBMIT_BATCH", ret, err,
			errlist(submit_errs, ARRAY_SIZE(submit_errs)));
	if (ret)
		return;
	if (bad_ptr) {
		fail("SUBMIT_BATCH of a bad pointer succeeded");
		return;
	}
	if (!b->count || b->count > count || b->count > room) {
		fail("SUBMIT_BATCH of %u accepted %u", count, b->count);
		return;
	}
	if (stride != step) {
		fail("SUBMIT_BATCH of stride %u took entries %u apart",
		     stride, step);
		return;
	}
	for (i = 0; i < b->count; i++) {
		memcpy(&s, entries + i * step, ZCOPY_SUBMIT_SIZE_VER0);
		remember_id(s.id, "ioctl SUBMIT_BATCH");
		track_dev_id(s.id);
	}
}

static bool all_zero(const char *p, size_t len)
{
	while (len--)
		if (*p++)
			return false;
	return true;
}

void op_ioc_version(void)
{
	struct zcopy_version *v;
	bool bad_ptr;
	long ret;

	if (dev_fd < 0)
		return;
	v = chance(80) ? (void *)arena : arena_tail(sizeof(*v) - rnd(2) * 8);
	memset(v, 0xaa, sizeof(*v) - ((char *)v == arena ? 0 : 8));
	bad_ptr = chance(5);
	ret = ioctl(dev_fd, ZCOPY_IOC_VERSION, bad_ptr ? NULL : v);
	check_ioctl_ret("VERSION", ret, errno, ERRSET(EFAULT));
	if (!ret && bad_ptr)
		fail("VERSION to NULL succeeded");
	else if (!ret && (v->abi_version != ZCOPY_ABI_VERSION || !v->modes ||
			  v->modes & ~((1U << (ZCOPY_MODE_MAX + 1)) - 1) ||
			  !memchr(v->release, 0, sizeof(v->release))))
		fail("VERSION: abi %u modes %#x", v->abi_version, v->modes);
	/*
	 * The command's size is the caller's (zeroes past what the module
	 * knows); another direction is another command.
	 */
	if (chance(30)) {
		unsigned int dir = rnd(4), size = rnd(128);
		unsigned long cmd = _IOC(dir, ZCOPY_IOC_MAGIC,
					 _IOC_NR(ZCOPY_IOC_VERSION), size);

		memset(arena, 0xaa, 2 * PAGE);
		ret = ioctl(dev_fd, cmd, arena);
		if (dir != _IOC_READ)
			check_ioctl_ret("VERSION of another direction", ret,
					errno, ERRSET(ENOTTY));
		else if (size < ZCOPY_VERSION_SIZE_VER0)
			check_ioctl_ret("VERSION of a short size", ret, errno,
					ERRSET(EINVAL));
		else if (ret || !all_zero(arena + sizeof(*v),
					  size - sizeof(*v)) ||
			 ((struct zcopy_version *)arena)->abi_version !=
			 ZCOPY_ABI_VERSION)
			fail("VERSION of size %u: %ld, tail or abi wrong",
			     size, ret);
	}
}

void op_ioc_cancel(void)
{
	uint64_t *id = arena_tail(8);
	long ret;

	if (dev_fd < 0)
		return;
	*id = pick_id();
	ret = ioctl(dev_fd, ZCOPY_IOC_CANCEL, chance(95) ? (void *)id :
		    chance(50) ? NULL : (void *)(arena + 2 * PAGE - 4));
	check_ioctl_ret("CANCEL", ret, errno, ERRSET(ENOENT, EFAULT));
}

void op_ioc_random(void)
{
	/* Ours whatever size the number encodes. */
	static const unsigned long ours[] = {
		ZCOPY_IOC_VERSION, ZCOPY_IOC_SUBMIT, ZCOPY_IOC_SUBMIT_BATCH,
		ZCOPY_IOC_CANCEL, ZCOPY_IOC_SET_RECORD_SIZE,
	};
	const unsigned long size_bits = _IOC_SIZEMASK << _IOC_SIZESHIFT;
	unsigned long cmd;
	unsigned int i;
	long ret;

	if (dev_fd < 0)
		return;
	if (chance(60))
		cmd = _IOC(rnd(4), ZCOPY_IOC_MAGIC, rnd(256), rnd(1 << 14));
	else
		/* Magic numbers of VFS ioctls ('T', 'X', 'f', 0x94) left out. */
		cmd = _IOC(rnd(4), 'A' + rnd(16), rnd(256), rnd(1 << 14));
	for (i = 0; i < ARRAY_SIZE(ours); i++)
		if ((cmd & ~size_bits) == (ours[i] & ~size_bits))
			return;
	memset(arena, 0, 2 * PAGE);
	ret = ioctl(dev_fd, cmd, chance(80) ? (void *)arena : (void *)rnd64());
	check_ioctl_ret("random ioctl", ret, errno,
			ERRSET(ENOTTY, EINVAL, EFAULT, EOPNOTSUPP, EPERM));
}

static void check_completion(const struct zcopy_completion *c)
{
	unsigned int i;

	bool frame_known = dev_rec_size >= ZCOPY_COMPLETION_SIZE_VER1;

	if (c->size != dev_rec_size ||
	    c->version != ZCOPY_COMPLETION_VERSION || c->reserved)
		fail("read(): record of size %u version %u reserved %u",
		     c->size, c->version, c->reserved);
	check_record("read()", c->id, c->mode, c->state, c->error, c->length,
		     frame_known ? (uint64_t)c->header_len + c->trailer_len :
		     FRAME_UNKNOWN, c->bytes_sent, c->queued_ns, c->start_ns,
		     c->end_ns);
	if (c->state < ZCOPY_STATE_DONE)
		fail("read(): job %" PRIu64 " not ended (state %u)", c->id,
		     c->state);
	if (c->verified > 1 || !memchr(c->egress_dev, 0, sizeof(c->egress_dev)))
		fail("read(): job %" PRIu64 " verified %u or egress_dev unterminated",
		     c->id, c->verified);
	if (c->state <= ZCOPY_STATE_MAX)
		ws->read_states[c->state]++;
	for (i = 0; i < nr_dev_ids; i++) {
		if (dev_ids[i] == c->id) {
			dev_ids[i] = dev_ids[--nr_dev_ids];
			return;
		}
	}
	/* Only the first ids are tracked: past those, any may come. */
	if (!dev_ids_overflow)
		fail("read(): record of job %" PRIu64 " not submitted on this fd",
		     c->id);
}

/*
 * Record sizes an opener may ask for: at least VER0, and it gets at most
 * the module's, which is this header's.
 */
static void set_record_size(void)
{
	uint32_t want, *size = arena_tail(sizeof(*size));
	long ret;
	int err;

	want = chance(50) ? ZCOPY_COMPLETION_SIZE_VER0 + rnd(512) :
	       (uint32_t)edge_value();
	*size = want;
	ret = ioctl(dev_fd, ZCOPY_IOC_SET_RECORD_SIZE, chance(95) ?
		    (void *)size : NULL);
	err = errno;
	check_ioctl_ret("SET_RECORD_SIZE", ret, err, ERRSET(EINVAL, EFAULT));
	if (!ret && (want < ZCOPY_COMPLETION_SIZE_VER0 ||
		     *size != (want < sizeof(struct zcopy_completion) ?
			       want : sizeof(struct zcopy_completion))))
		fail("SET_RECORD_SIZE %u gave %u", want, *size);
	else if (ret && err == EINVAL && want >= ZCOPY_COMPLETION_SIZE_VER0)
		fail("SET_RECORD_SIZE %u refused", want);
	if (!ret)
		dev_rec_size = *size;
}

void op_dev_read(void)
{
	const size_t rsize = dev_rec_size;
	const size_t sizes[] = {
		0, 1, rsize - 1, rsize, rsize + 1, 2 * rsize - 1, 2 * PAGE,
	};
	struct pollfd pfd = { .fd = dev_fd, .events = POLLIN };
	size_t count = sizes[rnd(ARRAY_SIZE(sizes))];
	char *buf = arena;
	bool blocking;
	ssize_t n;
	int err;

	if (dev_fd < 0)
		return;
	if (chance(5)) {
		set_record_size();
		return;
	}
	if (chance(20) && count <= 2 * PAGE)
		buf = arena + 2 * PAGE - count + rnd(2) * rsize / 2;
	if (chance(3)) {
		n = pread(dev_fd, buf, count, 0);
		count_errno(ws->ioc_errno, n < 0 ? errno : 0);
		if (n >= 0 || errno != ESPIPE)
			fail("pread of /dev/zcopy: %zd", n);
		return;
	}
	/* Blocking reads only when a record is there, or with a watchdog. */
	blocking = chance(10);
	if (!blocking)
		fcntl(dev_fd, F_SETFL, O_NONBLOCK);
	else if (poll(&pfd, 1, 0) != 1)
		watchdog_arm(1);
	n = read(dev_fd, buf, count);
	err = errno;
	watchdog_arm(0);
	if (!blocking)
		fcntl(dev_fd, F_SETFL, 0);
	if (n < 0) {
		count_errno(ws->ioc_errno, err);
		if (!errset_has(ERRSET(EINVAL, EAGAIN, EFAULT, EINTR), err) ||
		    (err == EINVAL && count >= rsize))
			fail("read(%zu): %s", count, strerror(err));
		return;
	}
	count_errno(ws->ioc_errno, 0);
	if ((size_t)n > count || n % rsize || !n)
		fail("read(%zu) returned %zd", count, n);
	for (; n >= (ssize_t)rsize; n -= rsize, buf += rsize) {
		struct zcopy_completion c = {};

		memcpy(&c, buf, rsize < sizeof(c) ? rsize : sizeof(c));
		ws->records_read++;
		check_completion(&c);
	}
}

void op_dev_poll(void)
{
	struct pollfd pfd = { .fd = dev_fd, .events = POLLIN | POLLOUT };
	int n;

	if (dev_fd < 0)
		return;
	n = poll(&pfd, 1, rnd(3) * 5);
	if (n < 0 || n > 1 || (n && pfd.revents & ~(POLLIN | POLLRDNORM)))
		fail("poll: %d revents %#x", n, pfd.revents);
}

void op_dev_reopen(void)
{
	char ebuf[16];

	/* Closing cancels the fd's jobs and waits for them. */
	forget_fd(dev_fd);
	dev_fd = open_dev(O_RDWR);
	dev_rec_size = ZCOPY_COMPLETION_SIZE_VER0;
	if (dev_fd < 0 && errno != EACCES)
		fail("open /dev/zcopy: %s",
		     errno_label(errno, ebuf, sizeof(ebuf)));
}
