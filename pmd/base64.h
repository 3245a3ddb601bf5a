/* base64: standard (RFC 4648, padded) encoding of byte strings that go to the host inside JSON. */
#ifndef PMD_BASE64_H
#define PMD_BASE64_H

#include <stddef.h>

#include "buf.h"

/* Appends the encoding of data to out. */
void base64_encode(struct buf *out, const void *data, size_t len);

#endif
