/* base64: standard (RFC 4648, padded) encoding and decoding (see base64.h). */
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

/* The value of base64 character c, or -1. */
static int base64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int base64_decode(struct buf *out, const char *text, size_t len)
{
	size_t i;

	if (len % 4)
		return -1;
	buf_reserve(out, len / 4 * 3);
	for (i = 0; i < len; i += 4) {
		int last = i + 4 == len;
		/* Padding only in the last group: "xx==" or "xxx=". */
		int pad = last && text[i + 3] == '=' ? (text[i + 2] == '=' ? 2 : 1) : 0;
		int v[4], k;

		for (k = 0; k < 4 - pad; k++) {
			v[k] = base64_value(text[i + k]);
			if (v[k] < 0)
				return -1;
		}
		out->data[out->len++] = (char)(v[0] << 2 | v[1] >> 4);
		if (pad < 2)
			out->data[out->len++] = (char)((v[1] & 15) << 4 | v[2] >> 2);
		if (pad < 1)
			out->data[out->len++] = (char)((v[2] & 3) << 6 | v[3]);
	}
	out->data[out->len] = '\0';
	return 0;
}
