// SPDX-License-Identifier: GPL-2.0
/*
 * Jobs: submission-time validation in the caller's context, limits, the
 * list of live jobs, the history ring, cancellation and completion.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs_struct.h>
#include <linux/module.h>
#include <linux/namei.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <net/genetlink.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "compat.h"
#include "engine.h"
#include "fstype.h"
#include "job.h"
#include "netlink.h"
#include "owner.h"
#include "stats.h"

static unsigned int max_jobs = 1024;
module_param(max_jobs, uint, 0644);
MODULE_PARM_DESC(max_jobs, "Jobs in flight, all users (default 1024)");

static unsigned int max_jobs_per_user = 256;
module_param(max_jobs_per_user, uint, 0644);
MODULE_PARM_DESC(max_jobs_per_user, "Jobs in flight per user (default 256)");

static unsigned int history = 256;
module_param(history, uint, 0444);
MODULE_PARM_DESC(history, "Finished jobs kept for GET and dumps (default 256)");

static unsigned int connect_timeout_ms = 10000;
module_param(connect_timeout_ms, uint, 0644);
MODULE_PARM_DESC(connect_timeout_ms,
		 "A path+address job fails with ETIMEDOUT if its connect takes longer (default 10000)");

/*
 * A path+address job: what its worker opens and connects to, as the
 * submitter (job->ident), so that nothing of it can block the netlink
 * request.
 */
struct zcopy_target {
	char *name;			/* absolute */
	struct path root;		/* the submitter's: lookups stay inside */
	struct sockaddr_storage addr;
	int addrlen;
};

static struct kmem_cache *zcopy_job_cache;
static struct workqueue_struct *zcopy_wq;
static atomic64_t zcopy_next_id = ATOMIC64_INIT(0);

/* Live jobs (queued or running), in submission order. */
static DEFINE_SPINLOCK(zcopy_live_lock);
static LIST_HEAD(zcopy_live_jobs);
static unsigned int zcopy_live_count;

static DEFINE_SPINLOCK(zcopy_history_lock);
static struct zcopy_history_entry *zcopy_history;
static unsigned int zcopy_history_next;	/* slot the next record goes to */
static unsigned int zcopy_history_count;

int zcopy_jobs_init(void)
{
	zcopy_job_cache = KMEM_CACHE(zcopy_job, 0);
	if (!zcopy_job_cache)
		return -ENOMEM;

	if (history) {
		zcopy_history = kvcalloc(history, sizeof(*zcopy_history),
					 GFP_KERNEL);
		if (!zcopy_history)
			goto err_cache;
	}

	/* Unbound: transfers are long and should spread over CPUs. */
	zcopy_wq = alloc_workqueue("zcopy", WQ_UNBOUND, 0);
	if (!zcopy_wq)
		goto err_history;
	return 0;

err_history:
	kvfree(zcopy_history);
err_cache:
	kmem_cache_destroy(zcopy_job_cache);
	return -ENOMEM;
}

/* Jobs pin the module, so none is left here; the worker of the last one
 * may still be returning from its final module_put().
 */
void zcopy_jobs_exit(void)
{
	destroy_workqueue(zcopy_wq);
	kvfree(zcopy_history);
	kmem_cache_destroy(zcopy_job_cache);
}

struct zcopy_job *zcopy_job_alloc(struct zcopy_owner *owner)
{
	struct zcopy_job *job;

	job = kmem_cache_zalloc(zcopy_job_cache, GFP_KERNEL);
	if (!job)
		return NULL;
	INIT_LIST_HEAD(&job->node);
	INIT_LIST_HEAD(&job->owner_node);
	spin_lock_init(&job->lock);
	job->owner = owner;
	job->uid = current_euid();
	zcopy_identity_capture(&job->ident);
	job->net = get_net(current->nsproxy->net_ns);
	return job;
}

static void zcopy_target_free(struct zcopy_target *t)
{
	if (!t)
		return;
	if (t->root.mnt)
		path_put(&t->root);
	kfree(t->name);
	kfree(t);
}

