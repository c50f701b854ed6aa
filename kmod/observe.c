// SPDX-License-Identifier: GPL-2.0
/*
 * The observer. At net:net_dev_start_xmit, after validate_xmit_skb() has
 * linearised or segmented whatever the device could not take, every TCP
 * payload byte of an observed socket is classified once, at its first
 * transmission: in a fragment whose page belongs to the observed file's
 * page cache it went by reference; in the linear area or in any other page
 * it was copied. A kprobe on skb_copy_ubufs catches the copy made later
 * when zero-copy pages loop back to a local receiver. Other kprobes count
 * where the stack copied or checksummed (for the user's diagnosis); the
 * tcp:tcp_retransmit_skb tracepoint counts bytes sent again.
 *
 * An observation of a cgroup (v2) takes every TCP socket that belongs to
 * it or to a descendant (a socket carries the cgroup of the task that
 * made it; an accepted one, its listener's) and every transmission,
 * retransmissions included; a fragment goes by reference if its page has
 * a mapping, a file's page cache or a user's memory lent by MSG_ZEROCOPY,
 * and was copied if the kernel allocated it (page fragments, slab). An
 * observation of a process (its mm: all its threads) takes the same way
 * every TCP socket it sends on: kprobes on the send entry points make a
 * socket a member at its first send, up to max_observed_sockets; closed
 * ones leave when the limit is reached, and when the counts are read.
 *
 * The probes are registered only while something is observed and for a
 * short linger after (registering waits for grace periods, and a static
 * key that skips their bodies patches kernel text): jobs one after the
 * other register nothing. An unobserved socket's skb costs a look at its
 * TCP header and a hash bucket test; only observed payload pays for the
 * clock reads.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cgroup.h>
#include <linux/hashtable.h>
#include <linux/jump_label.h>
#include <linux/kprobes.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/tracepoint.h>
#include <linux/workqueue.h>
#include <net/tcp.h>

#include "compat.h"
#include "observe.h"
#include "stats.h"

/* Probes stay registered this long after the last observation ends. */
#define ZCOPY_OBS_LINGER	(HZ / 2)

/* A socket an observation follows, found by the probes in zcopy_obs_by_sk. */
struct zcopy_obs_member {
	struct hlist_node by_sk;
	struct sock *sk;		/* held; compared by the probes */
	struct zcopy_obs *obs;
	struct list_head node;		/* a process's: obs->members */
	struct rcu_head rcu;
};

struct zcopy_obs {
	struct zcopy_obs_member self;	/* a socket's own */
	struct list_head all;		/* zcopy_obs_all, _scopes or _procs */
	struct rcu_head rcu;
	struct file *file;		/* keeps mapping alive */
	struct address_space *mapping;	/* NULL: the cgroup's rule */
	struct cgroup *cgrp;		/* a cgroup's: held until freed */
	struct mm_struct *mm;		/* a process's: held, compared */
	struct mem_cgroup *memcg;	/* ... and its observer's, charged */
	wait_queue_head_t wait;

	/* A process's sockets; under zcopy_obs_list_lock. */
	struct list_head members;
	unsigned int nr_members;
	unsigned long pruned_at;	/* jiffies */
	bool ended;			/* no socket joins any more */

	spinlock_t lock;		/* the fields below; taken in any context */
	/*
	 * Progress is kept relative to the newest sequence number seen, so
	 * that wrapping compares stay within TCP's window however long the
	 * observation runs; the stream position itself is 64-bit.
	 */
	u32 seq_next;			/* end of the newest payload seen */
	u64 pos;			/* bytes from the start to seq_next */
	u64 end;			/* bytes observed: bounded, or U64_MAX */
	u64 target;			/* wake the waiter when bytes reach it */
	struct zcopy_obs_counts c;
	struct zcopy_obs_breakdown b;
	const struct address_space *file_keys[ZCOPY_OBS_FILES];
	unsigned int last_file;		/* where the previous skb's went */
};

static DEFINE_HASHTABLE(zcopy_obs_by_sk, 8);
static LIST_HEAD(zcopy_obs_all);
static LIST_HEAD(zcopy_obs_scopes);
static LIST_HEAD(zcopy_obs_procs);
/* Tested without the lock. */
static unsigned int zcopy_obs_nr_scopes;
static unsigned int zcopy_obs_nr_procs;
/* The lists and the hash; members join from the send probes: irqsave. */
static DEFINE_SPINLOCK(zcopy_obs_list_lock);

/*
 * On while any observation exists and for the linger after: the probes'
 * bodies run (unobserved sockets: a hash bucket test).
 */
static DEFINE_STATIC_KEY_FALSE(zcopy_obs_on);

/* Arming: observations counted, probes registered and unregistered. */
static DEFINE_MUTEX(zcopy_obs_arm_lock);
static unsigned int zcopy_obs_count_all;
static u32 zcopy_armed;
static void zcopy_obs_disarm_work(struct work_struct *work);
static DECLARE_DELAYED_WORK(zcopy_obs_disarm, zcopy_obs_disarm_work);

/* What a kernel without some probe does, tried on any kernel. */
static unsigned int probes = ZCOPY_PROBES_ALL | ZCOPY_PROBES_PROCESS;
module_param(probes, uint, 0444);
MODULE_PARM_DESC(probes, "ZCOPY_PROBE_* bits to register (default all; fewer: for testing)");

static unsigned int max_observed_sockets = 1024;
module_param(max_observed_sockets, uint, 0644);
MODULE_PARM_DESC(max_observed_sockets,
		 "Sockets one process's observation follows at once (default 1024)");

