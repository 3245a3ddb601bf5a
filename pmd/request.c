/* request: turns one line from the host into a checked run, signal, input or shutdown request (see PROTOCOL.md). */
#include "request.h"

#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "json.h"
#include "run.h"

/* The largest integer a JavaScript number holds exactly: the host's ids and timeouts stay below. */
#define REQUEST_MAX_SAFE_INTEGER 9007199254740991.0

static const char *const request_run_fields[] = {
	"id", "type", "argv", "file", "cwd", "env", "hook", "timeoutMs", "stdin", "stdinStream",
	"stream", NULL
};
static const char *const request_shutdown_fields[] = { "id", "type", NULL };
static const char *const request_signal_fields[] = { "id", "type", "signal", NULL };
static const char *const request_input_fields[] = { "id", "type", "data", "end", NULL };
static const char *const request_close_output_fields[] = { "id", "type", "stream", NULL };

static int request_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int request_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int request_integer(const struct json_value *v, const char *field, double min,
			   long long *out, char *err, size_t errlen)
{
	if (v->type != JSON_NUMBER)
		return request_fail(err, errlen, "\"%s\" must be a number, not %s", field,
				    json_type_name(v->type));
	if (v->number != floor(v->number) || v->number < min ||
	    v->number > REQUEST_MAX_SAFE_INTEGER)
		return request_fail(err, errlen, "\"%s\" must be an integer from %.0f to %.0f",
				    field, min, REQUEST_MAX_SAFE_INTEGER);
	*out = (long long)v->number;
	return 0;
}

/* A copy of string value v, which execve and chdir need free of NUL bytes. */
static char *request_cstring(const struct json_value *v, const char *what, char *err, size_t errlen)
{
	char *copy;

	if (v->type != JSON_STRING) {
		request_fail(err, errlen, "%s must be a string, not %s", what, json_type_name(v->type));
		return NULL;
	}
	if (memchr(v->str, '\0', v->len)) {
		request_fail(err, errlen, "%s contains a NUL character", what);
		return NULL;
	}
	copy = strdup(v->str);
	if (!copy)
		abort();
	return copy;
}

static int request_known_fields(const struct json_value *obj, const char *const *known,
				const char *type, char *err, size_t errlen)
{
	size_t i, k;

	for (i = 0; i < obj->len; i++) {
		for (k = 0; known[k]; k++)
			if (strlen(known[k]) == obj->members[i].key_len &&
			    strcmp(known[k], obj->members[i].key) == 0)
				break;
		if (!known[k])
			return request_fail(err, errlen, "unknown field \"%s\" in %s %s request",
					    obj->members[i].key, type[0] == 'i' ? "an" : "a", type);
	}
	return 0;
}

static const struct json_value *request_field(const struct json_value *obj, const char *field,
					      const char *type, char *err, size_t errlen)
{
	const struct json_value *v = json_get(obj, field);

	if (!v)
		request_fail(err, errlen, "missing field \"%s\" in a %s request", field, type);
	return v;
}

static int request_argv(const struct json_value *v, struct request *req, char *err, size_t errlen)
{
	char what[64];
	size_t i;

	if (v->type != JSON_ARRAY)
		return request_fail(err, errlen, "\"argv\" must be an array of strings, not %s",
				    json_type_name(v->type));
	if (v->len == 0)
		return request_fail(err, errlen, "\"argv\" must not be empty");
	req->argv = calloc(v->len + 1, sizeof(*req->argv));
	if (!req->argv)
		abort();
	for (i = 0; i < v->len; i++) {
		snprintf(what, sizeof(what), "argv[%zu]", i);
		req->argv[i] = request_cstring(&v->items[i], what, err, errlen);
		if (!req->argv[i])
			return -1;
	}
	if (req->argv[0][0] == '\0')
		return request_fail(err, errlen, "argv[0] must not be empty");
	return 0;
}

/* The program's environment, as given, with the hook put first in LD_PRELOAD when there is one. */
static int request_env(const struct json_value *v, struct request *req, char *err, size_t errlen)
{
	size_t i, n = 0;
	int has_preload = 0;

	if (v->type != JSON_OBJECT)
		return request_fail(err, errlen, "\"env\" must be an object of strings, not %s",
				    json_type_name(v->type));
	req->envp = calloc(v->len + 2, sizeof(*req->envp));
	if (!req->envp)
		abort();
	for (i = 0; i < v->len; i++) {
		const struct json_member *m = &v->members[i];
		char what[96];
		char *value;

		if (m->key_len == 0 || memchr(m->key, '=', m->key_len) ||
		    memchr(m->key, '\0', m->key_len))
			return request_fail(err, errlen, "env key \"%s\" must be non-empty, without '=' "
					    "or NUL", m->key);
		snprintf(what, sizeof(what), "env[\"%.64s\"]", m->key);
		value = request_cstring(&m->value, what, err, errlen);
		if (!value)
			return -1;
		if (req->hook && strcmp(m->key, "LD_PRELOAD") == 0) {
			has_preload = 1;
			if (asprintf(&req->envp[n], "LD_PRELOAD=%s%s%s", req->hook,
				     value[0] ? ":" : "", value) < 0)
				abort();
		} else if (asprintf(&req->envp[n], "%s=%s", m->key, value) < 0) {
			abort();
		}
		n++;
		free(value);
	}
	if (req->hook && !has_preload && asprintf(&req->envp[n++], "LD_PRELOAD=%s", req->hook) < 0)
		abort();
	return 0;
}

