/*
 * seccomp_denied.c: a program that installs a seccomp filter denying (EPERM) system calls the hook
 * uses to hand its records over, then allocates 30,000 blocks of 40 bytes and frees two of each three:
 * 10,000 left (400,000 bytes), more allocations than the record ring holds (16,384). A second argument
 * gives another number of blocks (100: few enough that the ring never needs draining).
 *
 *	seccomp_denied strict	an allowlist (read, write, brk, mmap, munmap, mremap, futex,
 *				rt_sigreturn, exit, exit_group, newfstatat, fstat): no ioctl,
 *				no msync, no getpid
 *	seccomp_denied pids	the same and getpid, gettid
 *	seccomp_denied ioctl	every call but ioctl and msync
 *
 * Run plainly it prints its line at once. Under the hook the ring cannot be drained: the program
 * must still run to its end (it waited for ever on the full ring), and pmm must say that its
 * records are not all there.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

void *volatile sink;

#define LOAD_NR		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))
#define ALLOW(nr)	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), \
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
#define DENY(nr)	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), \
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM)
#define CHECK_ARCH	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)), \
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0), \
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS)
#define ALLOWED		ALLOW(SYS_read), ALLOW(SYS_write), ALLOW(SYS_brk), ALLOW(SYS_mmap), \
			ALLOW(SYS_munmap), ALLOW(SYS_mremap), ALLOW(SYS_futex), ALLOW(SYS_rt_sigreturn), \
			ALLOW(SYS_exit), ALLOW(SYS_exit_group), ALLOW(SYS_newfstatat), ALLOW(SYS_fstat)

static struct sock_filter strict[] = {
	CHECK_ARCH, LOAD_NR, ALLOWED,
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
};

static struct sock_filter pids[] = {
	CHECK_ARCH, LOAD_NR, ALLOWED, ALLOW(SYS_getpid), ALLOW(SYS_gettid),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
};

static struct sock_filter ioctl_msync[] = {
	CHECK_ARCH, LOAD_NR, DENY(SYS_ioctl), DENY(SYS_msync),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};

#define PROGRAM(filter)	{ sizeof(filter) / sizeof(filter[0]), filter }

int main(int argc, char **argv)
{
	struct sock_fprog prog;
	int blocks = argc > 2 ? atoi(argv[2]) : 30000;

	if (argc != 2 && argc != 3)
		return 2;
	if (strcmp(argv[1], "strict") == 0)
		prog = (struct sock_fprog)PROGRAM(strict);
	else if (strcmp(argv[1], "pids") == 0)
		prog = (struct sock_fprog)PROGRAM(pids);
	else if (strcmp(argv[1], "ioctl") == 0)
		prog = (struct sock_fprog)PROGRAM(ioctl_msync);
	else
		return 2;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return 1;
	for (int i = 0; i < blocks; i++) {
		sink = malloc(40);
		if (i % 3)
			free(sink);
	}
	puts("seccomp_denied: done");
	return 0;
}