static u32 zcopy_probes;
static char zcopy_probe_error[256];

#define ZCOPY_OBS_FIELD(f)	offsetof(struct zcopy_obs_counts, f)

/* The observer's own cost on observed sockets; stats are per-CPU. */
static void zcopy_obs_charge(u64 start)
{
	zcopy_stats_add(ZCOPY_STATS_A_OBSERVER_NS, local_clock() - start);
}

/*
 * page_folio() without its fix-up of fake heads (tail pages of a hugetlb
 * folio whose struct pages share the head's memory): a fake head's
 * fields are the head's, mapping included, so it reads right as it is.
 * Half the instructions per fragment.
 */
static __always_inline struct folio *zcopy_folio_of(struct page *page)
{
	unsigned long head = READ_ONCE(page->compound_head);

	return (struct folio *)(head & 1 ? head - 1 : (unsigned long)page);
}

/* Per fragment of every skb sent: inlined, one load more than the page. */
static __always_inline bool zcopy_page_in(struct page *page,
					  const struct address_space *mapping)
{
	return page && READ_ONCE(zcopy_folio_of(page)->mapping) == mapping;
}

/*
 * A cgroup's rule: a page with a mapping (page cache, or user memory) was
 * lent; one the kernel allocated to copy into has none. Slab pages use
 * the field for something else. The mapping, or NULL.
 */
static __always_inline struct address_space *zcopy_page_lender(struct page *page)
{
	struct address_space *mapping;
	struct folio *folio;

	if (!page)
		return NULL;
	folio = zcopy_folio_of(page);
	mapping = READ_ONCE(folio->mapping);
	if (!mapping || folio_test_slab(folio))
		return NULL;
	return mapping;
}

static __always_inline bool zcopy_page_lent(struct page *page)
{
	return zcopy_page_lender(page);
}

/*
 * Bytes by reference from one file's page cache, added to its entry; the
 * first ZCOPY_OBS_FILES files get one, the others' bytes are summed. A
 * mapping with flags is user memory (anonymous, KSM), not a file. Under
 * RCU (the probes' walk): an inode is freed after a grace period.
 */
static noinline void
zcopy_obs_file_find(struct zcopy_obs *obs, const struct address_space *mapping,
		    const struct inode *inode, u64 n)
{
	struct zcopy_obs_breakdown *b = &obs->b;
	unsigned int i;

	for (i = 0; i < ZCOPY_OBS_FILES && obs->file_keys[i]; i++) {
		/* The inode too: a mapping's memory may serve another since. */
		if (obs->file_keys[i] == mapping &&
		    b->files[i].ino == inode->i_ino) {
			b->files[i].ref_bytes += n;
			obs->last_file = i;
			return;
		}
	}
	if (i == ZCOPY_OBS_FILES) {
		b->other_file_bytes += n;
		return;
	}
	obs->file_keys[i] = mapping;
	obs->last_file = i;
	b->files[i].ino = inode->i_ino;
	b->files[i].dev = new_encode_dev(inode->i_sb->s_dev);
	b->files[i].generation = inode->i_generation;
	b->files[i].ref_bytes = n;
}

/* Inlined: the file of the previous skb again, the common case. */
static __always_inline void zcopy_obs_file_add(struct zcopy_obs *obs,
					       const struct address_space *mapping,
					       u64 n)
{
	unsigned int last = obs->last_file;
	const struct inode *inode;

	if (!n || ((unsigned long)mapping & PAGE_MAPPING_FLAGS))
		return;
	inode = READ_ONCE(mapping->host);
	if (!inode)
		return;
	if (likely(obs->file_keys[last] == mapping &&
		   obs->b.files[last].ino == inode->i_ino))
		obs->b.files[last].ref_bytes += n;
	else
		zcopy_obs_file_find(obs, mapping, inode, n);
}

/*
 * Pages of one file come in runs: one lookup per run. A run's bytes are
 * what ref grew by since it began (only its own fragments add to ref).
 */
struct zcopy_run {
	const struct address_space *mapping;
	u64 from;			/* ref when the run began */
};

/* One fragment: whether by reference; scope's lent ones to their file. */
static __always_inline bool zcopy_frag_by_ref(struct zcopy_obs *obs,
					      const skb_frag_t *frag,
					      bool scope, struct zcopy_run *run,
					      u64 ref)
{
	const struct address_space *lender;

	if (!scope)
		return zcopy_page_in(skb_frag_page(frag), obs->mapping);
	lender = zcopy_page_lender(skb_frag_page(frag));
	if (!lender)
		return false;
	if (unlikely(lender != run->mapping)) {
		if (run->mapping)
			zcopy_obs_file_add(obs, run->mapping, ref - run->from);
		run->mapping = lender;
		run->from = ref;
	}
	return true;
}

/*
 * Payload [off, end) of skb, offsets from skb->data: copied or by ref;
 * returns the bytes by reference. scope is a constant at each call: the
 * socket's walk stays as it was.
 */
