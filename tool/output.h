/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcopyctl: one output path for text and JSON.
 *
 * A command describes its result once with these calls; in text mode they
 * produce aligned "label: value" lines (the label is the key with '_' shown
 * as ' '), in JSON mode one JSON document with the keys as given. Keys are
 * NULL for the root object and for array elements.
 *
 * A table is an array of objects that text mode shows as one line per
 * object, in aligned columns under a header line of the keys (upper case,
 * '_' as ' '); JSON shows it as an array. The objects of a table hold
 * scalars only, the same keys in the same order.
 *
 * Units (see UNITS in zcopyctl.8): text shows exact values, byte counts
 * and nanoseconds as integers and rates in bytes per second, unless
 * out_set_human() asks for units (KiB, ms, MiB/s). A table's header says
 * the unit of exact durations and rates ("DURATION (ns)", "RATE (B/s)"),
 * not of byte counts (bytes are bytes), and none with -h, where each value
 * has its own. JSON is always exact, and its every root object starts with
 * "schema_version".
 *
 * Nothing reaches stdout before out_flush(): a command that fails half-way
 * prints no partial document. Commands that report as they go (watch,
 * sink) describe and flush one small document per event.
 */
#ifndef ZCOPYCTL_OUTPUT_H
#define ZCOPYCTL_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bumped when a JSON field is removed or renamed, not when one is added. */
#define OUT_SCHEMA_VERSION	1

void out_set_json(bool json);
bool out_is_json(void);
/* -h: units in text output. */
void out_set_human(bool human);
bool out_is_human(void);
/* -p: JSON one member a line, indented; implies JSON. */
void out_set_pretty(bool pretty);
bool out_is_pretty(void);

void out_open_object(const char *key);
void out_close_object(void);
void out_open_array(const char *key);
void out_close_array(void);

/* Text layout of a table; NULL for the defaults (header, no minimum). */
struct out_table_layout {
	const unsigned int *min_width;	/* per column, nr_min_width of them */
	unsigned int nr_min_width;
	bool no_header;			/* for the rows after the first */
};

void out_open_table(const char *key, const struct out_table_layout *layout);
void out_close_table(void);

void out_str(const char *key, const char *value);
void out_u64(const char *key, uint64_t value);
void out_s64(const char *key, int64_t value);
/* A number with a fixed number of decimals; null if not finite. */
void out_double(const char *key, double value, int decimals);
/* A byte count: exact, or with a unit in human text ("1.5 MiB"). */
void out_bytes(const char *key, uint64_t value);
/* A duration in ns: exact, or with a unit in human text ("1.5 ms"). */
void out_ns(const char *key, uint64_t ns);
/*
 * Bytes per second, rounded to an integer; "1.5 MiB/s" in human text;
 * null (left out in text) if not finite or negative.
 */
void out_rate(const char *key, double bytes_per_s);
/*
 * The human forms, also for what goes to stderr (progress lines):
 * binary units with one decimal, e.g. "1.5 MiB", below 1 KiB in bytes
 * ("512 B"); "1.5 MiB/s"; "850 ns", "1.5 us", "1.5 ms", "1.50 s".
 * Each returns buf.
 */
#define OUT_BYTES_LEN	32
const char *out_format_bytes(double bytes, char *buf, size_t len);
const char *out_format_rate(double bytes_per_s, char *buf, size_t len);
const char *out_format_ns(uint64_t ns, char *buf, size_t len);
void out_bool(const char *key, bool value);
/* An unknown value: null in JSON, the line is left out in text. */
void out_null(const char *key);
/* An unknown duration or rate: in a table, under the header's unit. */
void out_ns_null(const char *key);
void out_rate_null(const char *key);

/*
 * The JSON writer of the document, for a part written by other code
 * (bench's results inside an error object); NULL in text mode.
 */
struct json_writer;
struct json_writer *out_json_writer(void);

/* Write the finished document to stdout: 0, or -errno (e.g. -ENOSPC). */
int out_flush(void);
/* Drop whatever was not flushed. Safe to call at any time. */
void out_discard(void);

#endif /* ZCOPYCTL_OUTPUT_H */
