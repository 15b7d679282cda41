#include <stdio.h>
int lib_ie_get(void);
int lib_ie_static_get(void);
int main(void)
{
	int a = lib_ie_static_get();
	int b = lib_ie_static_get();
	printf("lib_ie_var %d lib_ie_static %d %d\n", lib_ie_get(), a, b);
	return 0;
}