static __always_inline u64 zcopy_obs_walk(struct zcopy_obs *obs,
					  const struct sk_buff *skb,
					  unsigned int off, unsigned int end,
					  bool scope)
{
	const struct skb_shared_info *shinfo = skb_shinfo(skb);
	unsigned int pos = skb_headlen(skb), nr = shinfo->nr_frags;
	struct zcopy_run run = { };
	unsigned int i, n, fend;
	u64 ref = 0;

	/*
	 * The common case, worth its own loop: headers alone in the linear
	 * area, the payload all of the page fragments (and nothing else).
	 */
	if (off == pos && end == skb->len && !skb_has_frag_list(skb)) {
		for (i = 0; i < nr; i++)
			if (zcopy_frag_by_ref(obs, &shinfo->frags[i], scope,
					      &run, ref))
				ref += skb_frag_size(&shinfo->frags[i]);
		goto out;
	}
	if (off < pos)
		off += min(pos, end) - off;
	for (i = 0; i < nr && off < end; i++, pos = fend) {
		const skb_frag_t *frag = &shinfo->frags[i];

		fend = pos + skb_frag_size(frag);
		if (off >= fend)
			continue;
		n = min(fend, end) - off;
		if (zcopy_frag_by_ref(obs, frag, scope, &run, ref))
			ref += n;
		off += n;
	}
	/* The linear area, and a frag_list (TCP transmits none): copied. */
out:
	if (run.mapping)
		zcopy_obs_file_add(obs, run.mapping, ref - run.from);
	return ref;
}

/* What a skb's payload did, by its egress device. */
static void zcopy_obs_dev_add(struct zcopy_obs *obs,
			      const struct net_device *dev, u64 n, u64 ref)
{
	struct zcopy_obs_breakdown *b = &obs->b;
	struct zcopy_obs_dev *d;
	unsigned int i;

	for (i = 0; i < ZCOPY_OBS_DEVS; i++) {
		d = &b->devs[i];
		if (d->ifindex == dev->ifindex)
			break;
		if (!d->ifindex) {
			d->ifindex = dev->ifindex;
			memcpy(d->name, dev->name, IFNAMSIZ);
			break;
		}
	}
	if (i == ZCOPY_OBS_DEVS) {
		b->other_dev_bytes += n;
		return;
	}
	d->bytes += n;
	d->ref_bytes += ref;
	d->copied_bytes += n - ref;
}

static __always_inline void
zcopy_obs_classify(struct zcopy_obs *obs, const struct sk_buff *skb,
		   const struct net_device *dev, unsigned int hdr)
{
	struct zcopy_obs_counts *c = &obs->c;
	unsigned int len = skb->len - hdr, n;
	u32 seq = ntohl(tcp_hdr(skb)->seq), first;
	unsigned long flags;
	bool wake = false;
	u64 pos, ref;

	spin_lock_irqsave(&obs->lock, flags);
	if (obs->cgrp || obs->mm) {
		/* Many sockets, no sequence to follow: every transmission. */
		first = seq;
		n = len;
		goto count;
	}
	/*
	 * Only bytes past the newest seen (queued since the start, and not
	 * sent before), up to the end, each once.
	 */
	if (!after(seq + len, obs->seq_next))
		goto out;
	first = before(seq, obs->seq_next) ? obs->seq_next : seq;
	pos = obs->pos + (first - obs->seq_next);
	if (pos >= obs->end)
		goto out;
	n = min_t(u64, seq + len - first, obs->end - pos);

	obs->seq_next = first + n;
	obs->pos = pos + n;
count:
	c->bytes += n;
	c->skbs++;
	c->frags += skb_shinfo(skb)->nr_frags;
	if (dev->dev.parent && !(dev->flags & IFF_LOOPBACK))
		c->dma_out_bytes += n;
	memcpy(c->egress_dev, dev->name, IFNAMSIZ);
	if (!obs->mapping)
		ref = zcopy_obs_walk(obs, skb, hdr + first - seq,
				     hdr + first - seq + n, true);
	else
		ref = zcopy_obs_walk(obs, skb, hdr + first - seq,
				     hdr + first - seq + n, false);
	c->ref_bytes += ref;
	c->copied_bytes += n - ref;
	zcopy_obs_dev_add(obs, dev, n, ref);
	wake = obs->target && c->bytes >= obs->target;
out:
	spin_unlock_irqrestore(&obs->lock, flags);
	if (wake)
		wake_up(&obs->wait);
}

/* The cgroup of a full TCP socket, or NULL. */
static struct cgroup *zcopy_sk_cgroup(const struct sock *sk)
{
#ifdef ZCOPY_HAVE_SOCK_CGROUP
	if (sk_fullsock(sk) && sk->sk_protocol == IPPROTO_TCP &&
	    sk->sk_type == SOCK_STREAM)
		return sock_cgroup_ptr((struct sock_cgroup_data *)&sk->sk_cgrp_data);
#endif
	return NULL;
}

/*
 * Calls fn on every observation of sk: its own, then those of its cgroup
 * and the cgroup's ancestors. The clock is read only when one exists:
 * unobserved sockets pay the bucket test alone, and one more load while
 * a cgroup is observed. Inlined: fn is a direct call at each site.
 */
static __always_inline void
zcopy_obs_each(const struct sock *sk,
	       void (*fn)(struct zcopy_obs *obs, const void *arg),
	       const void *arg)
{
	struct zcopy_obs_member *m;
	struct zcopy_obs *obs;
	struct cgroup *cgrp;
	bool seen = false;
	u64 start = 0;

	/*
	 * Probes run with preemption off, which is an RCU read side (what
	 * call_rcu() waits for): no rcu_read_lock() per skb.
	 */
	lockdep_assert_preemption_disabled();
	hash_for_each_possible_rcu(zcopy_obs_by_sk, m, by_sk, (unsigned long)sk) {
		if (m->sk != sk)
			continue;
		if (!seen)
			start = local_clock();
		seen = true;
		fn(m->obs, arg);
	}
	cgrp = READ_ONCE(zcopy_obs_nr_scopes) ? zcopy_sk_cgroup(sk) : NULL;
	if (cgrp) {
		list_for_each_entry_rcu(obs, &zcopy_obs_scopes, all) {
			if (!cgroup_is_descendant(cgrp, obs->cgrp))
				continue;
			if (!seen)
				start = local_clock();
			seen = true;
			fn(obs, arg);
		}
	}
	if (seen)
		zcopy_obs_charge(start);
}

