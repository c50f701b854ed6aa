/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcopyctl: Prometheus' text exposition format, for node_exporter's
 * textfile collector: a file written whole under another name and renamed
 * over the old one, so the collector never reads half of it.
 */
#ifndef ZCOPYCTL_PROMETHEUS_H
#define ZCOPYCTL_PROMETHEUS_H

#include <stdint.h>
#include <stdio.h>

struct prom_file {
	const char *path;
	char tmp[4096];
	FILE *f;
};

/* Starts a new version of path: 0, or -errno. */
int prom_begin(struct prom_file *p, const char *path);
/*
 * One sample, with its HELP and TYPE lines if help is not NULL (the first
 * sample of a metric). labels: NULL, or what prom_label() built.
 */
void prom_sample(struct prom_file *p, const char *name, const char *type,
		 const char *help, const char *labels, double value);
/*
 * Appends name="value" (escaped, comma-separated from what is there) to
 * the labels in buf; returns buf.
 */
char *prom_label(char *buf, size_t len, const char *name, const char *value);
/* Renames it into place: 0, or -errno (the old file stays). */
int prom_commit(struct prom_file *p);
/* Drops what was begun. */
void prom_abort(struct prom_file *p);

#endif /* ZCOPYCTL_PROMETHEUS_H */
