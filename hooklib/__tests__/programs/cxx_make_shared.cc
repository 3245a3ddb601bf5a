// cxx_make_shared.cc: leaks a std::make_shared<std::vector<int>>, whose mangled name (an enable_if in its
// return type) llvm-symbolizer 14 cannot demangle, and GNU's demangler, valgrind's, can.
#include <memory>
#include <unistd.h>
#include <vector>

std::shared_ptr<std::vector<int>> *volatile kept;

int main()
{
	kept = new std::shared_ptr<std::vector<int>>(std::make_shared<std::vector<int>>(55));
	write(1, "cxx_make_shared: done\n", 22);
	return 0;
}
