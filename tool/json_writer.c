// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl: a minimal streaming JSON writer.
 *
 * Compact by default, or pretty: one member a line, two spaces an
 * indentation level. Strings are escaped per RFC 8259; bytes that are not valid UTF-8 (a
 * module release string is just bytes) become U+FFFD, so the document
 * is always valid JSON.
 */
#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include "json_writer.h"

#define JW_MAX_DEPTH	16

struct json_writer {
	FILE *f;
	unsigned int depth;
	bool started;			/* the root value has been opened */
	bool pretty;			/* one value a line, indented */
	bool has_items[JW_MAX_DEPTH];	/* per open container: need a comma */
};

struct json_writer *jw_new(FILE *f)
{
	struct json_writer *jw = calloc(1, sizeof(*jw));

	if (jw)
		jw->f = f;
	return jw;
}

void jw_free(struct json_writer *jw)
{
	free(jw);
}

void jw_set_pretty(struct json_writer *jw, bool pretty)
{
	jw->pretty = pretty;
}

unsigned int jw_depth(const struct json_writer *jw)
{
	return jw->depth;
}

bool jw_is_complete(const struct json_writer *jw)
{
	return jw->started && jw->depth == 0;
}

/* Length of the valid UTF-8 sequence at s, or 0 if it is not one. */
static size_t utf8_sequence_len(const unsigned char *s)
{
	uint32_t cp;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}

	/* A NUL terminator is not a continuation byte, so no overrun. */
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Reject overlong forms, surrogates and values past U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

static void write_string(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t len;

	fputc('"', f);
	while (*s) {
		switch (*s) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*s < 0x20) {
				fprintf(f, "\\u%04x", *s);
				break;
			}
			len = utf8_sequence_len(s);
			if (!len) {
				fputs("\\ufffd", f);
				break;
			}
			fwrite(s, 1, len, f);
			s += len;
			continue;
		}
		s++;
	}
	fputc('"', f);
}

/* Pretty: a new line, indented two spaces per level. */
static void new_line(struct json_writer *jw)
{
	if (jw->pretty)
		fprintf(jw->f, "\n%*s", 2 * (int)jw->depth, "");
}

/* Separator and key before a value; the key only inside an object. */
static void begin_value(struct json_writer *jw, const char *key)
{
	if (jw->depth == 0) {
		assert(!jw->started);	/* one document, one root */
		jw->started = true;
		return;
	}
	if (jw->has_items[jw->depth - 1])
		fputc(',', jw->f);
	jw->has_items[jw->depth - 1] = true;
	new_line(jw);
	if (key) {
		write_string(jw->f, key);
		fputs(jw->pretty ? ": " : ":", jw->f);
	}
}

static void open_container(struct json_writer *jw, const char *key, char c)
{
	begin_value(jw, key);
	assert(jw->depth < JW_MAX_DEPTH);
	jw->has_items[jw->depth++] = false;
	fputc(c, jw->f);
}

static void close_container(struct json_writer *jw, char c)
{
	assert(jw->depth > 0);
	jw->depth--;
	/* An empty container stays on its line: {} or []. */
	if (jw->has_items[jw->depth])
		new_line(jw);
	fputc(c, jw->f);
}

void jw_open_object(struct json_writer *jw, const char *key)
{
	open_container(jw, key, '{');
}

void jw_close_object(struct json_writer *jw)
{
	close_container(jw, '}');
}

void jw_open_array(struct json_writer *jw, const char *key)
{
	open_container(jw, key, '[');
}

void jw_close_array(struct json_writer *jw)
{
	close_container(jw, ']');
}

void jw_string(struct json_writer *jw, const char *key, const char *value)
{
	begin_value(jw, key);
	write_string(jw->f, value);
}

void jw_u64(struct json_writer *jw, const char *key, uint64_t value)
{
	begin_value(jw, key);
	fprintf(jw->f, "%" PRIu64, value);
}

void jw_s64(struct json_writer *jw, const char *key, int64_t value)
{
	begin_value(jw, key);
	fprintf(jw->f, "%" PRId64, value);
}

void jw_double(struct json_writer *jw, const char *key, double value,
	       int decimals)
{
	begin_value(jw, key);
	/* JSON has no NaN or infinity; "%.*f" never gives an exponent. */
	if (isfinite(value))
		fprintf(jw->f, "%.*f", decimals, value);
	else
		fputs("null", jw->f);
}

void jw_bool(struct json_writer *jw, const char *key, bool value)
{
	begin_value(jw, key);
	fputs(value ? "true" : "false", jw->f);
}

void jw_null(struct json_writer *jw, const char *key)
{
	begin_value(jw, key);
	fputs("null", jw->f);
}
