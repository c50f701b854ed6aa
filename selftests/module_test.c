// SPDX-License-Identifier: GPL-2.0
/*
 * Module lifetime: load/unload cycles leak nothing, parameters, a failed
 * load leaves nothing behind, autoload through the genl family alias, and
 * an open device pins the module.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "zcopy_test_lib.h"
#include "zcopy_xfer_lib.h"

#define LOAD_CYCLES	20

FIXTURE(module) {
	int unused;
};

FIXTURE_SETUP(module)
{
	ASSERT_EQ(0, zcopy_ensure_loaded());
}

/* Leave the module loaded for whatever test runs next. */
FIXTURE_TEARDOWN(module)
{
	zcopy_ensure_loaded();
}

static bool family_resolves(void)
{
	struct zcopy_nl nl;

	if (zcopy_nl_open(&nl))
		return false;
	zcopy_nl_close(&nl);
	return true;
}

static void assert_all_gone(struct __test_metadata *_metadata)
{
	EXPECT_FALSE(zcopy_module_loaded());
	EXPECT_EQ(-1, access(ZCOPY_DEV_PATH, F_OK));
	EXPECT_EQ(ENOENT, errno);
}

/*
 * A KASAN kernel keeps freed objects in a quarantine, where the slab still
 * counts them as allocated; shrinking a cache frees its quarantined ones.
 */
static void shrink_caches(void)
{
	glob_t g;
	size_t i;
	int fd;

	if (glob("/sys/kernel/slab/*/shrink", 0, NULL, &g))
		return;
	for (i = 0; i < g.gl_pathc; i++) {
		fd = open(g.gl_pathv[i], O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		/* A cache that cannot shrink only keeps what it has. */
		if (write(fd, "1", 1) < 0)
			errno = 0;
		close(fd);
	}
	globfree(&g);
}

/*
 * Objects still allocated whose allocation site no longer resolves to a
 * symbol: allocated by a module that has since been unloaded, and never
 * freed. Needs SLAB_STORE_USER on every cache (boot with slub_debug=U);
 * debugfs lists every cache's live objects by allocation site.
 */
static long orphan_objects(struct __test_metadata *_metadata)
{
	char line[512], site[256];
	long total = 0, count;
	glob_t g;
	size_t i;
	FILE *f;

	mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	shrink_caches();
	if (glob("/sys/kernel/debug/slab/*/alloc_traces", 0, NULL, &g)) {
		TH_LOG("no slab alloc_traces in debugfs: boot with slub_debug=U");
		return -1;
	}
	for (i = 0; i < g.gl_pathc; i++) {
		f = fopen(g.gl_pathv[i], "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "%ld %255s", &count, site) == 2 &&
			    !strncmp(site, "0x", 2))
				total += count;
		fclose(f);
	}
	globfree(&g);
	return total;
}

/* A load, a transfer through the device, a STATS request, an unload. */
static int busy_cycle(struct __test_metadata *_metadata)
{
	struct zcopy_completion rec;
	struct zcopy_receiver rx;
	struct zcopy_nl_reply reply;
	struct zcopy_nl nl;
	int dev, file, sock, ret = -1;
	uint64_t id;

	if (zcopy_load(NULL))
		return -1;
	dev = open(ZCOPY_DEV_PATH, O_RDWR | O_CLOEXEC);
	file = open("/data/f100000", O_RDONLY | O_CLOEXEC);
	if (dev < 0 || file < 0 ||
	    zcopy_receiver_start(&rx, &zcopy_paths[0], RECV_ALL))
		goto out;
	sock = zcopy_connect(&zcopy_paths[0], rx.port);
	if (sock >= 0 &&
	    !zcopy_submit(dev, file, sock, ZCOPY_MODE_SG, 0, 0, 0, &id) &&
	    !zcopy_wait_completion(dev, 30000, &rec) &&
	    rec.bytes_sent == 100000 && !zcopy_nl_open(&nl)) {
		ret = zcopy_nl_request(&nl, ZCOPY_CMD_STATS, NULL, NULL, &reply);
		zcopy_nl_reply_free(&reply);
		zcopy_nl_close(&nl);
	}
	close(sock);
	zcopy_receiver_kill(&rx);
out:
	close(file);
	close(dev);
	if (zcopy_unload())
		ret = -1;
	if (ret)
		TH_LOG("busy cycle failed");
	return ret;
}

/*
 * Twenty loads, each with a transfer, leave no object behind that zcopy's
 * code allocated (its own job cache would also complain at destroy).
 */
TEST_F_TIMEOUT(module, load_unload_cycles_leak_nothing, 300)
{
	long before, after;
	int i;

	ASSERT_EQ(0, zcopy_unload());
	ASSERT_EQ(0, busy_cycle(_metadata));
	before = orphan_objects(_metadata);
	ASSERT_LE(0, before);

	for (i = 0; i < LOAD_CYCLES; i++)
		ASSERT_EQ(0, busy_cycle(_metadata));
	/* Memory freed after an RCU grace period gets a moment. */
	sleep(1);
	after = orphan_objects(_metadata);
	EXPECT_EQ(before, after)
		TH_LOG("%ld objects of unloaded zcopy instances remain",
		       after - before);
	assert_all_gone(_metadata);
	ASSERT_EQ(0, zcopy_load(NULL));
	EXPECT_TRUE(family_resolves());
}

TEST_F(module, unload_removes_node_and_family)
{
	ASSERT_EQ(0, zcopy_unload());
	assert_all_gone(_metadata);
	ASSERT_EQ(0, zcopy_load(NULL));
	EXPECT_EQ(0, access(ZCOPY_DEV_PATH, F_OK));
}

TEST_F(module, dev_mode_parameter_sets_node_mode)
{
	struct stat st;

	ASSERT_EQ(0, zcopy_unload());
	ASSERT_EQ(0, zcopy_load("dev_mode=0640"));
	ASSERT_EQ(0, stat(ZCOPY_DEV_PATH, &st));
	EXPECT_EQ(0640, st.st_mode & 07777);
	ASSERT_EQ(0, zcopy_unload());
}

TEST_F(module, bad_dev_mode_fails_load_and_leaves_nothing)
{
	ASSERT_EQ(0, zcopy_unload());
	EXPECT_EQ(-EINVAL, zcopy_load("dev_mode=01777"));
	assert_all_gone(_metadata);
	/* Beyond a ushort: the kernel's parameter parser says ERANGE. */
	EXPECT_EQ(-ERANGE, zcopy_load("dev_mode=0x10000"));
	assert_all_gone(_metadata);
}

/* Resolving the family makes the kernel modprobe its alias. */
TEST_F(module, family_lookup_autoloads_module)
{
	ASSERT_EQ(0, zcopy_unload());
	ASSERT_FALSE(zcopy_module_loaded());
	EXPECT_TRUE(family_resolves());
	EXPECT_TRUE(zcopy_module_loaded());
}

TEST_F(module, open_device_pins_module)
{
	int fd;

	fd = open(ZCOPY_DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EWOULDBLOCK, zcopy_unload());
	EXPECT_TRUE(zcopy_module_loaded());
	close(fd);
	EXPECT_EQ(0, zcopy_unload());
}

TEST_HARNESS_MAIN
