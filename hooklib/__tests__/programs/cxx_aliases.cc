// cxx_aliases.cc: leaks through functions that have two names at one address, of which the debug info and
// valgrind's symbol table take different ones: a constructor (gcc's C1 and C2 variants; the debug info
// says C2, valgrind C1) and glibc's fork (__fork and fork), whose atfork handler allocates. The hook's own
// fork sits between the program and glibc's; no stack may show it.
#include <pthread.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

struct Ctor {
	char *held;
	Ctor();
};

__attribute__((noinline)) Ctor::Ctor()
{
	held = new char[28];
}

Ctor *volatile kept_ctor;
void *volatile kept_block;

static void before_fork()
{
	kept_block = malloc(19);
}

int main()
{
	pthread_atfork(before_fork, nullptr, nullptr);
	kept_ctor = new Ctor();
	pid_t child = fork();
	if (child == 0)
		_exit(0);
	waitpid(child, nullptr, 0);
	write(1, "cxx_aliases: done\n", 18);
	return 0;
}
