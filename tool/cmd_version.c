// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl version: the tool's version and ABI, and the module's.
 *
 * The module is asked through /dev/zcopy (ZCOPY_IOC_VERSION: release, ABI,
 * modes). That device is usually root-only, while the generic netlink
 * family is visible to everyone, so the family's version is the fallback.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/zcopy.h>

#include "cmd.h"
#include "job.h"
#include "nl.h"
#include "output.h"
#include "version.h"

#define ZCOPY_DEV_PATH	"/dev/" ZCOPY_DEVICE_NAME

struct module_version {
	const char *source;	/* how the module answered; NULL if not */
	unsigned int abi;
	bool have_details;	/* release and modes (only the device has them) */
	unsigned int modes;
	char release[sizeof(((struct zcopy_version *)0)->release) + 1];
};

/* Returns 0 or -errno; *what tells which step failed. */
static int query_device(struct module_version *mod, const char **what)
{
	struct zcopy_version ver = { 0 };
	int fd, err = 0;

	*what = "cannot open " ZCOPY_DEV_PATH;
	fd = open(ZCOPY_DEV_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;

	*what = "ZCOPY_IOC_VERSION on " ZCOPY_DEV_PATH;
	if (ioctl(fd, ZCOPY_IOC_VERSION, &ver) < 0) {
		err = -errno;
	} else {
		mod->source = "device";
		mod->abi = ver.abi_version;
		mod->modes = ver.modes;
		mod->have_details = true;
		/* The module promises a NUL, but never trust a length. */
		memcpy(mod->release, ver.release, sizeof(ver.release));
		mod->release[sizeof(ver.release)] = '\0';
	}
	close(fd);
	return err;
}

static void print_modes(unsigned int modes)
{
	unsigned int bit;
	char name[16];

	out_open_array("modes");
	for (bit = 0; bit < 32; bit++) {
		if (!(modes & (1U << bit)))
			continue;
		if (job_mode_name(bit)) {
			out_str(NULL, job_mode_name(bit));
		} else {
			/* a mode newer than this tool */
			snprintf(name, sizeof(name), "mode%u", bit);
			out_str(NULL, name);
		}
	}
	out_close_array();
}

static void print_version(const struct module_version *mod, bool missing)
{
	out_open_object(NULL);
	out_str("tool_version", ZCOPYCTL_VERSION);
	out_u64("tool_abi", ZCOPY_ABI_VERSION);
	/* Known not loaded, or it answered; null: it could not be told. */
	if (missing || mod->source)
		out_bool("module_loaded", !missing);
	else
		out_null("module_loaded");
	if (mod->have_details)
		out_str("module_release", mod->release);
	else
		out_null("module_release");
	if (mod->source)
		out_u64("module_abi", mod->abi);
	else
		out_null("module_abi");
	if (mod->have_details)
		print_modes(mod->modes);
	else
		out_null("modes");
	out_str("module_source", mod->source);
	out_close_object();
}

static int version_run(const struct cmd *cmd, int argc, char **argv)
{
	struct module_version mod = { 0 };
	const char *dev_what;
	struct nl_ctx ctx;
	int status, dev_err, nl_err = 0, err;
	bool missing;

	status = cmd_json_only(cmd, argc, argv);
	if (status != CMD_CONTINUE)
		return status;

	dev_err = query_device(&mod, &dev_what);
	if (dev_err) {
		nl_err = nl_ctx_open(&ctx);
		if (!nl_err) {
			mod.source = "netlink";
			mod.abi = ctx.family_version;
		}
	}

	/*
	 * A missing module is an answer, not a failure (as -V): the tool's
	 * part, "module loaded: no", and how to load it on stderr.
	 */
	missing = dev_err && !mod.source && ctx.family_missing;
	status = EXIT_OK;
	if (dev_err && !mod.source && !missing) {
		/* Neither way answered, for another reason: that fails. */
		if (dev_err != -ENOENT)
			pr_info("%s: %s", dev_what, strerror(-dev_err));
		nl_ctx_perror(&ctx, nl_err);
		status = EXIT_FAIL;
	}
	if (status == EXIT_OK) {
		print_version(&mod, missing);
		err = out_flush();
		if (err) {
			tool_error(-err, "writing output: %s", strerror(-err));
			status = EXIT_FAIL;
		}
	}
	if (dev_err) {
		/* The module answered over netlink: why not on the device. */
		if (mod.source)
			pr_warn("%s: %s", dev_what, strerror(-dev_err));
		if (missing)
			pr_info("%s", NL_CTX_MODULE_MISSING);
		nl_ctx_close(&ctx);
	}
	return status;
}

const struct cmd cmd_version = {
	.name		= "version",
	.run		= version_run,
	.summary	= "Show the version and ABI of the tool and of the loaded module.",
	.synopsis	= "[-j]",
	.options_help	= CMD_JSON_HELP,
	.optstring	= "jh",
};
