// cxx_own_arena.cc: a program whose operator new takes blocks from an arena of its own and whose
// operator delete(void *) gives nothing back, as the standard lets it; it defines no other variant, so
// its `delete s` goes through the library's sized delete, which must call the program's (not free()).
#include <cstdio>
#include <cstdlib>
#include <new>

// On purpose: the library's sized delete is the one that must call this program's.
#pragma GCC diagnostic ignored "-Wsized-deallocation"

static char arena[1 << 16];
static std::size_t used;
static int news, deletes;

void *operator new(std::size_t size)
{
	void *block = arena + used;

	used += (size + 15) & ~static_cast<std::size_t>(15);
	if (used > sizeof(arena))
		std::abort();
	news++;
	return block;
}

void operator delete(void *) noexcept
{
	deletes++;
}

struct Point {
	int x, y, z, w;
};

int main()
{
	for (int i = 0; i < 10; i++) {
		Point *p = new Point{i, i, i, i};
		delete p;
	}
	delete[] new Point[3];
	std::printf("cxx_own_arena: %d news, %d deletes\n", news, deletes);
	return 0;
}
