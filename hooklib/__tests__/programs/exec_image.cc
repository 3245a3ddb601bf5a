// exec_image.cc: a process that exec()s itself. Its first image leaks a block, releases a new[] block
// with delete and execs the program again with "second", whose image leaks two blocks of its own. The
// first image's block went with its memory: only the second image's are leaks, as valgrind reports
// (--trace-children=yes); the first image's mismatched release still counts, with its own stacks.
// With "other" it execs leak_three (beside it) instead: another program, whose object map does not
// show where the mismatched release was made.
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>

void *volatile sink;

#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

extern "C" void leak_before_exec()
{
	sink = malloc(11);
}

extern "C" void mismatch_before_exec()
{
	int *p = new int[4];
	sink = p;
	delete p;
}

extern "C" void leak_after_exec()
{
	sink = malloc(22);
}

int main(int argc, char **argv)
{
	char second[] = "second";
	char *args[] = { argv[0], second, nullptr };

	if (argc > 1 && strcmp(argv[1], "second") == 0) {
		for (int i = 0; i < 2; i++)
			leak_after_exec();
		if (write(1, "exec_image: done\n", 17) != 17)
			return 1;
		return 0;
	}
	leak_before_exec();
	mismatch_before_exec();
	if (argc > 1 && strcmp(argv[1], "other") == 0) {
		std::string self(argv[0]);
		std::string other = self.substr(0, self.rfind('/') + 1) + "leak_three";
		char *other_args[] = { &other[0], nullptr };

		execv(other_args[0], other_args);
		return 1;
	}
	execv(argv[0], args);
	return 1;
}
