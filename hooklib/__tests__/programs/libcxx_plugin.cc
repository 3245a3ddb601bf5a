// libcxx_plugin.cc: the C++ library cxx_plugin.c opens. It keeps a string (a leak) and throws and
// catches an exception.
#include <stdexcept>
#include <string>

static std::string *kept;

extern "C" int cxx_plugin_use(void)
{
	kept = new std::string(100, 'x');
	try {
		throw std::runtime_error("caught");
	} catch (const std::exception &e) {
		return static_cast<int>(kept->size() + std::string(e.what()).size());
	}
}
