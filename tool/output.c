// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl: one output path for text and JSON.
 *
 * JSON goes through the JSON writer into a memory buffer. Text is kept as
 * rows so that labels can be aligned per object once all rows are known.
 * Both are written out by out_flush() only.
 */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"
#include "output.h"
#include "util.h"

#define OUT_MAX_DEPTH	16
#define OUT_MAX_COLUMNS	32

/* What a table's header says of exact durations and rates. */
#define UNIT_NS		"ns"
#define UNIT_RATE	"B/s"

static bool json_mode;
static bool human_mode;
static bool pretty_mode;
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
	int table;		/* a table's line: the table's index, else -1 */
	char **cells;		/* the line's values */
	unsigned int nr_cells;
};

struct text_table {
	char *names[OUT_MAX_COLUMNS];	/* the header, from the first row */
	unsigned int nr_names;
	size_t width[OUT_MAX_COLUMNS];	/* the minimum, then the widest */
	unsigned int nr_rows;
	bool no_header;
};

enum text_frame_kind {
	FRAME_OBJECT,
	FRAME_ARRAY,
	FRAME_TABLE,
	FRAME_TABLE_ROW,
};

struct text_frame {
	enum text_frame_kind kind;
	unsigned int depth;	/* of the rows inside */
	unsigned int group;
	size_t row;		/* an array's or a table row's row */
	unsigned int items;
	int table;		/* FRAME_TABLE and FRAME_TABLE_ROW */
};

static struct text_row *rows;
static size_t nr_rows, rows_alloc;
static struct text_table *tables;
static unsigned int nr_tables;
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

void out_set_human(bool human)
{
	human_mode = human;
}

bool out_is_human(void)
{
	return human_mode;
}

void out_set_pretty(bool pretty)
{
	pretty_mode = pretty;
	if (pretty)
		json_mode = true;
}

bool out_is_pretty(void)
{
	return pretty_mode;
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
		jw_set_pretty(jw, pretty_mode);
	}
	return jw;
}

struct json_writer *out_json_writer(void)
{
	return json_mode ? json() : NULL;
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
	row->table = -1;
	row->cells = NULL;
	row->nr_cells = 0;
	if (!row->label)
		goto fail;
	blank_pending = false;
	return nr_rows++;

fail:
	free(value);
	out_failed = true;
	return SIZE_MAX;
}

/*
 * A column name: the key in upper case, '_' shown as ' ', and the unit of
 * exact values, if they have one ("DURATION (ns)"). With -h each value
 * says its own.
 */
static char *column_name(const char *key, const char *unit)
{
	char *name = label_of(key);
	char *with_unit;
	char *p;

	for (p = name; p && *p; p++)
		*p = toupper((unsigned char)*p);
	if (!name || !unit || human_mode)
		return name;
	if (asprintf(&with_unit, "%s (%s)", name, unit) < 0)
		with_unit = NULL;
	free(name);
	return with_unit;
}

/* One more value in a table's line; takes ownership of value. */
static void text_cell(const char *key, char *value, const char *unit)
{
	struct text_frame *frame = top_frame();
	struct text_table *table;
	struct text_row *row;
	char **cells;

	if (frame->row == SIZE_MAX) {
		free(value);
		return;
	}
	row = &rows[frame->row];
	assert(row->nr_cells < OUT_MAX_COLUMNS);
	cells = realloc(row->cells, (row->nr_cells + 1) * sizeof(*cells));
	if (!cells) {
		free(value);
		out_failed = true;
		return;
	}
	row->cells = cells;
	cells[row->nr_cells++] = value;
	table = &tables[frame->table];
	if (table->nr_rows == 1 && table->nr_names < row->nr_cells) {
		table->names[table->nr_names] = column_name(key, unit);
		if (!table->names[table->nr_names++])
			out_failed = true;
	}
}

/*
 * A scalar: its own row in an object, or one more word in an array's row;
 * unit: what a table's header says of exact values, or NULL.
 */
