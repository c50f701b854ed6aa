// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl: one output path for text and JSON.
 *
 * JSON goes through the JSON writer into a memory buffer. Text is kept as
 * rows so that labels can be aligned per object once all rows are known.
 * Both are written out by out_flush() only.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"
#include "output.h"
#include "util.h"

#define OUT_MAX_DEPTH	16

static bool json_mode;
static bool out_failed;		/* out of memory: out_flush() reports it */

static FILE *json_stream;
static char *json_data;
static size_t json_size;
static struct json_writer *jw;

struct text_row {
	unsigned int depth;	/* indentation level */
	unsigned int group;	/* rows of one object share a label width */
	bool blank_before;	/* separates the objects of an array */
	char *label;
	char *value;		/* NULL for the heading of a nested object */
};

struct text_frame {
	bool is_array;
	unsigned int depth;	/* of the rows inside */
	unsigned int group;
	size_t row;		/* an array's row, which collects scalars */
	unsigned int items;
};

static struct text_row *rows;
static size_t nr_rows, rows_alloc;
static struct text_frame frames[OUT_MAX_DEPTH];
static unsigned int nr_frames;
static unsigned int nr_groups;
static bool blank_pending;

void out_set_json(bool json)
{
	json_mode = json;
}

bool out_is_json(void)
{
	return json_mode;
}

/* The JSON writer, created on first use; NULL once memory ran out. */
static struct json_writer *json(void)
{
	if (out_failed)
		return NULL;
	if (!jw) {
		json_stream = open_memstream(&json_data, &json_size);
		if (json_stream)
			jw = jw_new(json_stream);
		if (!jw) {
			out_failed = true;
			return NULL;
		}
	}
	return jw;
}

static char *label_of(const char *key)
{
	char *label = strdup(key ? key : "");
	char *p;

	for (p = label; p && *p; p++)
		if (*p == '_')
			*p = ' ';
	return label;
}

static struct text_frame *top_frame(void)
{
	return nr_frames ? &frames[nr_frames - 1] : NULL;
}

/* Append a row in the current object; takes ownership of value. */
static size_t text_add_row(const char *key, char *value)
{
	struct text_frame *frame = top_frame();
	struct text_row *row;

	if (rows_alloc == nr_rows) {
		size_t n = rows_alloc ? 2 * rows_alloc : 32;
		struct text_row *r = realloc(rows, n * sizeof(*r));

		if (!r)
			goto fail;
		rows = r;
		rows_alloc = n;
	}
	row = &rows[nr_rows];
	row->depth = frame ? frame->depth : 0;
	row->group = frame ? frame->group : 0;
	row->blank_before = blank_pending;
	row->label = label_of(key);
	row->value = value;
	if (!row->label)
		goto fail;
	blank_pending = false;
	return nr_rows++;

fail:
	free(value);
	out_failed = true;
	return SIZE_MAX;
}

/* A scalar: its own row in an object, or one more word in an array's row. */
static void text_value(const char *key, char *value)
{
	struct text_frame *frame = top_frame();
	struct text_row *row;
	char *joined;

	if (!value) {
		out_failed = true;
		return;
	}
	if (!frame || !frame->is_array) {
		text_add_row(key, value);
		return;
	}
	if (frame->row == SIZE_MAX) {
		free(value);
		return;
	}
	row = &rows[frame->row];
	if (row->value && asprintf(&joined, "%s%s%s", row->value,
				   frame->items ? " " : "", value) >= 0) {
		free(row->value);
		row->value = joined;
	} else {
		out_failed = true;
	}
	frame->items++;
	free(value);
}

static void text_push(bool is_array, const char *key)
{
	struct text_frame *parent = top_frame();
	struct text_frame *frame;

	assert(nr_frames < OUT_MAX_DEPTH);
	frame = &frames[nr_frames];
	frame->is_array = is_array;
	frame->group = nr_groups++;
	frame->row = SIZE_MAX;
	frame->items = 0;

	if (!parent) {
		/* the root object: no heading */
		frame->depth = 0;
	} else if (parent->is_array) {
		/* an element of an array of objects */
		if (parent->items++)
			blank_pending = true;
		frame->depth = parent->depth;
	} else {
		/* a heading in the parent; arrays collect scalars in it */
		frame->row = text_add_row(key, is_array ? strdup("") : NULL);
		frame->depth = parent->depth + 1;
	}
	if (!is_array)
		frame->row = SIZE_MAX;
	nr_frames++;
}

static void text_pop(void)
{
	assert(nr_frames > 0);
	nr_frames--;
}

