/* buf: a growable byte buffer, for answers that can reach tens of megabytes. */
#ifndef PMD_BUF_H
#define PMD_BUF_H

#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

/* Each of these aborts the process when memory runs out: pmd has no way to answer without memory. */
void buf_reserve(struct buf *b, size_t more);
void buf_append(struct buf *b, const void *data, size_t len);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
/*
 * "0x" and v in lower-case hex, and v in decimal, as %llx and %llu write them: a run's answer holds
 * millions of them, and printf's cost twice each (measure, then write) under TCG.
 */
void buf_put_hex(struct buf *b, unsigned long long v);
void buf_put_u64(struct buf *b, unsigned long long v);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_free(struct buf *b);

#endif
