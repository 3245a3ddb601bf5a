/*
 * base64: standard (RFC 4648, padded) encoding of byte strings that go to the host inside JSON, and
 * decoding of those the host sends (a program's stdin).
 */
#ifndef PMD_BASE64_H
#define PMD_BASE64_H

#include <stddef.h>

#include "buf.h"

/* Appends the encoding of data to out. */
void base64_encode(struct buf *out, const void *data, size_t len);

/*
 * Appends the bytes text[0..len) encodes to out: 0, or -1 when it is not padded base64 (a length
 * that is not a multiple of 4, a character outside the alphabet, padding anywhere but at the end).
 */
int base64_decode(struct buf *out, const char *text, size_t len);

#endif