struct zcopy_xmit {
	const struct sk_buff *skb;
	const struct net_device *dev;
	unsigned int hdr;		/* where the TCP payload begins */
};

static void zcopy_obs_xmit(struct zcopy_obs *obs, const void *arg)
{
	const struct zcopy_xmit *x = arg;

	zcopy_obs_classify(obs, x->skb, x->dev, x->hdr);
}

/*
 * Only skbs with a payload are looked up: an observed socket's ACKs, and
 * a cgroup's receivers', cost no clock reads. A socket not TCP's is no
 * observation's: whatever its header says, the lookup finds nothing.
 */
static void zcopy_tp_xmit(void *data, const struct sk_buff *skb,
			  const struct net_device *dev)
{
	struct zcopy_xmit x = { skb, dev };

	if (!static_branch_unlikely(&zcopy_obs_on) || !skb->sk ||
	    !skb_transport_header_was_set(skb))
		return;
	x.hdr = skb_transport_offset(skb) + __tcp_hdrlen(tcp_hdr(skb));
	if (skb->len > x.hdr)
		zcopy_obs_each(skb->sk, zcopy_obs_xmit, &x);
}

struct zcopy_add {
	size_t field;
	u64 n;
};

static void zcopy_obs_add(struct zcopy_obs *obs, const void *arg)
{
	const struct zcopy_add *a = arg;
	unsigned long flags;

	spin_lock_irqsave(&obs->lock, flags);
	*(u64 *)((char *)&obs->c + a->field) += a->n;
	spin_unlock_irqrestore(&obs->lock, flags);
}

/* Adds n to the counter at field of every observation of sk. */
static void zcopy_obs_count(const struct sock *sk, size_t field, u64 n)
{
	struct zcopy_add a = { field, n };

	if (static_branch_unlikely(&zcopy_obs_on) && sk && n)
		zcopy_obs_each(sk, zcopy_obs_add, &a);
}

static void zcopy_tp_retransmit(void *data, const struct sock *sk,
				const struct sk_buff *skb)
{
	zcopy_obs_count(sk, ZCOPY_OBS_FIELD(retrans_bytes), skb->len);
}

static struct sk_buff *zcopy_kp_skb(struct pt_regs *regs)
{
	return (struct sk_buff *)regs_get_kernel_argument(regs, 0);
}

/*
 * The socket that lent an orphaned zero-copy skb's pages: MSG_ZEROCOPY's
 * notification skb, which holds the socket, carries the ubuf_info in its
 * cb. io_uring's has no socket to find.
 */
static const struct sock *zcopy_zc_sock(struct sk_buff *skb)
{
	struct ubuf_info *uarg = skb_zcopy(skb);

	if (skb->sk)
		return skb->sk;
	if (!uarg || !zcopy_ubuf_is_msg_zerocopy(uarg))
		return NULL;
	return container_of((void *)uarg_to_msgzc(uarg), struct sk_buff,
			    cb)->sk;
}

/* Moves n bytes counted by reference to copied: they were, in the end. */
static void zcopy_obs_copied_later(struct zcopy_obs *obs, u64 n)
{
	unsigned long flags;
	u64 moved;

	spin_lock_irqsave(&obs->lock, flags);
	moved = min(n, obs->c.ref_bytes);
	obs->c.ref_bytes -= moved;
	obs->c.copied_bytes += moved;
	obs->c.deferred_copy_bytes += n;
	spin_unlock_irqrestore(&obs->lock, flags);
}

/* What was lent by the socket, for the observations with the lent rule. */
static void zcopy_obs_lent_copied(struct zcopy_obs *obs, const void *arg)
{
	if (!obs->mapping)
		zcopy_obs_copied_later(obs, *(const u64 *)arg);
}

/*
 * Zero-copy pages (MSG_ZEROCOPY, io_uring) are copied before a local
 * receiver gets them; the skb is orphaned by then, so an observation of
 * a file matches the pages, the others find the lending socket. What was
 * counted by reference at transmit was in the end copied.
 */
static int zcopy_kp_copy_ubufs(struct kprobe *p, struct pt_regs *regs)
{
	struct sk_buff *skb = zcopy_kp_skb(regs);
	const struct skb_shared_info *shinfo;
	const struct sock *sk;
	struct zcopy_obs *obs;
	bool seen = false;
	unsigned int i;
	u64 start, lent = 0;

	if (!static_branch_unlikely(&zcopy_obs_on) || !skb_zcopy(skb))
		return 0;
	start = local_clock();
	shinfo = skb_shinfo(skb);
	rcu_read_lock();
	list_for_each_entry_rcu(obs, &zcopy_obs_all, all) {
		u64 n = 0;

		if (!obs->mapping)
			continue;
		for (i = 0; i < shinfo->nr_frags; i++)
			if (zcopy_page_in(skb_frag_page(&shinfo->frags[i]),
					  obs->mapping))
				n += skb_frag_size(&shinfo->frags[i]);
		if (!n)
			continue;
		seen = true;
		zcopy_obs_copied_later(obs, n);
	}
	rcu_read_unlock();
	/* Zero-copy skbs are rare; charged only when one was observed. */
	if (seen)
		zcopy_obs_charge(start);

	sk = zcopy_zc_sock(skb);
	for (i = 0; sk && i < shinfo->nr_frags; i++)
		if (zcopy_page_lent(skb_frag_page(&shinfo->frags[i])))
			lent += skb_frag_size(&shinfo->frags[i]);
	if (lent)
		zcopy_obs_each(sk, zcopy_obs_lent_copied, &lent);
	return 0;
}

