// The system zlib (RFC 1950-1952), for gzip-encoded response bodies.
#include <zlib.h>