static void text_scalar(const char *key, char *value, const char *unit)
{
	struct text_frame *frame = top_frame();
	struct text_row *row;
	char *joined;

	if (!value) {
		out_failed = true;
		return;
	}
	if (frame && frame->kind == FRAME_TABLE_ROW) {
		text_cell(key, value, unit);
		return;
	}
	/* A table holds objects only. */
	assert(!frame || frame->kind != FRAME_TABLE);
	if (!frame || frame->kind == FRAME_OBJECT) {
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

static void text_value(const char *key, char *value)
{
	text_scalar(key, value, NULL);
}

static struct text_frame *text_new_frame(enum text_frame_kind kind)
{
	struct text_frame *frame;

	assert(nr_frames < OUT_MAX_DEPTH);
	frame = &frames[nr_frames++];
	frame->kind = kind;
	frame->group = nr_groups++;
	frame->row = SIZE_MAX;
	frame->items = 0;
	frame->table = -1;
	return frame;
}

/* An object in a table: one line, its scalars are the cells. */
static void text_push_table_row(struct text_frame *parent)
{
	struct text_frame *frame;

	if (parent->table >= 0)
		tables[parent->table].nr_rows++;
	frame = text_new_frame(FRAME_TABLE_ROW);
	frame->depth = parent->depth;
	frame->table = parent->table;
	if (parent->table < 0)
		return;
	frame->row = text_add_row(NULL, NULL);
	if (frame->row != SIZE_MAX)
		rows[frame->row].table = parent->table;
}

static void text_push(bool is_array, const char *key)
{
	struct text_frame *parent = top_frame();
	struct text_frame *frame;
	size_t heading = SIZE_MAX;

	if (parent && parent->kind == FRAME_TABLE) {
		assert(!is_array);
		text_push_table_row(parent);
		return;
	}
	/* A table's line holds scalars only. */
	assert(!parent || parent->kind != FRAME_TABLE_ROW);

	/*
	 * A heading in the parent, added while the parent is on top: its
	 * depth and its group, so that its label lines up with its siblings'.
	 * Arrays collect their scalars in it.
	 */
	if (parent && parent->kind != FRAME_ARRAY)
		heading = text_add_row(key, is_array ? strdup("") : NULL);
	frame = text_new_frame(is_array ? FRAME_ARRAY : FRAME_OBJECT);
	if (!parent) {
		/* the root object: no heading */
		frame->depth = 0;
	} else if (parent->kind == FRAME_ARRAY) {
		/* an element of an array of objects */
		if (parent->items++)
			blank_pending = true;
		frame->depth = parent->depth;
	} else {
		frame->row = heading;
		frame->depth = parent->depth + 1;
	}
	if (!is_array)
		frame->row = SIZE_MAX;
}

/* A table has no heading: its header line names the columns. */
static void text_push_table(const struct out_table_layout *layout)
{
	struct text_frame *parent = top_frame();
	struct text_frame *frame;
	struct text_table *table, *t;
	unsigned int i;

	t = realloc(tables, (nr_tables + 1) * sizeof(*t));
	if (!t) {
		/* Still a frame, so that the closes match; rows go nowhere. */
		out_failed = true;
		frame = text_new_frame(FRAME_TABLE);
		frame->depth = 0;
		return;
	}
	tables = t;
	table = &tables[nr_tables];
	memset(table, 0, sizeof(*table));
	if (layout) {
		for (i = 0; i < layout->nr_min_width && i < OUT_MAX_COLUMNS; i++)
			table->width[i] = layout->min_width[i];
		table->no_header = layout->no_header;
	}
	frame = text_new_frame(FRAME_TABLE);
	frame->depth = parent ? parent->depth : 0;
	frame->table = nr_tables++;
}

static void text_pop(void)
{
	assert(nr_frames > 0);
	nr_frames--;
}

void out_open_object(const char *key)
{
	bool root;

	if (json_mode) {
		if (!json())
			return;
		root = jw_depth(jw) == 0;
		jw_open_object(jw, key);
		/* The stability policy's anchor: in every document, first. */
		if (root)
			jw_u64(jw, "schema_version", OUT_SCHEMA_VERSION);
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

void out_open_table(const char *key, const struct out_table_layout *layout)
{
	if (json_mode) {
		if (json())
			jw_open_array(jw, key);
	} else {
		text_push_table(layout);
	}
}

void out_close_table(void)
{
	out_close_array();
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

void out_s64(const char *key, int64_t value)
{
	char *text;

	if (json_mode) {
		if (json())
			jw_s64(jw, key, value);
		return;
	}
	if (asprintf(&text, "%" PRId64, value) < 0)
		text = NULL;
	text_value(key, text);
}

void out_double(const char *key, double value, int decimals)
{
	char *text;

	if (json_mode) {
		if (json())
			jw_double(jw, key, value, decimals);
		return;
	}
	if (!isfinite(value)) {
		out_null(key);
		return;
	}
	if (asprintf(&text, "%.*f", decimals, value) < 0)
		text = NULL;
	text_value(key, text);
}

const char *out_format_bytes(double bytes, char *buf, size_t len)
{
	static const char *const units[] = {
		"KiB", "MiB", "GiB", "TiB", "PiB", "EiB",
	};
	double value = bytes;
	unsigned int unit = 0;

	if (bytes < 1024) {
		snprintf(buf, len, "%.0f B", bytes);
		return buf;
	}
	value /= 1024;
	/* Round before choosing the unit, so 1048575 is "1.0 MiB". */
	while (value >= 1023.95 && unit < ARRAY_SIZE(units) - 1) {
		value /= 1024;
		unit++;
	}
	snprintf(buf, len, "%.1f %s", value, units[unit]);
	return buf;
}

const char *out_format_rate(double bytes_per_s, char *buf, size_t len)
{
	char bytes[OUT_BYTES_LEN];

	snprintf(buf, len, "%s/s",
		 out_format_bytes(bytes_per_s, bytes, sizeof(bytes)));
	return buf;
}

const char *out_format_ns(uint64_t ns, char *buf, size_t len)
{
	if (ns < 1000)
		snprintf(buf, len, "%" PRIu64 " ns", ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.1f us", (double)ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.1f ms", (double)ns / 1e6);
	else
		snprintf(buf, len, "%.2f s", (double)ns / 1e9);
	return buf;
}

/*
 * Text: the exact integer, or the human form when -h asked for it; unit:
 * what a table's header says of the exact integers (NULL: bytes are bytes).
 */
static void text_unit(const char *key, uint64_t value,
		      const char *(*human)(uint64_t v, char *buf, size_t len),
		      const char *unit)
{
	char buf[OUT_BYTES_LEN];
	char *text;

	if (human_mode) {
		text_value(key, strdup(human(value, buf, sizeof(buf))));
		return;
	}
	if (asprintf(&text, "%" PRIu64, value) < 0)
		text = NULL;
	text_scalar(key, text, unit);
}

static const char *human_bytes(uint64_t v, char *buf, size_t len)
{
	return out_format_bytes((double)v, buf, len);
}

static const char *human_rate(uint64_t v, char *buf, size_t len)
{
	return out_format_rate((double)v, buf, len);
}

void out_bytes(const char *key, uint64_t value)
{
	if (json_mode) {
		if (json())
			jw_u64(jw, key, value);
		return;
	}
	text_unit(key, value, human_bytes, NULL);
}

void out_ns(const char *key, uint64_t ns)
{
	if (json_mode) {
		if (json())
			jw_u64(jw, key, ns);
		return;
	}
	text_unit(key, ns, out_format_ns, UNIT_NS);
}

void out_rate(const char *key, double bytes_per_s)
{
	uint64_t rate;

	if (!isfinite(bytes_per_s) || bytes_per_s < 0 ||
	    bytes_per_s >= 18446744073709551615.0) {
		out_rate_null(key);
		return;
	}
	rate = (uint64_t)(bytes_per_s + 0.5);
	if (json_mode) {
		if (json())
			jw_u64(jw, key, rate);
		return;
	}
	text_unit(key, rate, human_rate, UNIT_RATE);
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

/*
 * null in JSON; in text "-" in a table, its header still with the unit,
 * else no line.
 */
static void null_value(const char *key, const char *unit)
{
	struct text_frame *frame = top_frame();

	if (json_mode) {
		if (json())
			jw_null(jw, key);
	} else if (frame && frame->kind == FRAME_TABLE_ROW) {
		/* a column cannot be left out */
		text_scalar(key, strdup("-"), unit);
	}
}

void out_null(const char *key)
{
	null_value(key, NULL);
}

void out_ns_null(const char *key)
{
	null_value(key, UNIT_NS);
}

void out_rate_null(const char *key)
{
	null_value(key, UNIT_RATE);
}

static void widen(size_t *width, const char *text)
{
	size_t len = strlen(text);

	if (len > *width)
		*width = len;
}

static void table_widths(void)
{
	const struct text_row *row;
	struct text_table *table;
	unsigned int i, t;
	size_t r;

	for (t = 0; t < nr_tables; t++) {
		table = &tables[t];
		for (i = 0; i < table->nr_names; i++)
			widen(&table->width[i], table->names[i]);
	}
	for (r = 0; r < nr_rows; r++) {
		row = &rows[r];
		if (row->table < 0)
			continue;
		table = &tables[row->table];
		for (i = 0; i < row->nr_cells; i++)
			widen(&table->width[i], row->cells[i]);
	}
}

/* Columns two spaces apart; the last one is not padded. */
static void print_cells(FILE *f, unsigned int depth,
			const struct text_table *table, char *const *cells,
			unsigned int nr_cells)
{
	unsigned int i;

	fprintf(f, "%*s", 2 * depth, "");
	for (i = 0; i < nr_cells; i++) {
		if (i + 1 < nr_cells)
			fprintf(f, "%-*s  ", (int)table->width[i], cells[i]);
		else
			fputs(cells[i], f);
	}
	fputc('\n', f);
}

static void text_print(FILE *f)
{
	size_t *width = calloc(nr_groups ? nr_groups : 1, sizeof(*width));
	bool *header_done = calloc(nr_tables ? nr_tables : 1,
				   sizeof(*header_done));
	size_t i, len;

	if (!width || !header_done) {
		free(width);
		free(header_done);
		out_failed = true;
		return;
	}
	table_widths();
	for (i = 0; i < nr_rows; i++) {
		len = strlen(rows[i].label);
		if (rows[i].table < 0 && rows[i].value &&
		    len > width[rows[i].group])
			width[rows[i].group] = len;
	}
	for (i = 0; i < nr_rows; i++) {
		const struct text_row *row = &rows[i];

		if (row->blank_before)
			fputc('\n', f);
		if (row->table >= 0) {
			const struct text_table *table = &tables[row->table];

			if (!header_done[row->table] && !table->no_header)
				print_cells(f, row->depth, table, table->names,
					    table->nr_names);
			header_done[row->table] = true;
			print_cells(f, row->depth, table, row->cells,
				    row->nr_cells);
			continue;
		}
		fprintf(f, "%*s%s:", 2 * row->depth, "", row->label);
		if (row->value && *row->value)
			fprintf(f, "%*s %s",
				(int)(width[row->group] - strlen(row->label)),
				"", row->value);
		fputc('\n', f);
	}
	free(header_done);
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
		unsigned int c;

		free(rows[i].label);
		free(rows[i].value);
		for (c = 0; c < rows[i].nr_cells; c++)
			free(rows[i].cells[c]);
		free(rows[i].cells);
	}
	free(rows);
	rows = NULL;
	for (i = 0; i < nr_tables; i++) {
		unsigned int c;

		for (c = 0; c < tables[i].nr_names; c++)
			free(tables[i].names[c]);
	}
	free(tables);
	tables = NULL;
	nr_tables = 0;
	nr_rows = 0;
	rows_alloc = 0;
	nr_frames = 0;
	nr_groups = 0;
	blank_pending = false;
	out_failed = false;
}