static void zcopy_job_release_io(struct zcopy_job *job)
{
	zcopy_identity_put(&job->ident);
	zcopy_target_free(job->target);
	job->target = NULL;
	if (job->sock) {
		if (job->sock_is_ours)
			sock_release(job->sock);
		else
			sockfd_put(job->sock);
		job->sock = NULL;
	}
	if (job->file) {
		fput(job->file);
		job->file = NULL;
	}
}

void zcopy_job_free(struct zcopy_job *job)
{
	zcopy_job_release_io(job);
	put_net(job->net);
	kmem_cache_free(zcopy_job_cache, job);
}

static int zcopy_check_file(struct file *file, struct netlink_ext_ack *extack)
{
	int ret;

	if (!S_ISREG(file_inode(file)->i_mode)) {
		NL_SET_ERR_MSG(extack, "file is not a regular file");
		return -EINVAL;
	}
	ret = zcopy_check_fstype(file_inode(file), extack);
	if (ret)
		return ret;
	if (!(file->f_mode & FMODE_READ)) {
		NL_SET_ERR_MSG(extack, "file is not open for reading");
		return -EBADF;
	}
	return 0;
}

static int zcopy_check_socket(struct socket *sock,
			      struct netlink_ext_ack *extack)
{
	struct sock *sk = sock->sk;

	if (!sk || sk->sk_type != SOCK_STREAM ||
	    sk->sk_protocol != IPPROTO_TCP ||
	    (sk->sk_family != AF_INET && sk->sk_family != AF_INET6)) {
		NL_SET_ERR_MSG(extack, "socket is not a TCP socket");
		return -EPROTONOSUPPORT;
	}
	if (READ_ONCE(sk->sk_state) != TCP_ESTABLISHED &&
	    READ_ONCE(sk->sk_state) != TCP_CLOSE_WAIT) {
		NL_SET_ERR_MSG(extack, "socket is not connected");
		return -ENOTCONN;
	}
	return 0;
}

int zcopy_get_fds(int file_fd, int sock_fd, struct file **filep,
		  struct socket **sockp, struct netlink_ext_ack *extack)
{
	struct socket *sock;
	struct file *file;
	int ret;

	file = fget(file_fd);
	if (!file) {
		NL_SET_ERR_MSG(extack, "bad file descriptor for the file");
		return -EBADF;
	}
	ret = zcopy_check_file(file, extack);
	if (ret)
		goto err_file;

	sock = sockfd_lookup(sock_fd, &ret);
	if (!sock) {
		if (ret == -ENOTSOCK)
			NL_SET_ERR_MSG(extack, "socket descriptor is not a socket");
		else
			NL_SET_ERR_MSG(extack, "bad file descriptor for the socket");
		goto err_file;
	}
	ret = zcopy_check_socket(sock, extack);
	if (ret) {
		sockfd_put(sock);
		goto err_file;
	}
	*filep = file;
	*sockp = sock;
	return 0;

err_file:
	fput(file);
	return ret;
}

int zcopy_job_prepare_fds(struct zcopy_job *job, int file_fd, int sock_fd,
			  struct netlink_ext_ack *extack)
{
	return zcopy_get_fds(file_fd, sock_fd, &job->file, &job->sock, extack);
}

/*
 * Checks what it can without blocking: the address, that the path is
 * absolute and, when the dentry cache alone can resolve it, that it names
 * a regular file (a FIFO would block the open). Opening and connecting are
 * the worker's (zcopy_job_open_target()).
 */
int zcopy_job_prepare_path(struct zcopy_job *job, const char *path,
			   const struct sockaddr *addr, int addrlen,
			   struct netlink_ext_ack *extack)
{
	struct zcopy_target *t;
	struct path found;
	int ret;

	if (!((addr->sa_family == AF_INET &&
	       addrlen == sizeof(struct sockaddr_in)) ||
	      (addr->sa_family == AF_INET6 &&
	       addrlen == sizeof(struct sockaddr_in6)))) {
		NL_SET_ERR_MSG(extack, "address is not a sockaddr_in or sockaddr_in6");
		return -EINVAL;
	}
	if (path[0] != '/') {
		NL_SET_ERR_MSG(extack, "path is not absolute");
		return -EINVAL;
	}