static int zcopy_kp_pull_tail(struct kprobe *p, struct pt_regs *regs)
{
	struct sk_buff *skb = zcopy_kp_skb(regs);
	int delta = (int)regs_get_kernel_argument(regs, 1);

	if (delta > 0)
		zcopy_obs_count(skb->sk, ZCOPY_OBS_FIELD(pull_bytes), delta);
	return 0;
}

static int zcopy_kp_copy_bits(struct kprobe *p, struct pt_regs *regs)
{
	struct sk_buff *skb = zcopy_kp_skb(regs);
	int len = (int)regs_get_kernel_argument(regs, 3);

	if (len > 0)
		zcopy_obs_count(skb->sk, ZCOPY_OBS_FIELD(copy_bits_bytes), len);
	return 0;
}

static int zcopy_kp_csum_help(struct kprobe *p, struct pt_regs *regs)
{
	struct sk_buff *skb = zcopy_kp_skb(regs);

	if (skb->ip_summed == CHECKSUM_PARTIAL)
		zcopy_obs_count(skb->sk, ZCOPY_OBS_FIELD(sw_csum_bytes),
				skb->len - skb_checksum_start_offset(skb));
	return 0;
}

/* The payload is all that is left of the skb when TCP segments it. */
static int zcopy_kp_segment(struct kprobe *p, struct pt_regs *regs)
{
	struct sk_buff *skb = zcopy_kp_skb(regs);
	netdev_features_t features = regs_get_kernel_argument(regs, 1);

	if (!(features & NETIF_F_SG))
		zcopy_obs_count(skb->sk, ZCOPY_OBS_FIELD(segment_copy_bytes),
				skb->len);
	if (!(features & NETIF_F_CSUM_MASK))
		zcopy_obs_count(skb->sk, ZCOPY_OBS_FIELD(sw_csum_bytes),
				skb->len);
	return 0;
}

/* Whether sk is one of obs's sockets already; under RCU or the list lock. */
static bool zcopy_obs_has(const struct zcopy_obs *obs, const struct sock *sk)
{
	struct zcopy_obs_member *m;

	hash_for_each_possible_rcu(zcopy_obs_by_sk, m, by_sk, (unsigned long)sk)
		if (m->sk == sk && m->obs == obs)
			return true;
	return false;
}

/* The socket's reference goes once no probe can still compare it. */
static void zcopy_obs_member_free(struct rcu_head *rcu)
{
	struct zcopy_obs_member *m = container_of(rcu, struct zcopy_obs_member,
						  rcu);

	sock_put(m->sk);
	kfree(m);
}

static void zcopy_obs_member_del(struct zcopy_obs_member *m)
{
	lockdep_assert_held(&zcopy_obs_list_lock);
	hash_del_rcu(&m->by_sk);
	list_del(&m->node);
	m->obs->nr_members--;
	call_rcu(&m->rcu, zcopy_obs_member_free);
}

/* Sockets closed and done with (nothing more to send) leave. */
static void zcopy_obs_prune(struct zcopy_obs *obs)
{
	struct zcopy_obs_member *m, *tmp;

	lockdep_assert_held(&zcopy_obs_list_lock);
	list_for_each_entry_safe(m, tmp, &obs->members, node)
		if (sock_flag(m->sk, SOCK_DEAD) &&
		    READ_ONCE(m->sk->sk_state) == TCP_CLOSE)
			zcopy_obs_member_del(m);
}

/*
 * sk sends for the first time since obs began: it joins, if there is
 * room. At the limit, closed members leave first (at most once a jiffy:
 * the walk is long, and every send on a socket left out comes here).
 */
static void zcopy_obs_join(struct zcopy_obs *obs, struct sock *sk)
{
	unsigned int max = READ_ONCE(max_observed_sockets);
	struct zcopy_obs_member *m = NULL;
	unsigned long flags;
	u64 start;

	if (zcopy_obs_has(obs, sk))
		return;
	start = local_clock();
	spin_lock_irqsave(&zcopy_obs_list_lock, flags);
	if (obs->ended || zcopy_obs_has(obs, sk))
		goto out;
	if (obs->nr_members >= max && time_after(jiffies, obs->pruned_at)) {
		zcopy_obs_prune(obs);
		obs->pruned_at = jiffies;
	}
	if (obs->nr_members < max) {
		/* The observer pays, not the process that happens to send. */
		struct mem_cgroup *old = set_active_memcg(obs->memcg);

		m = kzalloc(sizeof(*m), GFP_ATOMIC | __GFP_NOWARN |
			    __GFP_ACCOUNT);
		set_active_memcg(old);
	}
	if (m) {
		sock_hold(sk);
		m->sk = sk;
		m->obs = obs;
		list_add(&m->node, &obs->members);
		obs->nr_members++;
		hash_add_rcu(zcopy_obs_by_sk, &m->by_sk, (unsigned long)sk);
	}
	spin_lock(&obs->lock);
	if (m)
		obs->c.sockets++;
	else
		obs->c.sends_missed++;
	spin_unlock(&obs->lock);
out:
	spin_unlock_irqrestore(&zcopy_obs_list_lock, flags);
	zcopy_obs_charge(start);
}

/*
 * tcp_sendmsg_locked() and do_tcp_sendpages(): every payload a socket
 * queues enters here, in the context of the task that sends it (io_uring's
 * workers share its mm), with the socket locked.
 */
