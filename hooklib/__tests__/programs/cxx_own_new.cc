// cxx_own_new.cc: a program that replaces operator new (malloc, and bad_alloc when it fails), as the
// standard lets it, and keeps the library's operator delete (here, the hook's). Correct: no mismatch.
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>

static unsigned long news;

void *operator new(std::size_t size)
{
	void *block = std::malloc(size ? size : 1);

	if (!block)
		throw std::bad_alloc();
	news++;
	return block;
}

void *volatile sink;

// extern "C": plain names in the stacks the tests compare.
struct Pair {
	int first, second;
};

extern "C" void leak_pair() { sink = new Pair{1, 2}; }

int main()
{
	for (int i = 0; i < 10; i++)
		delete new std::string(100, 'y');
	leak_pair();
	std::printf("cxx_own_new: %lu news counted\n", news);
	return 0;
}