/* Field v, a string of base64 (padded) of any bytes, decoded into *data and *len. */
static int request_bytes(const struct json_value *v, const char *field, const char *or_null,
			 char **data, size_t *len, char *err, size_t errlen)
{
	struct buf bytes = BUF_INIT;

	if (v->type != JSON_STRING)
		return request_fail(err, errlen, "\"%s\" must be a base64 string%s, not %s", field,
				    or_null, json_type_name(v->type));
	if (base64_decode(&bytes, v->str, v->len)) {
		buf_free(&bytes);
		return request_fail(err, errlen, "\"%s\" is not padded base64", field);
	}
	*data = bytes.data;
	*len = bytes.len;
	return 0;
}

/* The program's stdin, when the request gives one: base64 of any bytes. Absent or null: none. */
static int request_stdin(const struct json_value *obj, struct request *req, char *err, size_t errlen)
{
	const struct json_value *v = json_get(obj, "stdin");

	if (!v || v->type == JSON_NULL)
		return 0;
	if (request_bytes(v, "stdin", " or null", &req->stdin_data, &req->stdin_len, err, errlen))
		return -1;
	req->has_stdin = 1;
	return 0;
}

/* An optional true or false field: absent, false. */
static int request_flag(const struct json_value *obj, const char *field, int *out, char *err,
			size_t errlen)
{
	const struct json_value *v = json_get(obj, field);

	if (!v)
		return 0;
	if (v->type != JSON_TRUE && v->type != JSON_FALSE)
		return request_fail(err, errlen, "\"%s\" must be true or false, not %s", field,
				    json_type_name(v->type));
	*out = v->type == JSON_TRUE;
	return 0;
}

static int request_run(const struct json_value *obj, struct request *req, char *err, size_t errlen)
{
	const struct json_value *argv, *file, *cwd, *env, *hook, *timeout;
	long long timeout_ms;

	if (request_known_fields(obj, request_run_fields, "run", err, errlen))
		return -1;
	if (!(argv = request_field(obj, "argv", "run", err, errlen)) ||
	    !(cwd = request_field(obj, "cwd", "run", err, errlen)) ||
	    !(env = request_field(obj, "env", "run", err, errlen)) ||
	    !(hook = request_field(obj, "hook", "run", err, errlen)) ||
	    !(timeout = request_field(obj, "timeoutMs", "run", err, errlen)))
		return -1;
	if (request_argv(argv, req, err, errlen))
		return -1;
	/* The file to run, when argv[0] is the name the program is given rather than its path. */
	file = json_get(obj, "file");
	if (file) {
		if (!(req->file = request_cstring(file, "\"file\"", err, errlen)))
			return -1;
		if (req->file[0] != '/')
			return request_fail(err, errlen, "\"file\" must be an absolute path");
	}
	if (!(req->cwd = request_cstring(cwd, "\"cwd\"", err, errlen)))
		return -1;
	if (req->cwd[0] == '\0')
		return request_fail(err, errlen, "\"cwd\" must not be empty");
	if (hook->type != JSON_NULL) {
		if (!(req->hook = request_cstring(hook, "\"hook\"", err, errlen)))
			return -1;
		/* ld.so splits LD_PRELOAD at spaces and colons. */
		if (req->hook[0] == '\0' || strpbrk(req->hook, ": \t"))
			return request_fail(err, errlen, "\"hook\" must be a path without spaces or "
					    "colons, or null");
	}
	if (request_env(env, req, err, errlen))
		return -1;
	if (request_integer(timeout, "timeoutMs", 0, &timeout_ms, err, errlen))
		return -1;
	req->timeout_ms = (unsigned long long)timeout_ms;
	if (request_flag(obj, "stream", &req->stream, err, errlen) ||
	    request_flag(obj, "stdinStream", &req->stdin_stream, err, errlen) ||
	    request_stdin(obj, req, err, errlen))
		return -1;
	if (req->stdin_stream && req->has_stdin)
		return request_fail(err, errlen, "\"stdin\" and \"stdinStream\" cannot both be given");
	return 0;
}