static int zcopy_kp_send(struct kprobe *p, struct pt_regs *regs)
{
	struct sock *sk = (struct sock *)regs_get_kernel_argument(regs, 0);
	struct mm_struct *mm = current->mm;
	struct zcopy_obs *obs;

	if (!static_branch_unlikely(&zcopy_obs_on) ||
	    !READ_ONCE(zcopy_obs_nr_procs) || !mm)
		return 0;
	rcu_read_lock();
	list_for_each_entry_rcu(obs, &zcopy_obs_procs, all)
		if (obs->mm == mm)
			zcopy_obs_join(obs, sk);
	rcu_read_unlock();
	return 0;
}

struct zcopy_tp {
	const char *name;
	void *probe;
	u32 bit;
	struct tracepoint *tp;
};

static struct zcopy_tp zcopy_tps[] = {
	{ "net_dev_start_xmit", zcopy_tp_xmit, ZCOPY_PROBE_XMIT },
	{ "tcp_retransmit_skb", zcopy_tp_retransmit, ZCOPY_PROBE_RETRANSMIT },
};

struct zcopy_kp {
	const char *symbol;
	kprobe_pre_handler_t handler;
	u32 bit;
};

static const struct zcopy_kp zcopy_kp_defs[] = {
	{ "skb_copy_ubufs", zcopy_kp_copy_ubufs, ZCOPY_PROBE_COPY_UBUFS },
	{ "__pskb_pull_tail", zcopy_kp_pull_tail, ZCOPY_PROBE_PULL_TAIL },
	{ "skb_copy_bits", zcopy_kp_copy_bits, ZCOPY_PROBE_COPY_BITS },
	{ "skb_checksum_help", zcopy_kp_csum_help, ZCOPY_PROBE_CSUM_HELP },
	{ "skb_segment", zcopy_kp_segment, ZCOPY_PROBE_SEGMENT },
	{ "tcp_sendmsg_locked", zcopy_kp_send, ZCOPY_PROBE_SENDMSG },
#ifdef ZCOPY_HAVE_SENDPAGE
	{ "do_tcp_sendpages", zcopy_kp_send, ZCOPY_PROBE_SENDPAGE },
#endif
};

/* Filled anew at each arming: a kprobe once unregistered keeps its addr. */
static struct kprobe zcopy_kps[ARRAY_SIZE(zcopy_kp_defs)];

static void zcopy_tp_find(struct tracepoint *tp, void *priv)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(zcopy_tps); i++)
		if (!strcmp(tp->name, zcopy_tps[i].name))
			zcopy_tps[i].tp = tp;
}

/* err 0: left out by the probes parameter. */
static void zcopy_probe_failed(const char *what, const char *name, int err)
{
	size_t used = strlen(zcopy_probe_error);
	size_t left = sizeof(zcopy_probe_error) - used;
	char *end = zcopy_probe_error + used;

	if (err)
		scnprintf(end, left, "%s%s %s: error %d", used ? "; " : "",
			  what, name, err);
	else
		scnprintf(end, left, "%s%s %s: not registered (probes=%#x)",
			  used ? "; " : "", what, name, probes);
}

static void zcopy_armed_set(u32 armed)
{
	zcopy_stats_add(ZCOPY_STATS_A_OBSERVER_ARMED,
			(s64)armed - (s64)zcopy_armed);
	zcopy_armed = armed;
}

/*
 * Registers the probes of want not yet registered; at load (init) records
 * why one fails. Returns the bits that failed.
 */
static u32 zcopy_obs_arm(u32 want, bool init)
{
	u32 armed = zcopy_armed, failed = 0;
	unsigned int i;
	int ret;

	lockdep_assert_held(&zcopy_obs_arm_lock);
	for (i = 0; i < ARRAY_SIZE(zcopy_tps); i++) {
		struct zcopy_tp *t = &zcopy_tps[i];

		if (!(want & t->bit) || (armed & t->bit))
			continue;
		ret = t->tp ? tracepoint_probe_register(t->tp, t->probe, NULL) :
			      -ENOENT;
		if (ret) {
			failed |= t->bit;
			if (init)
				zcopy_probe_failed("tracepoint", t->name, ret);
			continue;
		}
		armed |= t->bit;
	}
	for (i = 0; i < ARRAY_SIZE(zcopy_kps); i++) {
		const struct zcopy_kp *d = &zcopy_kp_defs[i];
		struct kprobe *kp = &zcopy_kps[i];

		if (!(want & d->bit) || (armed & d->bit))
			continue;
		memset(kp, 0, sizeof(*kp));
		kp->symbol_name = d->symbol;
		kp->pre_handler = d->handler;
		ret = register_kprobe(kp);
		if (ret) {
			failed |= d->bit;
			if (init)
				zcopy_probe_failed("kprobe", d->symbol, ret);
			continue;
		}
		armed |= d->bit;
	}
	zcopy_armed_set(armed);
	return failed;
}

/* Unregisters every probe; none of their bodies runs on return. */
static void zcopy_obs_disarm_all(void)
{
	struct kprobe *kps[ARRAY_SIZE(zcopy_kps)];
	unsigned int i, n = 0;

	lockdep_assert_held(&zcopy_obs_arm_lock);
	for (i = 0; i < ARRAY_SIZE(zcopy_kps); i++)
		if (zcopy_armed & zcopy_kp_defs[i].bit)
			kps[n++] = &zcopy_kps[i];
	/* One grace period for all of them. */
	if (n)
		unregister_kprobes(kps, n);
	for (i = 0; i < ARRAY_SIZE(zcopy_tps); i++)
		if (zcopy_armed & zcopy_tps[i].bit)
			tracepoint_probe_unregister(zcopy_tps[i].tp,
						    zcopy_tps[i].probe, NULL);
	tracepoint_synchronize_unregister();
	zcopy_armed_set(0);
}

