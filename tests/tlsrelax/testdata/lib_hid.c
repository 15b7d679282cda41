/* Linked into libtls.so: a TLS variable the library does not export. */
__attribute__((visibility("hidden"))) __thread int lib_hid = 303;
__attribute__((visibility("hidden"))) __thread int lib_hid_pad[5] = {1};
