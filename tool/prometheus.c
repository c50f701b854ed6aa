// SPDX-License-Identifier: GPL-2.0
/* zcopyctl: Prometheus text files, written whole and renamed into place. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "prometheus.h"

int prom_begin(struct prom_file *p, const char *path)
{
	int fd;

	p->path = path;
	if ((size_t)snprintf(p->tmp, sizeof(p->tmp), "%s.XXXXXX", path) >=
	    sizeof(p->tmp))
		return -ENAMETOOLONG;
	fd = mkostemp(p->tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* What node_exporter runs as must be able to read it. */
	if (fchmod(fd, 0644)) {
		close(fd);
		unlink(p->tmp);
		return -errno;
	}
	p->f = fdopen(fd, "w");
	if (!p->f) {
		close(fd);
		unlink(p->tmp);
		return -ENOMEM;
	}
	return 0;
}

char *prom_label(char *buf, size_t len, const char *name, const char *value)
{
	size_t n = strlen(buf);

	n += snprintf(buf + n, n < len ? len - n : 0, "%s%s=\"",
		      n ? "," : "", name);
	/* Backslash, double quote and newline escaped. */
	for (; *value && n + 3 < len; value++) {
		if (*value == '\\' || *value == '"') {
			buf[n++] = '\\';
			buf[n++] = *value;
		} else if (*value == '\n') {
			buf[n++] = '\\';
			buf[n++] = 'n';
		} else {
			buf[n++] = *value;
		}
	}
	if (n + 2 <= len) {
		buf[n++] = '"';
		buf[n] = '\0';
	}
	return buf;
}

void prom_sample(struct prom_file *p, const char *name, const char *type,
		 const char *help, const char *labels, double value)
{
	if (help)
		fprintf(p->f, "# HELP %s %s\n# TYPE %s %s\n", name, help,
			name, type);
	/* %.17g: every u64 counter below 2^53 exactly, as Prometheus reads it. */
	if (labels && *labels)
		fprintf(p->f, "%s{%s} %.17g\n", name, labels, value);
	else
		fprintf(p->f, "%s %.17g\n", name, value);
}

int prom_commit(struct prom_file *p)
{
	int err = 0;

	if (fflush(p->f) || fsync(fileno(p->f)))
		err = -errno;
	if (fclose(p->f) && !err)
		err = -errno;
	p->f = NULL;
	if (!err && rename(p->tmp, p->path))
		err = -errno;
	if (err)
		unlink(p->tmp);
	return err;
}

void prom_abort(struct prom_file *p)
{
	if (!p->f)
		return;
	fclose(p->f);
	p->f = NULL;
	unlink(p->tmp);
}