static void zcopy_obs_disarm_work(struct work_struct *work)
{
	mutex_lock(&zcopy_obs_arm_lock);
	if (!zcopy_obs_count_all) {
		static_branch_disable(&zcopy_obs_on);
		if (zcopy_armed)
			zcopy_obs_disarm_all();
	}
	mutex_unlock(&zcopy_obs_arm_lock);
}

/*
 * Finds which probes this kernel has by registering each once; they are
 * unregistered at once, and registered again by the first observation.
 */
void zcopy_observe_init(void)
{
	unsigned int i;

	for_each_kernel_tracepoint(zcopy_tp_find, NULL);
	for (i = 0; i < ARRAY_SIZE(zcopy_tps); i++)
		if (!(probes & zcopy_tps[i].bit))
			zcopy_probe_failed("tracepoint", zcopy_tps[i].name, 0);
	for (i = 0; i < ARRAY_SIZE(zcopy_kp_defs); i++)
		if (!(probes & zcopy_kp_defs[i].bit))
			zcopy_probe_failed("kprobe", zcopy_kp_defs[i].symbol, 0);

	mutex_lock(&zcopy_obs_arm_lock);
	zcopy_obs_arm(probes & (ZCOPY_PROBES_ALL | ZCOPY_PROBES_PROCESS), true);
	zcopy_probes = zcopy_armed;
	zcopy_obs_disarm_all();
	mutex_unlock(&zcopy_obs_arm_lock);

	zcopy_stats_add(ZCOPY_STATS_A_OBSERVER_PROBES, zcopy_probes);
	if ((zcopy_probes & ZCOPY_PROBES_NEEDED) != ZCOPY_PROBES_NEEDED)
		pr_warn("observer incomplete, transfers will not be verified: %s\n",
			zcopy_probe_error);
	else if (zcopy_probe_error[0])
		pr_warn("observer without some diagnostics: %s\n",
			zcopy_probe_error);
}

/* Every observation has ended by now. */
void zcopy_observe_exit(void)
{
	cancel_delayed_work_sync(&zcopy_obs_disarm);
	static_branch_disable(&zcopy_obs_on);
	mutex_lock(&zcopy_obs_arm_lock);
	if (zcopy_armed)
		zcopy_obs_disarm_all();
	mutex_unlock(&zcopy_obs_arm_lock);
	/* Observations freed after a grace period: done before unload. */
	rcu_barrier();
}

u32 zcopy_observe_probes(void)
{
	return zcopy_probes;
}

const char *zcopy_observe_error(void)
{
	return zcopy_probe_error[0] ? zcopy_probe_error : NULL;
}

static struct zcopy_obs *zcopy_obs_alloc(void)
{
	struct zcopy_obs *obs;

	obs = kzalloc(sizeof(*obs), GFP_KERNEL_ACCOUNT);
	if (!obs)
		return NULL;
	init_waitqueue_head(&obs->wait);
	spin_lock_init(&obs->lock);
	INIT_LIST_HEAD(&obs->members);
	obs->end = U64_MAX;
	return obs;
}

/* Probes armed and the key on; the caller publishes obs after. */
static void zcopy_obs_arm_for(struct zcopy_obs *obs, u32 want)
{
	lockdep_assert_held(&zcopy_obs_arm_lock);
	/* A disarm still pending finds the count raised and does nothing. */
	cancel_delayed_work(&zcopy_obs_disarm);
	zcopy_obs_count_all++;
	/*
	 * Each kprobe on an ftrace site costs two passes over all of
	 * ftrace's records to register: a job's observation leaves the
	 * diagnostic ones out.
	 */
	if (want & zcopy_probes & ~zcopy_armed)
		zcopy_obs_arm(want & zcopy_probes, false);
	if (!static_key_enabled(&zcopy_obs_on))
		static_branch_enable(&zcopy_obs_on);
	/* A probe that failed to register now leaves the count unverified. */
	obs->c.probes = zcopy_armed & want;
}

/* A cgroup's or a process's: armed, then on list, counted in *nr. */
static void zcopy_obs_publish(struct zcopy_obs *obs, u32 want,
			      struct list_head *list, unsigned int *nr)
{
	mutex_lock(&zcopy_obs_arm_lock);
	zcopy_obs_arm_for(obs, want);
	spin_lock_irq(&zcopy_obs_list_lock);
	list_add_tail_rcu(&obs->all, list);
	WRITE_ONCE(*nr, *nr + 1);
	spin_unlock_irq(&zcopy_obs_list_lock);
	mutex_unlock(&zcopy_obs_arm_lock);
}

struct zcopy_obs *zcopy_obs_start_cgroup(struct cgroup *cgrp, u32 want)
{
	struct zcopy_obs *obs;

#ifndef ZCOPY_HAVE_SOCK_CGROUP
	return ERR_PTR(-EOPNOTSUPP);
#endif
	obs = zcopy_obs_alloc();
	if (!obs)
		return ERR_PTR(-ENOMEM);
	cgroup_get(cgrp);
	obs->cgrp = cgrp;
	zcopy_obs_publish(obs, want, &zcopy_obs_scopes, &zcopy_obs_nr_scopes);
	return obs;
}

struct zcopy_obs *zcopy_obs_start_mm(struct mm_struct *mm, u32 want)
{
	struct zcopy_obs *obs;

