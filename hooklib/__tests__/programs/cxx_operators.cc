// cxx_operators.cc: each C++ allocation operator once, freed by its own counterpart, then four leaks
// (new, new[], aligned new, nothrow new[]) and two mismatched releases (new[] by delete, malloc by delete).
#include <cstdio>
#include <cstdlib>
#include <new>

struct alignas(64) Aligned {
	char bytes[64];
};

void *volatile sink;

// extern "C": plain names in the stacks the tests compare.
extern "C" void leak_new() { sink = new int(7); }
extern "C" void leak_new_array() { sink = new char[10]; }
extern "C" void leak_aligned() { sink = new Aligned; }
extern "C" void leak_nothrow_array() { sink = new (std::nothrow) short[6]; }

static void balanced()
{
	delete new long(1);
	delete[] new int[3];
	delete new Aligned;
	delete[] new Aligned[2];
	delete new (std::nothrow) int(2);
	delete[] new (std::nothrow) char[5];
	::operator delete(::operator new(24), 24);                       // sized
	::operator delete[](::operator new[](40), 40);                   // sized array
	::operator delete(::operator new(128, std::align_val_t(128)), std::align_val_t(128));
	::operator delete(::operator new(256, std::align_val_t(64), std::nothrow), std::align_val_t(64), std::nothrow);
	::operator delete(::operator new(32, std::align_val_t(32)), 32, std::align_val_t(32));
	::operator delete[](::operator new[](48, std::align_val_t(16)), std::align_val_t(16));
	::operator delete[](::operator new[](50, std::nothrow), std::nothrow);
}

#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
static void mismatched()
{
	// Undefined behaviour in the language, harmless with this allocator: what a checker must report.
	char *array = new char[20];
	::operator delete(array);
	void *block = std::malloc(30);
	::operator delete(block);
}

int main()
{
	balanced();
	mismatched();
	leak_new();
	leak_new_array();
	leak_aligned();
	leak_nothrow_array();
	try {
		// Fails with bad_alloc, thrown through the hook: nothing is recorded, the program goes on.
		sink = new char[static_cast<std::size_t>(1) << 62];
	} catch (const std::bad_alloc &) {
		std::printf("cxx_operators: done\n");
		return 0;
	}
	return 1;
}
