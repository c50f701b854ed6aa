/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcopyctl: one output path for text and JSON.
 *
 * A command describes its result once with these calls; in text mode they
 * produce aligned "label: value" lines (the label is the key with '_' shown
 * as ' '), in JSON mode one JSON document with the keys as given. Keys are
 * NULL for the root object and for array elements.
 *
 * Nothing reaches stdout before out_flush(): a command that fails half-way
 * prints no partial document.
 */
#ifndef ZCOPYCTL_OUTPUT_H
#define ZCOPYCTL_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>

void out_set_json(bool json);
bool out_is_json(void);

void out_open_object(const char *key);
void out_close_object(void);
void out_open_array(const char *key);
void out_close_array(void);

void out_str(const char *key, const char *value);
void out_u64(const char *key, uint64_t value);
/* Exact in JSON, human-readable in text ("1.5 MiB"). */
void out_bytes(const char *key, uint64_t value);
void out_bool(const char *key, bool value);
/* An unknown value: null in JSON, the line is left out in text. */
void out_null(const char *key);

/* Write the finished document to stdout: 0, or -errno (e.g. -ENOSPC). */
int out_flush(void);
/* Drop whatever was not flushed. Safe to call at any time. */
void out_discard(void);

#endif /* ZCOPYCTL_OUTPUT_H */
