/*
 * small_stack.c: a thread made with the smallest stack glibc allows (PTHREAD_STACK_MIN, 16 KiB) uses 6 KiB
 * of it for locals and allocates: it runs without the hook, with about 2 KiB to spare. glibc takes each
 * thread's static TLS out of that stack, so a hook with 8 KiB of it crashed the thread (SIGSEGV).
 */
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *volatile sink;

static void say(const char *text)
{
	write(1, text, strlen(text));
}

static __attribute__((noinline)) void deep_locals(void)
{
	volatile char locals[6 * 1024];

	memset((char *)locals, 1, sizeof(locals));
	sink = malloc(40);
	free(malloc(100));
}

static void *small_thread(void *arg)
{
	(void)arg;
	deep_locals();
	return NULL;
}

int main(void)
{
	pthread_attr_t attr;
	pthread_t thread;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, PTHREAD_STACK_MIN);
	if (pthread_create(&thread, &attr, small_thread, NULL) != 0) {
		say("small_stack: pthread_create failed\n");
		return 2;
	}
	pthread_join(thread, NULL);
	say("small_stack: done\n");
	return 0;
}
