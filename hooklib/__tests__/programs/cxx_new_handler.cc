// cxx_new_handler.cc: operator new fails, its new_handler frees an emergency reserve, and the retry
// succeeds (libstdc++'s operator, to which the hook hands a failure, gets the block). The blocks it
// gets are new[]'s: one leaked, one got with nothrow and released by delete[], no mismatch.
#include <cstdio>
#include <cstring>
#include <new>
#include <string>
#include <vector>
#include <sys/resource.h>

static const std::size_t reserve_bytes = 64 << 20, wanted_bytes = 48 << 20;
static char *reserves[2];
static int handled;

// What a new_handler is for: make room, or give up (none left: bad_alloc). It may use the heap itself,
// as one that logs does: those blocks are new's and delete's as anywhere.
static void release_reserve()
{
	std::string *note = new std::string(100, 'x');
	std::vector<int> *scratch = new std::vector<int>(10);

	delete scratch;
	delete note;
	for (char *&reserve : reserves) {
		if (reserve) {
			delete[] reserve;
			reserve = nullptr;
			handled++;
			return;
		}
	}
	std::set_new_handler(nullptr);
}

// The address space in use now, from /proc/self/statm (pages).
static std::size_t address_space()
{
	unsigned long pages = 0;
	FILE *statm = std::fopen("/proc/self/statm", "r");

	if (!statm || std::fscanf(statm, "%lu", &pages) != 1)
		std::perror("statm");
	if (statm)
		std::fclose(statm);
	return pages * 4096;
}

void *volatile sink;

extern "C" void grab_after_handler() { sink = new char[wanted_bytes]; }

int main()
{
	for (char *&reserve : reserves) {
		reserve = new char[reserve_bytes];
		std::memset(reserve, 1, reserve_bytes);
	}
	// Room for less than the block wanted: the first try fails, the retry after a reserve's release fits.
	struct rlimit limit;
	limit.rlim_cur = limit.rlim_max = address_space() + wanted_bytes / 2;
	if (setrlimit(RLIMIT_AS, &limit) != 0)
		std::perror("setrlimit");
	std::set_new_handler(release_reserve);
	grab_after_handler();
	char *again = new (std::nothrow) char[wanted_bytes];
	delete[] again;
	std::printf("cxx_new_handler: %s, %d reserves released\n", again ? "got both" : "nothrow failed", handled);
	return 0;
}