	t = kzalloc(sizeof(*t), GFP_KERNEL_ACCOUNT);
	if (!t)
		return -ENOMEM;
	job->target = t;
	t->name = kstrdup(path, GFP_KERNEL_ACCOUNT);
	if (!t->name)
		return -ENOMEM;
	get_fs_root(current->fs, &t->root);
	memcpy(&t->addr, addr, addrlen);
	t->addrlen = addrlen;

	ret = vfs_path_lookup(t->root.dentry, t->root.mnt, t->name,
			      LOOKUP_FOLLOW | LOOKUP_CACHED, &found);
	if (ret == -EAGAIN || ret == -ECHILD)
		return 0;	/* not all in the dcache: the worker checks */
	if (ret) {
		NL_SET_ERR_MSG(extack, "cannot resolve the path");
		return ret;
	}
	if (!d_is_reg(found.dentry)) {
		NL_SET_ERR_MSG(extack, "file is not a regular file");
		ret = -EINVAL;
	}
	path_put(&found);
	return ret;
}

int zcopy_request_check(const struct zcopy_request *req,
			struct netlink_ext_ack *extack)
{
	u64 end;

	if (req->mode > ZCOPY_MODE_MAX) {
		NL_SET_ERR_MSG(extack, "unknown mode");
		return -EINVAL;
	}
	if (req->flags & ~ZCOPY_SUBMIT_FLAGS_ALL) {
		NL_SET_ERR_MSG(extack, "unknown flags");
		return -EINVAL;
	}
	if (check_add_overflow(req->offset, req->length, &end) ||
	    end > MAX_LFS_FILESIZE) {
		NL_SET_ERR_MSG(extack, "offset + length overflows");
		return -EOVERFLOW;
	}
	return 0;
}

/*
 * The newest live job on sk that may still send, which nothing follows
 * yet: a job submitted to the same socket must wait for it, or their
 * bytes would interleave.
 */
static struct zcopy_job *zcopy_job_on_socket(const struct sock *sk)
{
	struct zcopy_job *job;

	lockdep_assert_held(&zcopy_live_lock);
	/*
	 * A path+address job's socket is its own, and not set yet; a job
	 * cancelled while it waited has left the chain.
	 */
	list_for_each_entry_reverse(job, &zcopy_live_jobs, node)
		if (!job->target && !job->unchained && job->sock->sk == sk)
			return job->turn_passed ? NULL : job;
	return NULL;
}

void zcopy_job_pass_turn(struct zcopy_job *job)
{
	struct zcopy_job *next;

	spin_lock(&zcopy_live_lock);
	next = job->next;
	job->next = NULL;
	job->turn_passed = true;
	spin_unlock(&zcopy_live_lock);
	if (next)
		queue_work(zcopy_wq, &next->work);
}

static unsigned int zcopy_user_jobs(kuid_t uid)
{
	struct zcopy_job *job;
	unsigned int n = 0;

	lockdep_assert_held(&zcopy_live_lock);
	list_for_each_entry(job, &zcopy_live_jobs, node)
		n += uid_eq(job->uid, uid);
	return n;
}

/*
 * The file is known: fix the range, so that a file that shrinks later
 * fails the job. rec.offset and rec.length hold the request until then.
 */
static int zcopy_job_bind_file(struct zcopy_job *job,
			       struct netlink_ext_ack *extack)
{
	loff_t size = i_size_read(file_inode(job->file));
	u64 offset = job->rec.offset, length;

	if (offset > size) {
		NL_SET_ERR_MSG(extack, "offset is beyond the end of the file");
		return -EINVAL;
	}
	/* Page modes read through the page cache (read_mapping_page). */
	if (job->rec.mode != ZCOPY_MODE_COPY &&
	    !job->file->f_mapping->a_ops->read_folio) {
		NL_SET_ERR_MSG(extack, "file system cannot read pages for this mode");
		return -EOPNOTSUPP;
	}
	length = size - offset;
	if (job->rec.length && job->rec.length < length)
		length = job->rec.length;
	file_ra_state_init(&job->ra, job->file->f_mapping);

