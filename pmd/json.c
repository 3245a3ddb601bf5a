/* json: a small, strict JSON reader for the host's requests, and string escaping for pmd's answers. */
#include "json.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 64

struct json_parser {
	const char *p;
	const char *start;
	const char *end;
	char *err;
	size_t errlen;
	int failed;
};

static int json_fail(struct json_parser *jp, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int json_fail(struct json_parser *jp, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (jp->failed)
		return -1;	/* keep the first, innermost message */
	jp->failed = 1;
	n = snprintf(jp->err, jp->errlen, "invalid JSON at byte %zu: ", (size_t)(jp->p - jp->start));
	if (n >= 0 && (size_t)n < jp->errlen) {
		va_start(ap, fmt);
		vsnprintf(jp->err + n, jp->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static void json_skip_space(struct json_parser *jp)
{
	while (jp->p < jp->end &&
	       (*jp->p == ' ' || *jp->p == '\t' || *jp->p == '\n' || *jp->p == '\r'))
		jp->p++;
}

static int json_literal(struct json_parser *jp, const char *word, enum json_type type,
			struct json_value *out)
{
	size_t n = strlen(word);

	if ((size_t)(jp->end - jp->p) < n || memcmp(jp->p, word, n) != 0)
		return json_fail(jp, "unexpected character '%c'", *jp->p);
	jp->p += n;
	out->type = type;
	return 0;
}

static int json_is_digit(struct json_parser *jp)
{
	return jp->p < jp->end && *jp->p >= '0' && *jp->p <= '9';
}

static int json_number(struct json_parser *jp, struct json_value *out)
{
	const char *begin = jp->p;
	char small[64], *copy;
	size_t n;

	if (jp->p < jp->end && *jp->p == '-')
		jp->p++;
	if (!json_is_digit(jp))
		return json_fail(jp, "expected a digit");
	if (*jp->p == '0')
		jp->p++;
	else
		while (json_is_digit(jp))
			jp->p++;
	if (jp->p < jp->end && *jp->p == '.') {
		jp->p++;
		if (!json_is_digit(jp))
			return json_fail(jp, "expected a digit after '.'");
		while (json_is_digit(jp))
			jp->p++;
	}
	if (jp->p < jp->end && (*jp->p == 'e' || *jp->p == 'E')) {
		jp->p++;
		if (jp->p < jp->end && (*jp->p == '+' || *jp->p == '-'))
			jp->p++;
		if (!json_is_digit(jp))
			return json_fail(jp, "expected a digit in the exponent");
		while (json_is_digit(jp))
			jp->p++;
	}
	/* strtod on a copy: on the line itself it could read on past the token ("0x1", "1e5x"). */
	n = (size_t)(jp->p - begin);
	copy = n < sizeof(small) ? small : malloc(n + 1);
	if (!copy)
		abort();
	memcpy(copy, begin, n);
	copy[n] = '\0';
	out->type = JSON_NUMBER;
	out->number = strtod(copy, NULL);
	if (copy != small)
		free(copy);
	return 0;
}

static int json_hex4(struct json_parser *jp, unsigned *cp)
{
	unsigned v = 0;
	int i;

	if (jp->end - jp->p < 4)
		return json_fail(jp, "\\u needs four hex digits");
	for (i = 0; i < 4; i++) {
		char c = jp->p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return json_fail(jp, "\\u needs four hex digits");
	}
	jp->p += 4;
	*cp = v;
	return 0;
}

static void json_put_utf8(struct buf *b, unsigned cp)
{
	if (cp < 0x80) {
		buf_putc(b, (char)cp);
	} else if (cp < 0x800) {
		buf_putc(b, (char)(0xc0 | cp >> 6));
		buf_putc(b, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		buf_putc(b, (char)(0xe0 | cp >> 12));
		buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		buf_putc(b, (char)(0x80 | (cp & 0x3f)));
	} else {
		buf_putc(b, (char)(0xf0 | cp >> 18));
		buf_putc(b, (char)(0x80 | ((cp >> 12) & 0x3f)));
		buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		buf_putc(b, (char)(0x80 | (cp & 0x3f)));
	}
}

/*
 * Length of the valid UTF-8 sequence at s (at most avail bytes), or 0 when it is not one:
 * overlong forms, surrogates and code points past U+10FFFF are all invalid (RFC 3629).
 */
static size_t utf8_sequence_length(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];
	size_t n, i;
	unsigned char lo = 0x80, hi = 0xbf;	/* bounds of the second byte */

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		if (c == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (avail < n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* Reads a string after its opening quote into out (NUL-terminated, with its length). */
static int json_string(struct json_parser *jp, char **out, size_t *out_len)
{
	struct buf b = BUF_INIT;

	jp->p++;	/* the opening quote */
	buf_reserve(&b, 0);
	for (;;) {
		if (jp->p >= jp->end) {
			json_fail(jp, "unterminated string");
			goto out_free;
		}
		unsigned char c = (unsigned char)*jp->p;
		if (c == '"') {
			jp->p++;
			break;
		}
		if (c < 0x20) {
			json_fail(jp, "control character 0x%02x in a string", c);
			goto out_free;
		}
		if (c != '\\') {
			size_t n = utf8_sequence_length((const unsigned char *)jp->p,
							(size_t)(jp->end - jp->p));
			if (!n) {
				json_fail(jp, "invalid UTF-8 in a string");
				goto out_free;
			}
			buf_append(&b, jp->p, n);
			jp->p += n;
			continue;
		}
		jp->p++;
		if (jp->p >= jp->end) {
			json_fail(jp, "unterminated string");
			goto out_free;
		}
		char e = *jp->p++;
		unsigned cp, lo;
		switch (e) {
		case '"': buf_putc(&b, '"'); break;
		case '\\': buf_putc(&b, '\\'); break;
		case '/': buf_putc(&b, '/'); break;
		case 'b': buf_putc(&b, '\b'); break;
		case 'f': buf_putc(&b, '\f'); break;
		case 'n': buf_putc(&b, '\n'); break;
		case 'r': buf_putc(&b, '\r'); break;
		case 't': buf_putc(&b, '\t'); break;
		case 'u':
			if (json_hex4(jp, &cp))
				goto out_free;
			if (cp >= 0xdc00 && cp <= 0xdfff) {
				json_fail(jp, "lone low surrogate \\u%04x", cp);
				goto out_free;
			}
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (jp->end - jp->p < 2 || jp->p[0] != '\\' || jp->p[1] != 'u') {
					json_fail(jp, "high surrogate \\u%04x without its low half", cp);
					goto out_free;
				}
				jp->p += 2;
				if (json_hex4(jp, &lo))
					goto out_free;
				if (lo < 0xdc00 || lo > 0xdfff) {
					json_fail(jp, "high surrogate \\u%04x without its low half", cp);
					goto out_free;
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			json_put_utf8(&b, cp);
			break;
		default:
			jp->p--;
			json_fail(jp, "unknown escape '\\%c'", e);
			goto out_free;
		}
	}
	*out = b.data;
	*out_len = b.len;
	return 0;

out_free:
	buf_free(&b);
	return -1;
}

static int json_value_at(struct json_parser *jp, struct json_value *out, int depth);

static int json_array(struct json_parser *jp, struct json_value *out, int depth)
{
	size_t cap = 0;

	jp->p++;	/* '[' */
	out->type = JSON_ARRAY;
	json_skip_space(jp);
	if (jp->p < jp->end && *jp->p == ']') {
		jp->p++;
		return 0;
	}
	for (;;) {
		if (out->len == cap) {
			cap = cap ? cap * 2 : 4;
			struct json_value *items = realloc(out->items, cap * sizeof(*items));
			if (!items)
				abort();
			out->items = items;
		}
		memset(&out->items[out->len], 0, sizeof(out->items[0]));
		out->len++;
		if (json_value_at(jp, &out->items[out->len - 1], depth + 1))
			return -1;
		json_skip_space(jp);
		if (jp->p < jp->end && *jp->p == ',') {
			jp->p++;
			continue;
		}
		if (jp->p < jp->end && *jp->p == ']') {
			jp->p++;
			return 0;
		}
		return json_fail(jp, "expected ',' or ']' in an array");
	}
}

static int json_object(struct json_parser *jp, struct json_value *out, int depth)
{
	size_t cap = 0, i;

	jp->p++;	/* '{' */
	out->type = JSON_OBJECT;
	json_skip_space(jp);
	if (jp->p < jp->end && *jp->p == '}') {
		jp->p++;
		return 0;
	}
	for (;;) {
		struct json_member *m;

		json_skip_space(jp);
		if (jp->p >= jp->end || *jp->p != '"')
			return json_fail(jp, "expected a string key in an object");
		if (out->len == cap) {
			cap = cap ? cap * 2 : 4;
			struct json_member *members = realloc(out->members, cap * sizeof(*members));
			if (!members)
				abort();
			out->members = members;
		}
		m = &out->members[out->len];
		memset(m, 0, sizeof(*m));
		out->len++;
		const char *key_at = jp->p;
		if (json_string(jp, &m->key, &m->key_len))
			return -1;
		/* Duplicate keys are legal JSON with no agreed meaning, so a strict reader refuses them. */
		for (i = 0; i + 1 < out->len; i++) {
			if (out->members[i].key_len == m->key_len &&
			    memcmp(out->members[i].key, m->key, m->key_len) == 0) {
				jp->p = key_at;
				return json_fail(jp, "duplicate key \"%s\"", m->key);
			}
		}
		json_skip_space(jp);
		if (jp->p >= jp->end || *jp->p != ':')
			return json_fail(jp, "expected ':' after a key");
		jp->p++;
		if (json_value_at(jp, &m->value, depth + 1))
			return -1;
		json_skip_space(jp);
		if (jp->p < jp->end && *jp->p == ',') {
			jp->p++;
			continue;
		}
		if (jp->p < jp->end && *jp->p == '}') {
			jp->p++;
			return 0;
		}
		return json_fail(jp, "expected ',' or '}' in an object");
	}
}

static int json_value_at(struct json_parser *jp, struct json_value *out, int depth)
{
	if (depth > JSON_MAX_DEPTH)
		return json_fail(jp, "nested deeper than %d", JSON_MAX_DEPTH);
	json_skip_space(jp);
	if (jp->p >= jp->end)
		return json_fail(jp, "unexpected end of input");
	switch (*jp->p) {
	case '{':
		return json_object(jp, out, depth);
	case '[':
		return json_array(jp, out, depth);
	case '"':
		out->type = JSON_STRING;
		return json_string(jp, &out->str, &out->len);
	case 't':
		return json_literal(jp, "true", JSON_TRUE, out);
	case 'f':
		return json_literal(jp, "false", JSON_FALSE, out);
	case 'n':
		return json_literal(jp, "null", JSON_NULL, out);
	default:
		if (*jp->p == '-' || (*jp->p >= '0' && *jp->p <= '9'))
			return json_number(jp, out);
		return json_fail(jp, "unexpected character '%c'", *jp->p);
	}
}

int json_parse(const char *text, size_t len, struct json_value *out, char *err, size_t errlen)
{
	struct json_parser jp = { text, text, text + len, err, errlen, 0 };

	memset(out, 0, sizeof(*out));
	if (json_value_at(&jp, out, 0) == 0) {
		json_skip_space(&jp);
		if (jp.p == jp.end)
			return 0;
		json_fail(&jp, "unexpected text after the value");
	}
	json_free(out);
	return -1;
}

void json_free(struct json_value *v)
{
	size_t i;

	switch (v->type) {
	case JSON_STRING:
		free(v->str);
		break;
	case JSON_ARRAY:
		/* A failed parse leaves the last item partly filled, but always zeroed first. */
		for (i = 0; i < v->len; i++)
			json_free(&v->items[i]);
		free(v->items);
		break;
	case JSON_OBJECT:
		for (i = 0; i < v->len; i++) {
			free(v->members[i].key);
			json_free(&v->members[i].value);
		}
		free(v->members);
		break;
	default:
		break;
	}
	memset(v, 0, sizeof(*v));
}

const struct json_value *json_get(const struct json_value *obj, const char *key)
{
	size_t i, n = strlen(key);

	if (obj->type != JSON_OBJECT)
		return NULL;
	for (i = 0; i < obj->len; i++)
		if (obj->members[i].key_len == n && memcmp(obj->members[i].key, key, n) == 0)
			return &obj->members[i].value;
	return NULL;
}

const char *json_type_name(enum json_type type)
{
	switch (type) {
	case JSON_NULL: return "null";
	case JSON_FALSE:
	case JSON_TRUE: return "a boolean";
	case JSON_NUMBER: return "a number";
	case JSON_STRING: return "a string";
	case JSON_ARRAY: return "an array";
	case JSON_OBJECT: return "an object";
	}
	return "?";
}

void json_escape(struct buf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	buf_reserve(out, len + 2);
	buf_putc(out, '"');
	while (p < end) {
		const unsigned char *run = p;

		/* Copy plain runs in one go: messages are mostly ASCII. */
		while (p < end && *p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
			p++;
		buf_append(out, run, (size_t)(p - run));
		if (p == end)
			break;
		switch (*p) {
		case '"': buf_puts(out, "\\\""); p++; continue;
		case '\\': buf_puts(out, "\\\\"); p++; continue;
		case '\n': buf_puts(out, "\\n"); p++; continue;
		case '\r': buf_puts(out, "\\r"); p++; continue;
		case '\t': buf_puts(out, "\\t"); p++; continue;
		}
		if (*p < 0x20 || *p == 0x7f) {
			buf_printf(out, "\\u%04x", *p);
			p++;
			continue;
		}
		size_t n = utf8_sequence_length(p, (size_t)(end - p));
		if (n) {
			buf_append(out, p, n);
			p += n;
		} else {
			buf_puts(out, "\\ufffd");
			p++;
		}
	}
	buf_putc(out, '"');
}

void json_escape_str(struct buf *out, const char *s)
{
	json_escape(out, s, strlen(s));
}
