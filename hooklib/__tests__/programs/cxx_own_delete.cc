// cxx_own_delete.cc: a program that replaces operator delete (to count frees), as the standard lets
// it, and keeps the library's operator new (here, the hook's). Correct: no mismatch; one leak of each new.
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>

static unsigned long frees;

void operator delete(void *block) noexcept
{
	frees++;
	std::free(block);
}

void operator delete(void *block, std::size_t) noexcept
{
	frees++;
	std::free(block);
}

void *volatile sink;

// extern "C": plain names in the stacks the tests compare.
struct Pair {
	int first, second;
};

extern "C" void leak_pair() { sink = new Pair{1, 2}; }
extern "C" void leak_array() { sink = new int[3]; }

int main()
{
	for (int i = 0; i < 10; i++)
		delete new std::string(100, 'y');
	delete[] new char[30];
	leak_pair();
	leak_array();
	std::printf("cxx_own_delete: %lu frees counted\n", frees);
	return 0;
}