void out_open_object(const char *key)
{
	if (json_mode) {
		if (json())
			jw_open_object(jw, key);
	} else {
		text_push(false, key);
	}
}

void out_close_object(void)
{
	if (json_mode) {
		if (json())
			jw_close_object(jw);
	} else {
		text_pop();
	}
}

void out_open_array(const char *key)
{
	if (json_mode) {
		if (json())
			jw_open_array(jw, key);
	} else {
		text_push(true, key);
	}
}

void out_close_array(void)
{
	if (json_mode) {
		if (json())
			jw_close_array(jw);
	} else {
		text_pop();
	}
}

/* A copy that cannot break the line layout: control characters as '?'. */
static char *printable(const char *value)
{
	char *text = strdup(value);
	char *p;

	for (p = text; p && *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return text;
}

void out_str(const char *key, const char *value)
{
	if (!value) {
		out_null(key);
		return;
	}
	if (json_mode) {
		if (json())
			jw_string(jw, key, value);
	} else {
		text_value(key, printable(value));
	}
}

void out_u64(const char *key, uint64_t value)
{
	char *text;

	if (json_mode) {
		if (json())
			jw_u64(jw, key, value);
		return;
	}
	if (asprintf(&text, "%" PRIu64, value) < 0)
		text = NULL;
	text_value(key, text);
}

/* Binary units with one decimal, e.g. "1.5 MiB"; below 1 KiB in bytes. */
static char *human_bytes(uint64_t bytes)
{
	static const char *const units[] = {
		"KiB", "MiB", "GiB", "TiB", "PiB", "EiB",
	};
	double value = (double)bytes;
	unsigned int unit = 0;
	char *text;

	if (bytes < 1024) {
		if (asprintf(&text, "%" PRIu64 " B", bytes) < 0)
			return NULL;
		return text;
	}
	value /= 1024;
	/* Round before choosing the unit, so 1048575 is "1.0 MiB". */
	while (value >= 1023.95 && unit < ARRAY_SIZE(units) - 1) {
		value /= 1024;
		unit++;
	}
	if (asprintf(&text, "%.1f %s", value, units[unit]) < 0)
		return NULL;
	return text;
}

void out_bytes(const char *key, uint64_t value)
{
	if (json_mode) {
		if (json())
			jw_u64(jw, key, value);
		return;
	}
	text_value(key, human_bytes(value));
}

void out_bool(const char *key, bool value)
{
	if (json_mode) {
		if (json())
			jw_bool(jw, key, value);
	} else {
		text_value(key, strdup(value ? "yes" : "no"));
	}
}

void out_null(const char *key)
{
	if (json_mode && json())
		jw_null(jw, key);
}

static void text_print(FILE *f)
{
	size_t *width = calloc(nr_groups ? nr_groups : 1, sizeof(*width));
	size_t i, len;

	if (!width) {
		out_failed = true;
		return;
	}
	for (i = 0; i < nr_rows; i++) {
		len = strlen(rows[i].label);
		if (rows[i].value && len > width[rows[i].group])
			width[rows[i].group] = len;
	}
	for (i = 0; i < nr_rows; i++) {
		const struct text_row *row = &rows[i];

		if (row->blank_before)
			fputc('\n', f);
		fprintf(f, "%*s%s:", 2 * row->depth, "", row->label);
		if (row->value && *row->value)
			fprintf(f, "%*s %s",
				(int)(width[row->group] - strlen(row->label)),
				"", row->value);
		fputc('\n', f);
	}
	free(width);
}

int out_flush(void)
{
	int err = 0;

	if (json_mode && json_stream) {
		assert(jw_is_complete(jw));
		fputc('\n', json_stream);
		if (fflush(json_stream))
			out_failed = true;
	}
	if (out_failed) {
		err = -ENOMEM;
		goto out;
	}
	errno = 0;
	if (json_mode)
		fwrite(json_data, 1, json_size, stdout);
	else
		text_print(stdout);
	if (out_failed)
		err = -ENOMEM;
	else if (fflush(stdout) || ferror(stdout))
		err = errno ? -errno : -EIO;
out:
	out_discard();
	return err;
}

void out_discard(void)
{
	size_t i;

	if (json_stream)
		fclose(json_stream);
	free(json_data);
	jw_free(jw);
	json_stream = NULL;
	json_data = NULL;
	json_size = 0;
	jw = NULL;

	for (i = 0; i < nr_rows; i++) {
		free(rows[i].label);
		free(rows[i].value);
	}
	free(rows);
	rows = NULL;
	nr_rows = 0;
	rows_alloc = 0;
	nr_frames = 0;
	nr_groups = 0;
	blank_pending = false;
	out_failed = false;
}
