/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcopyctl: a minimal streaming JSON writer (RFC 8259), compact or pretty.
 *
 * Keys are given with each value; pass NULL as the key for the document
 * root and for array elements.
 */
#ifndef ZCOPYCTL_JSON_WRITER_H
#define ZCOPYCTL_JSON_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json_writer;

struct json_writer *jw_new(FILE *f);
void jw_free(struct json_writer *jw);

/* One member a line, indented; before the first value. */
void jw_set_pretty(struct json_writer *jw, bool pretty);
/* Containers open now: 0 before the root and after it is closed. */
unsigned int jw_depth(const struct json_writer *jw);

/* True once every container that was opened has been closed. */
bool jw_is_complete(const struct json_writer *jw);

void jw_open_object(struct json_writer *jw, const char *key);
void jw_close_object(struct json_writer *jw);
void jw_open_array(struct json_writer *jw, const char *key);
void jw_close_array(struct json_writer *jw);

void jw_string(struct json_writer *jw, const char *key, const char *value);
void jw_u64(struct json_writer *jw, const char *key, uint64_t value);
void jw_s64(struct json_writer *jw, const char *key, int64_t value);
/* A finite number with decimals digits after the point; else null. */
void jw_double(struct json_writer *jw, const char *key, double value,
	       int decimals);
void jw_bool(struct json_writer *jw, const char *key, bool value);
void jw_null(struct json_writer *jw, const char *key);

#endif /* ZCOPYCTL_JSON_WRITER_H */
