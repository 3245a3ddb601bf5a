/* json: a small, strict JSON reader for the host's requests, and string escaping for pmd's answers. */
#ifndef PMD_JSON_H
#define PMD_JSON_H

#include <stddef.h>

#include "buf.h"

enum json_type {
	JSON_NULL,
	JSON_FALSE,
	JSON_TRUE,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

struct json_member;

struct json_value {
	enum json_type type;
	double number;			/* JSON_NUMBER */
	char *str;			/* JSON_STRING: UTF-8, NUL-terminated, may hold NULs (\u0000) */
	size_t len;			/* JSON_STRING: bytes; JSON_ARRAY, JSON_OBJECT: entries */
	struct json_value *items;	/* JSON_ARRAY */
	struct json_member *members;	/* JSON_OBJECT, in the order written; keys are unique */
};

struct json_member {
	char *key;			/* UTF-8, NUL-terminated, may hold NULs */
	size_t key_len;
	struct json_value value;
};

/*
 * Parses exactly one JSON value (RFC 8259) from text[0..len), surrounded by optional whitespace.
 * Rejects invalid UTF-8, lone surrogates, duplicate keys and nesting deeper than 64. On failure
 * returns -1 with a message naming the byte offset in err; out is then left empty.
 */
int json_parse(const char *text, size_t len, struct json_value *out, char *err, size_t errlen);
void json_free(struct json_value *v);

/* The member of object obj named key, or NULL. */
const struct json_value *json_get(const struct json_value *obj, const char *key);

/* "null", "string", ...: for error messages that say what was found. */
const char *json_type_name(enum json_type type);

/* Appends s[0..len) as a quoted JSON string; invalid UTF-8 bytes become U+FFFD so the line stays valid. */
void json_escape(struct buf *out, const char *s, size_t len);
void json_escape_str(struct buf *out, const char *s);

#endif
