// SPDX-License-Identifier: GPL-2.0
/*
 * Module lifetime: load/unload cycles leak nothing, parameters, a failed
 * load leaves nothing behind, autoload through the genl family alias, and
 * an open device pins the module.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "zcopy_test_lib.h"

#define LOAD_CYCLES	20
#define MAX_SLABS	512

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

static int cycle(struct __test_metadata *_metadata)
{
	if (zcopy_unload() || zcopy_load(NULL)) {
		TH_LOG("unload/load: %s", strerror(errno));
		return -1;
	}
	if (access(ZCOPY_DEV_PATH, F_OK)) {
		TH_LOG("no %s after load", ZCOPY_DEV_PATH);
		return -1;
	}
	return 0;
}

static long slab_active(struct zcopy_slab *slabs, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(slabs[i].name, name))
			return slabs[i].active;
	return 0;
}

/*
 * A leak of one object per cycle grows some cache by LOAD_CYCLES objects;
 * two warm-up cycles first fill the caches that a first load primes.
 */
/* The cache that grew most since before, and by how much. */
static long slab_growth(struct zcopy_slab *before, int nb,
			struct zcopy_slab *after, int na, const char **name)
{
	long worst = LONG_MIN;
	int i;

	for (i = 0; i < na; i++) {
		long grown = after[i].active -
			     slab_active(before, nb, after[i].name);

		if (grown > worst) {
			worst = grown;
			*name = after[i].name;
		}
	}
	return worst;
}

/*
 * sysfs and kobject memory is freed after an RCU grace period, so a cache
 * that looks grown is read again a few times, seconds apart: deferred
 * frees catch up, a leak stays.
 */
TEST_F_TIMEOUT(module, load_unload_cycles_leak_no_slab_objects, 120)
{
	static struct zcopy_slab before[MAX_SLABS], after[MAX_SLABS];
	const char *name = "";
	int nb, na, i, cycles;
	long grown;

	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, cycle(_metadata));
	sleep(2);

	nb = zcopy_slab_read(before, MAX_SLABS);
	ASSERT_LT(0, nb);
	for (cycles = 0; cycles < LOAD_CYCLES; cycles++)
		ASSERT_EQ(0, cycle(_metadata));

	for (i = 0; i < 5; i++) {
		sleep(2);
		na = zcopy_slab_read(after, MAX_SLABS);
		ASSERT_LT(0, na);
		grown = slab_growth(before, nb, after, na, &name);
		if (grown < LOAD_CYCLES)
			break;
		TH_LOG("slab %s %ld objects above the start, waiting",
		       name, grown);
	}
	EXPECT_GT(LOAD_CYCLES, grown)
		TH_LOG("slab %s grew by %ld objects over %d cycles",
		       name, grown, LOAD_CYCLES);
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
