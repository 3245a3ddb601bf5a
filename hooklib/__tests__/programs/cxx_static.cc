/*
 * cxx_static.cc: a C++ program linked with a static libstdc++ whose symbols it exports (-rdynamic), as
 * gcc's cc1 is, for its plugins. Its emergency exception pool, allocated at start, is freed at exit by
 * the __gnu_cxx::__freeres in its own file, as valgrind does; the hook looked for one only where a
 * libstdc++.so was loaded, and reported the pool leaked.
 */
#include <cstdio>
#include <stdexcept>
#include <string>

int main()
{
	std::string text(100, 'x');

	try {
		throw std::runtime_error(text);
	} catch (const std::exception &e) {
		std::printf("cxx_static: caught %zu bytes\n", std::string(e.what()).size());
	}
	return 0;
}
