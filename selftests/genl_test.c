// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family: resolution, STATS, strict validation.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/family.h>
#include <netlink/genl/genl.h>

#include "kselftest_harness.h"
#include "zcopy_test_lib.h"

FIXTURE(genl) {
	struct zcopy_nl nl;
	struct zcopy_nl_reply reply;
};

FIXTURE_SETUP(genl)
{
	ASSERT_EQ(0, zcopy_ensure_loaded());
	ASSERT_EQ(0, zcopy_nl_open(&self->nl));
}

FIXTURE_TEARDOWN(genl)
{
	zcopy_nl_reply_free(&self->reply);
	zcopy_nl_close(&self->nl);
}

TEST_F(genl, family_has_version_and_events_group)
{
	struct genl_family *family;
	struct nl_cache *cache;

	ASSERT_LT(0, self->nl.family);
	ASSERT_EQ(0, genl_ctrl_alloc_cache(self->nl.sk, &cache));
	family = genl_ctrl_search_by_name(cache, ZCOPY_GENL_NAME);
	ASSERT_NE(NULL, family);
	EXPECT_EQ(ZCOPY_GENL_VERSION, genl_family_get_version(family));
	EXPECT_EQ(ZCOPY_A_MAX, genl_family_get_maxattr(family));
	genl_family_put(family);
	nl_cache_free(cache);

	EXPECT_LE(0, genl_ctrl_resolve_grp(self->nl.sk, ZCOPY_GENL_NAME,
					   ZCOPY_GENL_MCGRP_EVENTS));
}

static int stats_counters(struct __test_metadata *_metadata,
			  struct zcopy_nl_reply *reply,
			  uint64_t counters[ZCOPY_STATS_A_MAX + 1])
{
	struct nlattr *tb[ZCOPY_STATS_A_MAX + 1];
	int attr;

	if (!reply->attrs[ZCOPY_A_STATS]) {
		TH_LOG("STATS reply without ZCOPY_A_STATS");
		return -1;
	}
	if (nla_parse_nested(tb, ZCOPY_STATS_A_MAX,
			     reply->attrs[ZCOPY_A_STATS], NULL))
		return -1;
	for (attr = ZCOPY_STATS_A_JOBS_SUBMITTED; attr <= ZCOPY_STATS_A_MAX;
	     attr++) {
		if (!tb[attr] || nla_len(tb[attr]) != sizeof(uint64_t)) {
			TH_LOG("counter attribute %d missing or not u64", attr);
			return -1;
		}
		counters[attr] = nla_get_u64(tb[attr]);
	}
	return 0;
}

TEST_F(genl, stats_reports_every_counter)
{
	uint64_t counters[ZCOPY_STATS_A_MAX + 1];

	ASSERT_EQ(0, zcopy_nl_request(&self->nl, ZCOPY_CMD_STATS, NULL, NULL,
				      &self->reply));
	EXPECT_EQ(1, self->reply.replies);
	ASSERT_EQ(0, stats_counters(_metadata, &self->reply, counters));
}

TEST_F(genl, stats_start_at_zero_after_load)
{
	uint64_t counters[ZCOPY_STATS_A_MAX + 1];
	int attr;

	zcopy_nl_close(&self->nl);
	ASSERT_EQ(0, zcopy_unload());
	ASSERT_EQ(0, zcopy_load(NULL));
	ASSERT_EQ(0, zcopy_nl_open(&self->nl));

	ASSERT_EQ(0, zcopy_nl_request(&self->nl, ZCOPY_CMD_STATS, NULL, NULL,
				      &self->reply));
	ASSERT_EQ(0, stats_counters(_metadata, &self->reply, counters));
	/* Every counter; the probes are the observer's set-up, not counts. */
	for (attr = ZCOPY_STATS_A_JOBS_SUBMITTED; attr <= ZCOPY_STATS_A_MAX;
	     attr++)
		if (attr != ZCOPY_STATS_A_OBSERVER_PROBES)
			EXPECT_EQ(0, counters[attr]) TH_LOG("counter %d", attr);
	/* sendpage: only kernels that still have it (before 6.5). */
	EXPECT_EQ(ZCOPY_PROBES_ALL | ZCOPY_PROBE_SENDMSG,
		  counters[ZCOPY_STATS_A_OBSERVER_PROBES] &
		  ~(uint64_t)ZCOPY_PROBE_SENDPAGE);
}

static int put_stray_attr(struct nl_msg *msg, void *arg)
{
	(void)arg;
	return nla_put_u32(msg, ZCOPY_A_STATS, 1);
}

TEST_F(genl, stats_rejects_attributes_with_extack)
{
	EXPECT_EQ(-EINVAL, zcopy_nl_request(&self->nl, ZCOPY_CMD_STATS,
					    put_stray_attr, NULL,
					    &self->reply));
	EXPECT_NE(0, strlen(self->reply.extack));
	TH_LOG("extack: %s", self->reply.extack);
}

TEST_F(genl, unknown_command_is_eopnotsupp)
{
	EXPECT_EQ(-EOPNOTSUPP, zcopy_nl_request(&self->nl, ZCOPY_CMD_MAX + 1,
						NULL, NULL, &self->reply));
	EXPECT_EQ(-EOPNOTSUPP, zcopy_nl_request(&self->nl, ZCOPY_CMD_UNSPEC,
						NULL, NULL, &self->reply));
}

TEST_F(genl, stats_allowed_for_non_root)
{
	uint64_t counters[ZCOPY_STATS_A_MAX + 1];

	zcopy_nl_close(&self->nl);
	ASSERT_EQ(0, zcopy_drop_privileges());
	ASSERT_EQ(0, zcopy_nl_open(&self->nl));
	ASSERT_EQ(0, zcopy_nl_request(&self->nl, ZCOPY_CMD_STATS, NULL, NULL,
				      &self->reply));
	ASSERT_EQ(0, stats_counters(_metadata, &self->reply, counters));
}

TEST_HARNESS_MAIN
