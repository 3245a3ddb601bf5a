/* buf: a growable byte buffer, for answers that can reach tens of megabytes. */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_reserve(struct buf *b, size_t more)
{
	size_t want;

	if (more > (size_t)-1 - b->len - 1)
		abort();
	want = b->len + more + 1;	/* +1 keeps room for a terminating NUL */
	if (want <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < want)
		cap = cap > (size_t)-1 / 2 ? want : cap * 2;
	char *data = realloc(b->data, cap);
	if (!data) {
		fputs("pmd: out of memory\n", stderr);
		abort();
	}
	/* Terminated from the first allocation on: an empty buf's data is "", not what malloc left. */
	data[b->len] = '\0';
	b->data = data;
	b->cap = cap;
}

void buf_append(struct buf *b, const void *data, size_t len)
{
	buf_reserve(b, len);
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void buf_putc(struct buf *b, char c)
{
	buf_append(b, &c, 1);
}

void buf_put_hex(struct buf *b, unsigned long long v)
{
	char digits[2 + 16];
	size_t at = sizeof(digits);

	do {
		digits[--at] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	digits[--at] = 'x';
	digits[--at] = '0';
	buf_append(b, digits + at, sizeof(digits) - at);
}

void buf_put_u64(struct buf *b, unsigned long long v)
{
	char digits[20];
	size_t at = sizeof(digits);

	do {
		digits[--at] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	buf_append(b, digits + at, sizeof(digits) - at);
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	buf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
