/* Prints with stdio and frees everything of its own: only glibc's stdout buffer stays until exit. */
#include <stdio.h>

int main(void)
{
	printf("stdio_buffer: %d\n", 42);
	return 0;
}