	obs = zcopy_obs_alloc();
	if (!obs)
		return NULL;
	mmgrab(mm);
	obs->mm = mm;
	obs->memcg = get_mem_cgroup_from_mm(current->mm);
	obs->pruned_at = jiffies - 1;
	zcopy_obs_publish(obs, want | ZCOPY_PROBES_PROCESS, &zcopy_obs_procs,
			  &zcopy_obs_nr_procs);
	return obs;
}

struct zcopy_obs *zcopy_obs_start(struct sock *sk, struct file *file,
				  u32 want)
{
	struct zcopy_obs *obs;

	obs = zcopy_obs_alloc();
	if (!obs)
		return NULL;
	sock_hold(sk);
	obs->self.sk = sk;
	obs->self.obs = obs;
	if (file) {
		obs->file = get_file(file);
		obs->mapping = file->f_mapping;
	}

	mutex_lock(&zcopy_obs_arm_lock);
	zcopy_obs_arm_for(obs, want);
	obs->seq_next = READ_ONCE(tcp_sk(sk)->write_seq);

	spin_lock_irq(&zcopy_obs_list_lock);
	hash_add_rcu(zcopy_obs_by_sk, &obs->self.by_sk, (unsigned long)sk);
	list_add_tail_rcu(&obs->all, &zcopy_obs_all);
	spin_unlock_irq(&zcopy_obs_list_lock);
	mutex_unlock(&zcopy_obs_arm_lock);
	return obs;
}

/* The counts, and where the bytes went, each if asked for. */
static void zcopy_obs_copy(struct zcopy_obs *obs, struct zcopy_obs_counts *c,
			   struct zcopy_obs_breakdown *b)
{
	spin_lock_irq(&obs->lock);
	if (c)
		*c = obs->c;
	if (b)
		*b = obs->b;
	spin_unlock_irq(&obs->lock);
}

void zcopy_obs_read(struct zcopy_obs *obs, struct zcopy_obs_counts *c,
		    struct zcopy_obs_breakdown *b)
{
	if (obs->mm) {
		spin_lock_irq(&zcopy_obs_list_lock);
		zcopy_obs_prune(obs);
		spin_unlock_irq(&zcopy_obs_list_lock);
	}
	zcopy_obs_copy(obs, c, b);
}

/* Probes may still read obs->cgrp until a grace period has passed. */
static void zcopy_obs_free(struct rcu_head *rcu)
{
	struct zcopy_obs *obs = container_of(rcu, struct zcopy_obs, rcu);

	if (obs->cgrp)
		cgroup_put(obs->cgrp);
	mem_cgroup_put(obs->memcg);
	kfree(obs);
}

void zcopy_obs_stop(struct zcopy_obs *obs, struct zcopy_obs_counts *c,
		    struct zcopy_obs_breakdown *b)
{
	struct zcopy_obs_member *m, *tmp;

	mutex_lock(&zcopy_obs_arm_lock);
	spin_lock_irq(&zcopy_obs_list_lock);
	if (obs->cgrp)
		WRITE_ONCE(zcopy_obs_nr_scopes, zcopy_obs_nr_scopes - 1);
	else if (obs->mm)
		WRITE_ONCE(zcopy_obs_nr_procs, zcopy_obs_nr_procs - 1);
	else
		hash_del_rcu(&obs->self.by_sk);
	list_del_rcu(&obs->all);
	obs->ended = true;
	list_for_each_entry_safe(m, tmp, &obs->members, node)
		zcopy_obs_member_del(m);
	spin_unlock_irq(&zcopy_obs_list_lock);
	/* Key and probes linger: patching text per job costs more. */
	if (!--zcopy_obs_count_all)
		schedule_delayed_work(&zcopy_obs_disarm, ZCOPY_OBS_LINGER);
	mutex_unlock(&zcopy_obs_arm_lock);

	zcopy_obs_copy(obs, c, b);
	/*
	 * Probes compare the socket, mapping and mm, never follow them; no
	 * socket joins an ended observation, whatever mm takes this one's
	 * place.
	 */
	if (obs->self.sk)
		sock_put(obs->self.sk);
	if (obs->file)
		fput(obs->file);
	if (obs->mm)
		mmdrop(obs->mm);
	call_rcu(&obs->rcu, zcopy_obs_free);
}

/* Counted in bytes from the start, never in 32-bit sequence numbers. */
void zcopy_obs_bound(struct zcopy_obs *obs, u64 bytes)
{
	spin_lock_irq(&obs->lock);
	obs->end = bytes;
	spin_unlock_irq(&obs->lock);
}

u64 zcopy_obs_seen(struct zcopy_obs *obs)
{
	unsigned long flags;
	u64 bytes;

	spin_lock_irqsave(&obs->lock, flags);
	bytes = obs->c.bytes;
	spin_unlock_irqrestore(&obs->lock, flags);
	return bytes;
}

bool zcopy_obs_can_wait(const struct zcopy_obs *obs)
{
	return obs->c.probes & ZCOPY_PROBE_XMIT;
}

struct wait_queue_head *zcopy_obs_wait_head(struct zcopy_obs *obs, u64 target)
{
	spin_lock_irq(&obs->lock);
	obs->target = target;
	spin_unlock_irq(&obs->lock);
	return &obs->wait;
}

bool zcopy_obs_complete(const struct zcopy_obs_counts *c, u64 bytes)
{
	return (c->probes & ZCOPY_PROBES_NEEDED) == ZCOPY_PROBES_NEEDED &&
	       c->bytes == bytes;
}
