// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/zcopy: the node, its permissions and the ABI version ioctl.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "zcopy_test_lib.h"

#define MISC_MAJOR_NUMBER 10

FIXTURE(chardev) {
	int fd;
};

FIXTURE_SETUP(chardev)
{
	ASSERT_EQ(0, zcopy_ensure_loaded());
	self->fd = open(ZCOPY_DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd)
		TH_LOG("open %s: %s", ZCOPY_DEV_PATH, strerror(errno));
}

FIXTURE_TEARDOWN(chardev)
{
	close(self->fd);
}

TEST_F(chardev, node_is_root_only_misc_device)
{
	struct stat st;

	ASSERT_EQ(0, stat(ZCOPY_DEV_PATH, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
	EXPECT_EQ(MISC_MAJOR_NUMBER, major(st.st_rdev));
}

TEST_F(chardev, version_ioctl_reports_abi)
{
	struct zcopy_version ver;

	memset(&ver, 0xa5, sizeof(ver));
	ASSERT_EQ(0, ioctl(self->fd, ZCOPY_IOC_VERSION, &ver));
	EXPECT_EQ(ZCOPY_ABI_VERSION, ver.abi_version);
	EXPECT_EQ(0, ver.modes & ~((1U << __ZCOPY_MODE_MAX) - 1));
	ASSERT_NE(NULL, memchr(ver.release, '\0', sizeof(ver.release)));
	EXPECT_LT(0, strlen(ver.release));
}

TEST_F(chardev, version_ioctl_bad_pointer_is_efault)
{
	EXPECT_EQ(-1, ioctl(self->fd, ZCOPY_IOC_VERSION, (void *)8));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(chardev, unknown_ioctl_is_enotty)
{
	struct zcopy_version ver;

	EXPECT_EQ(-1, ioctl(self->fd, _IOR(ZCOPY_IOC_MAGIC, 0xff,
					   struct zcopy_version), &ver));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IO(ZCOPY_IOC_MAGIC, 0x80)));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(chardev, not_seekable)
{
	EXPECT_EQ(-1, lseek(self->fd, 0, SEEK_SET));
	EXPECT_EQ(ESPIPE, errno);
}

TEST(non_root_open_is_refused)
{
	ASSERT_EQ(0, zcopy_ensure_loaded());
	ASSERT_EQ(0, zcopy_drop_privileges());
	ASSERT_EQ(ZCOPY_NOBODY, geteuid());
	EXPECT_EQ(-1, open(ZCOPY_DEV_PATH, O_RDONLY));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, open(ZCOPY_DEV_PATH, O_RDWR));
	EXPECT_EQ(EACCES, errno);
}

TEST_HARNESS_MAIN