	spin_lock(&job->lock);
	job->rec.length = length;
	spin_unlock(&job->lock);
	return 0;
}

/*
 * Opens the path and connects to the address of a path+address job, in
 * its worker, which wears the submitter's credentials (zcopy_engine_work),
 * with the submitter's root. A FIFO is opened non-blocking and refused;
 * the connect gives up after connect_timeout_ms.
 */
int zcopy_job_open_target(struct zcopy_job *job)
{
	struct zcopy_target *t = job->target;
	struct socket *sock;
	struct file *file;
	int ret;

	file = file_open_root(&t->root, t->name,
			      O_RDONLY | O_LARGEFILE | O_NONBLOCK | O_NOCTTY, 0);
	if (IS_ERR(file))
		return PTR_ERR(file);
	job->file = file;
	ret = zcopy_check_file(file, NULL);
	if (ret)
		return ret;
	ret = zcopy_job_bind_file(job, NULL);
	if (ret)
		return ret;

	/* A user socket in the submitter's netns, checked as the submitter. */
	ret = __sock_create(job->net, t->addr.ss_family, SOCK_STREAM,
			    IPPROTO_TCP, &sock, 0);
	if (ret)
		return ret;
	job->sock = sock;
	job->sock_is_ours = true;
	sock->sk->sk_sndtimeo = msecs_to_jiffies(READ_ONCE(connect_timeout_ms));
	ret = kernel_connect(sock, (struct sockaddr *)&t->addr, t->addrlen, 0);
	sock->sk->sk_sndtimeo = MAX_SCHEDULE_TIMEOUT;
	/* The wait ran out with the handshake still going. */
	if (ret == -EINPROGRESS || ret == -EALREADY)
		ret = -ETIMEDOUT;
	return ret;
}

/* Checks the request, applies the limits and queues the job. */
int zcopy_job_submit(struct zcopy_job *job, const struct zcopy_request *req,
		     u64 *id, struct netlink_ext_ack *extack)
{
	struct zcopy_job *prev = NULL;
	int ret;

	ret = zcopy_request_check(req, extack);
	if (ret)
		return ret;

	job->rec.offset = req->offset;
	job->rec.length = req->length;
	job->rec.mode = req->mode;
	job->rec.user_data = req->user_data;
	job->rec.state = ZCOPY_STATE_QUEUED;
	job->rec.syscalls = 1;
	/* A path+address job learns its file in its worker. */
	if (!job->target) {
		ret = zcopy_job_bind_file(job, extack);
		if (ret)
			return ret;
	}

	spin_lock(&zcopy_live_lock);
	if (zcopy_live_count >= max_jobs ||
	    zcopy_user_jobs(job->uid) >= max_jobs_per_user) {
		spin_unlock(&zcopy_live_lock);
		NL_SET_ERR_MSG(extack, "too many jobs in flight");
		return -EAGAIN;
	}
	job->rec.id = atomic64_inc_return(&zcopy_next_id);
	*id = job->rec.id;
	job->rec.queued_ns = ktime_get_ns();
	INIT_WORK(&job->work, zcopy_engine_work);
	/* Accounted before a predecessor can queue it. */
	__module_get(THIS_MODULE);
	zcopy_stats_add(ZCOPY_STATS_A_JOBS_SUBMITTED, 1);
	zcopy_stats_add(ZCOPY_STATS_A_JOBS_QUEUED, 1);
	zcopy_stats_add(ZCOPY_STATS_A_JOBS_COPY + req->mode, 1);
	/* Behind the socket's last sender, which queues this one. */
	if (!job->target) {
		prev = zcopy_job_on_socket(job->sock->sk);
		if (prev)
			prev->next = job;
	}
	list_add_tail(&job->node, &zcopy_live_jobs);
	zcopy_live_count++;
	if (job->owner)
		zcopy_owner_add(job->owner, job);
	spin_unlock(&zcopy_live_lock);

	if (!prev)
		queue_work(zcopy_wq, &job->work);
	return 0;
}

