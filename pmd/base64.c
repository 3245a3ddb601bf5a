/* base64: standard (RFC 4648, padded) encoding of byte strings that go to the host inside JSON. */
#include "base64.h"

static const char base64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void base64_encode(struct buf *out, const void *data, size_t len)
{
	const unsigned char *in = data;
	size_t i;
	char *p;

	/* Reserve once: a 16 MiB stdout would otherwise grow the buffer many times. */
	buf_reserve(out, (len + 2) / 3 * 4);
	p = out->data + out->len;
	for (i = 0; i + 3 <= len; i += 3) {
		unsigned v = in[i] << 16 | in[i + 1] << 8 | in[i + 2];
		*p++ = base64_alphabet[v >> 18];
		*p++ = base64_alphabet[(v >> 12) & 63];
		*p++ = base64_alphabet[(v >> 6) & 63];
		*p++ = base64_alphabet[v & 63];
	}
	if (i < len) {
		unsigned v = in[i] << 16 | (i + 1 < len ? in[i + 1] << 8 : 0);
		*p++ = base64_alphabet[v >> 18];
		*p++ = base64_alphabet[(v >> 12) & 63];
		*p++ = i + 1 < len ? base64_alphabet[(v >> 6) & 63] : '=';
		*p++ = '=';
	}
	out->len = (size_t)(p - out->data);
	out->data[out->len] = '\0';
}
