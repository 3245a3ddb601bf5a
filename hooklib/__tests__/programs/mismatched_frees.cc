// mismatched_frees.cc: each way of releasing a block with another family's call than the one that
// allocated it, once, in a function of its own; then the same calls correctly paired. With the argument
// "matched" it makes only the correct pairs.
#include <cstdio>
#include <cstdlib>
#include <cstring>

void *volatile sink;

// Undefined behaviour in the language, harmless with glibc's allocator under libstdc++: what a checker
// must report. The compiler would warn at each; that is the point here.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#pragma GCC diagnostic ignored "-Wmismatched-dealloc"

// extern "C": plain names in the stacks the tests compare. Each allocation and release is on a line of
// its own, which the tests name.
extern "C" void array_by_delete()
{
	char *p = new char[40];
	sink = p;
	delete p;
}

extern "C" void scalar_by_delete_array()
{
	long *p = new long[3];
	delete[] p;
	p = new long(1);
	sink = p;
	delete[] p;
}

extern "C" void malloc_by_delete()
{
	char *p = static_cast<char *>(std::malloc(30));
	sink = p;
	delete p;
}

extern "C" void new_by_free()
{
	int *p = new int(5);
	sink = p;
	std::free(p);
}

extern "C" void array_by_free()
{
	short *p = new short[9];
	sink = p;
	std::free(p);
}

extern "C" void calloc_by_delete_array()
{
	char *p = static_cast<char *>(std::calloc(7, 2));
	sink = p;
	delete[] p;
}

extern "C" void new_by_realloc()
{
	char *p = new char[24];
	sink = p;
	p = static_cast<char *>(std::realloc(p, 100));
	sink = p;
	std::free(p);
}

static void matched()
{
	delete new int(1);
	delete[] new char[11];
	std::free(std::malloc(12));
	std::free(std::calloc(3, 4));
	std::free(std::realloc(std::malloc(13), 130));
	std::free(std::realloc(nullptr, 14));
}

int main(int argc, char **argv)
{
	if (argc < 2 || std::strcmp(argv[1], "matched") != 0) {
		array_by_delete();
		scalar_by_delete_array();
		malloc_by_delete();
		new_by_free();
		array_by_free();
		calloc_by_delete_array();
		new_by_realloc();
	}
	matched();
	std::printf("mismatched_frees: done\n");
	return 0;
}
