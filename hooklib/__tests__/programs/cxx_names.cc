// cxx_names.cc: leaks three blocks through C++ functions that valgrind's suppressions name as the linker
// does (a member function and the standard library's, mangled) and through a function template inlined
// into its caller, which they name as the debug info does (make<int>). pmm must read such suppressions,
// as valgrind writes them, and write its own so that valgrind reads them.
#include <unistd.h>
#include <vector>

namespace shop {
struct Basket {
	std::vector<int> *fill(int n)
	{
		return new std::vector<int>(n);
	}
};

template <typename T> __attribute__((always_inline)) inline T *make(int n)
{
	return new T[n];
}
} // namespace shop

std::vector<int> *volatile kept_vector;
int *volatile kept_array;

int main()
{
	shop::Basket basket;

	kept_vector = basket.fill(10);
	kept_array = shop::make<int>(5);
	write(1, "cxx_names: done\n", 16);
	return 0;
}