static bool zcopy_visible(kuid_t owner, kuid_t uid, bool admin)
{
	return admin || uid_eq(owner, uid);
}

/*
 * Stops the job. One still waiting for its turn on its socket would only
 * see that when its predecessor is done, which may be never (a peer that
 * does not read): it leaves the chain, its successor waits for the
 * predecessor instead, and it is queued to end at once.
 */
static void zcopy_job_cancel_locked(struct zcopy_job *job)
{
	struct zcopy_job *prev;

	lockdep_assert_held(&zcopy_live_lock);
	WRITE_ONCE(job->cancel, true);
	if (job->target || job->unchained)
		return;
	list_for_each_entry(prev, &zcopy_live_jobs, node) {
		if (prev->next == job) {
			prev->next = job->next;
			job->next = NULL;
			job->unchained = true;
			queue_work(zcopy_wq, &job->work);
			return;
		}
	}
}

int zcopy_job_cancel(u64 id, kuid_t uid, bool admin)
{
	struct zcopy_job *job;
	int ret = -ENOENT;

	spin_lock(&zcopy_live_lock);
	list_for_each_entry(job, &zcopy_live_jobs, node) {
		if (job->rec.id == id && zcopy_visible(job->uid, uid, admin)) {
			zcopy_job_cancel_locked(job);
			ret = 0;
			break;
		}
	}
	spin_unlock(&zcopy_live_lock);
	return ret;
}

void zcopy_job_cancel_list(struct list_head *jobs, spinlock_t *lock)
{
	struct zcopy_job *job;

	spin_lock(&zcopy_live_lock);
	spin_lock(lock);
	list_for_each_entry(job, jobs, owner_node)
		zcopy_job_cancel_locked(job);
	spin_unlock(lock);
	spin_unlock(&zcopy_live_lock);
}

static void zcopy_job_read_rec(struct zcopy_job *job,
			       struct zcopy_completion *rec)
{
	spin_lock(&job->lock);
	*rec = job->rec;
	spin_unlock(&job->lock);
}

/* The i-th oldest record of the history ring. */
static struct zcopy_history_entry *zcopy_history_at(unsigned int i)
{
	lockdep_assert_held(&zcopy_history_lock);
	return &zcopy_history[(zcopy_history_next + history -
			       zcopy_history_count + i) % history];
}

/* A GET of a running job is a system call made for it: it counts. */
int zcopy_job_lookup(u64 id, kuid_t uid, bool admin,
		     struct zcopy_completion *rec)
{
	struct zcopy_history_entry *entry;
	struct zcopy_job *job;
	unsigned int i;

	spin_lock(&zcopy_live_lock);
	list_for_each_entry(job, &zcopy_live_jobs, node) {
		if (job->rec.id == id && zcopy_visible(job->uid, uid, admin)) {
			spin_lock(&job->lock);
			job->rec.syscalls++;
			*rec = job->rec;
			spin_unlock(&job->lock);
			spin_unlock(&zcopy_live_lock);
			return 0;
		}
	}
	spin_unlock(&zcopy_live_lock);

	spin_lock(&zcopy_history_lock);
	for (i = 0; i < zcopy_history_count; i++) {
		entry = zcopy_history_at(i);
		if (entry->rec.id == id &&
		    zcopy_visible(entry->uid, uid, admin)) {
			*rec = entry->rec;
			spin_unlock(&zcopy_history_lock);
			return 0;
		}
	}
	spin_unlock(&zcopy_history_lock);
	return -ENOENT;
}

/* A job that just ended is briefly both live and in the history. */
static bool zcopy_rec_listed(const struct zcopy_completion *recs,
			     unsigned int n, u64 id)
{
	while (n--)
		if (recs[n].id == id)
			return true;
	return false;
}

