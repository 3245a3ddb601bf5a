// cxx_pool.cc: containers on libstdc++'s pool allocators, filled and destroyed. A pool keeps what it
// got for the process's life unless GLIBCXX_FORCE_NEW is set, as pmm (and valgrind) set it: then
// each node comes from operator new and goes back to delete, and nothing is left. One node of each
// kind is then leaked on purpose.
#include <cstdio>
#include <ext/mt_allocator.h>
#include <ext/pool_allocator.h>
#include <list>

void *volatile sink;

extern "C" void leak_nodes()
{
	sink = __gnu_cxx::__pool_alloc<long>().allocate(1);
	sink = __gnu_cxx::__mt_alloc<int>().allocate(1);
}

int main()
{
	{
		std::list<int, __gnu_cxx::__pool_alloc<int>> pooled;
		for (int i = 0; i < 100; i++)
			pooled.push_back(i);
	}
	{
		std::list<int, __gnu_cxx::__mt_alloc<int>> threaded;
		for (int i = 0; i < 100; i++)
			threaded.push_back(i);
	}
	leak_nodes();
	std::printf("cxx_pool: done\n");
	return 0;
}
