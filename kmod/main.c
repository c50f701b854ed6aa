// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy: in-kernel file-to-socket transfers with measured copy statistics.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/init.h>
#include <net/genetlink.h>

#include "cputime.h"
#include "job.h"
#include "netlink.h"
#include "observe.h"
#include "observe_user.h"
#include "plant.h"
#include "zcopy.h"

static int __init zcopy_init(void)
{
	int ret;

	zcopy_cputime_init();
	ret = zcopy_jobs_init(zcopy_nl_notify_done);
	if (ret)
		goto err_jobs;

	zcopy_observe_init();
	ret = zcopy_obs_users_init();
	if (ret)
		goto err_obs_users;

	ret = zcopy_chardev_init();
	if (ret)
		goto err_chardev;

	ret = zcopy_genl_init();
	if (ret)
		goto err_genl;

	zcopy_plant_bugs();
	pr_info("version %s loaded, ABI %u\n", ZCOPY_VERSION, ZCOPY_ABI_VERSION);
	return 0;

err_genl:
	zcopy_chardev_exit();
err_chardev:
	zcopy_obs_users_exit();
err_obs_users:
	zcopy_observe_exit();
	zcopy_jobs_exit();
err_jobs:
	zcopy_cputime_exit();
	return ret;
}

/*
 * Nothing holds the module but open /dev/zcopy files: jobs are cancelled
 * here, and the family they send events to goes only after they ended.
 */
static void __exit zcopy_exit(void)
{
	zcopy_jobs_stop();
	zcopy_genl_exit();
	zcopy_chardev_exit();
	zcopy_obs_users_exit();
	zcopy_observe_exit();
	zcopy_jobs_exit();
	zcopy_cputime_exit();
}

module_init(zcopy_init);
module_exit(zcopy_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("In-kernel file-to-socket transfers with measured copy statistics");
MODULE_AUTHOR("The zcopy developers");
MODULE_VERSION(ZCOPY_VERSION);
MODULE_ALIAS_GENL_FAMILY(ZCOPY_GENL_NAME);