int zcopy_job_snapshot(kuid_t uid, bool admin,
		       struct zcopy_completion **recs, unsigned int *nr)
{
	struct zcopy_history_entry *entry;
	struct zcopy_completion *out;
	struct zcopy_job *job;
	unsigned int n = 0, nlive, cap, i;

	/* Bounded by the limits, so one allocation holds everything. */
	cap = READ_ONCE(max_jobs) + history;
	out = kvmalloc_array(cap ?: 1, sizeof(*out), GFP_KERNEL);
	if (!out)
		return -ENOMEM;

	spin_lock(&zcopy_live_lock);
	list_for_each_entry(job, &zcopy_live_jobs, node) {
		if (n == cap)
			break;
		if (zcopy_visible(job->uid, uid, admin))
			zcopy_job_read_rec(job, &out[n++]);
	}
	spin_unlock(&zcopy_live_lock);
	nlive = n;

	spin_lock(&zcopy_history_lock);
	for (i = 0; i < zcopy_history_count && n < cap; i++) {
		entry = zcopy_history_at(i);
		if (zcopy_visible(entry->uid, uid, admin) &&
		    !zcopy_rec_listed(out, nlive, entry->rec.id))
			out[n++] = entry->rec;
	}
	spin_unlock(&zcopy_history_lock);

	*recs = out;
	*nr = n;
	return 0;
}

static void zcopy_history_add(struct zcopy_job *job)
{
	if (!history)
		return;
	spin_lock(&zcopy_history_lock);
	zcopy_history[zcopy_history_next].uid = job->uid;
	zcopy_history[zcopy_history_next].rec = job->rec;
	zcopy_history_next = (zcopy_history_next + 1) % history;
	if (zcopy_history_count < history)
		zcopy_history_count++;
	spin_unlock(&zcopy_history_lock);
}

static void zcopy_stats_account(const struct zcopy_completion *rec)
{
	static const enum zcopy_stats_attr by_state[] = {
		[ZCOPY_STATE_DONE] = ZCOPY_STATS_A_JOBS_DONE,
		[ZCOPY_STATE_FAILED] = ZCOPY_STATS_A_JOBS_FAILED,
		[ZCOPY_STATE_CANCELLED] = ZCOPY_STATS_A_JOBS_CANCELLED,
	};

	zcopy_stats_add(ZCOPY_STATS_A_JOBS_RUNNING, -1);
	zcopy_stats_add(by_state[rec->state], 1);
	zcopy_stats_add(ZCOPY_STATS_A_BYTES_SENT, rec->bytes_sent);
	zcopy_stats_add(ZCOPY_STATS_A_CPU_COPY_BYTES, rec->cpu_copy_bytes);
	zcopy_stats_add(ZCOPY_STATS_A_REF_BYTES, rec->ref_bytes);
	zcopy_stats_add(ZCOPY_STATS_A_DMA_IN_BYTES, rec->dma_in_bytes);
	zcopy_stats_add(ZCOPY_STATS_A_DMA_OUT_BYTES, rec->dma_out_bytes);
	zcopy_stats_add(ZCOPY_STATS_A_JOBS_VERIFIED, rec->verified);
}

/*
 * The job has ended (done, failed or cancelled): give back its file and
 * socket, record it, tell the listeners and hand it to its owner or free
 * it. Runs last in the job's work item; the module reference goes last.
 */
void zcopy_job_finish(struct zcopy_job *job)
{
	/* A job cancelled before it ran still lets the next one go. */
	zcopy_job_pass_turn(job);

	/* In the history before it leaves the live list: GET always finds it. */
	zcopy_history_add(job);

	spin_lock(&zcopy_live_lock);
	list_del_init(&job->node);
	zcopy_live_count--;
	spin_unlock(&zcopy_live_lock);

	zcopy_job_release_io(job);
	zcopy_stats_account(&job->rec);
	zcopy_nl_notify_done(job->net, &job->rec);

	if (job->owner)
		zcopy_owner_job_done(job->owner, job);
	else
		zcopy_job_free(job);
	module_put(THIS_MODULE);
}