/* A piece of a streamed run's stdin ("data", base64), or its end ("end": true): one of the two. */
static int request_input(const struct json_value *obj, struct request *req, char *err, size_t errlen)
{
	const struct json_value *data = json_get(obj, "data");

	if (request_known_fields(obj, request_input_fields, "input", err, errlen) ||
	    request_flag(obj, "end", &req->input_end, err, errlen))
		return -1;
	if (!data == !req->input_end)
		return request_fail(err, errlen, "an input request has either \"data\" or \"end\": true");
	if (!data)
		return 0;
	return request_bytes(data, "data", "", &req->input_data, &req->input_len, err, errlen);
}

/* A signal by its name, as results give them ("SIGPIPE"): the number, or 0 for none. */
static int request_signal_number(const char *name)
{
	char known[32];
	int sig;

	for (sig = 1; sig < NSIG; sig++) {
		run_signal_name(sig, known, sizeof(known));
		if (strcmp(known, name) == 0)
			return sig;
	}
	return 0;
}

static int request_signal(const struct json_value *obj, struct request *req, char *err, size_t errlen)
{
	const struct json_value *name;

	if (request_known_fields(obj, request_signal_fields, "signal", err, errlen))
		return -1;
	if (!(name = request_field(obj, "signal", "signal", err, errlen)))
		return -1;
	if (name->type != JSON_STRING)
		return request_fail(err, errlen, "\"signal\" must be a string, not %s",
				    json_type_name(name->type));
	req->signal = request_signal_number(name->str);
	if (!req->signal)
		return request_fail(err, errlen, "unknown signal \"%s\"", name->str);
	return 0;
}

static int request_close_output(const struct json_value *obj, struct request *req, char *err,
				size_t errlen)
{
	const struct json_value *stream;

	if (request_known_fields(obj, request_close_output_fields, "closeOutput", err, errlen))
		return -1;
	if (!(stream = request_field(obj, "stream", "closeOutput", err, errlen)))
		return -1;
	if (stream->type == JSON_STRING && strcmp(stream->str, "stdout") == 0)
		req->output = RUN_STDOUT;
	else if (stream->type == JSON_STRING && strcmp(stream->str, "stderr") == 0)
		req->output = RUN_STDERR;
	else
		return request_fail(err, errlen, "\"stream\" must be \"stdout\" or \"stderr\"");
	return 0;
}

int request_parse(const char *line, size_t len, struct request *req, char *err, size_t errlen)
{
	struct json_value root;
	const struct json_value *id, *type;
	int ret = -1;

	memset(req, 0, sizeof(*req));
	if (json_parse(line, len, &root, err, errlen))
		return -1;
	if (root.type != JSON_OBJECT) {
		request_fail(err, errlen, "a request must be a JSON object, not %s",
			     json_type_name(root.type));
		goto out_free_root;
	}
	id = json_get(&root, "id");
	if (!id) {
		request_fail(err, errlen, "missing field \"id\"");
		goto out_free_root;
	}
	if (request_integer(id, "id", -REQUEST_MAX_SAFE_INTEGER, &req->id, err, errlen))
		goto out_free_root;
	req->has_id = 1;
	type = json_get(&root, "type");
	if (!type) {
		request_fail(err, errlen, "missing field \"type\"");
		goto out_free_root;
	}
	if (type->type != JSON_STRING) {
		request_fail(err, errlen, "\"type\" must be a string, not %s",
			     json_type_name(type->type));
		goto out_free_root;
	}
	if (strcmp(type->str, "run") == 0 && type->len == 3) {
		req->type = REQUEST_RUN;
		ret = request_run(&root, req, err, errlen);
	} else if (strcmp(type->str, "signal") == 0 && type->len == 6) {
		req->type = REQUEST_SIGNAL;
		ret = request_signal(&root, req, err, errlen);
	} else if (strcmp(type->str, "closeOutput") == 0 && type->len == 11) {
		req->type = REQUEST_CLOSE_OUTPUT;
		ret = request_close_output(&root, req, err, errlen);
	} else if (strcmp(type->str, "input") == 0 && type->len == 5) {
		req->type = REQUEST_INPUT;
		ret = request_input(&root, req, err, errlen);
	} else if (strcmp(type->str, "shutdown") == 0 && type->len == 8) {
		req->type = REQUEST_SHUTDOWN;
		ret = request_known_fields(&root, request_shutdown_fields, "shutdown", err, errlen);
	} else {
		request_fail(err, errlen, "unknown request type \"%s\"", type->str);
	}

out_free_root:
	json_free(&root);
	return ret;
}

static void request_free_strings(char **strings)
{
	size_t i;

	if (!strings)
		return;
	for (i = 0; strings[i]; i++)
		free(strings[i]);
	free(strings);
}

void request_free(struct request *req)
{
	request_free_strings(req->argv);
	request_free_strings(req->envp);
	free(req->file);
	free(req->cwd);
	free(req->hook);
	free(req->stdin_data);
	free(req->input_data);
	memset(req, 0, sizeof(*req));
}
