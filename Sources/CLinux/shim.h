// Linux interfaces that Swift's Glibc module does not export: epoll(7), eventfd(2), accept4(2),
// openat2(2), pthread_setname_np(3). Declarations, and one forwarding function.
#ifndef CLINUX_SHIM_H
#define CLINUX_SHIM_H
#ifdef __linux__
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>

// GNU extensions, declared here rather than by defining _GNU_SOURCE: that macro changes the
// shape of other system types (fd_set) and would clash with modules built without it.
extern int accept4(int fd, struct sockaddr *address, socklen_t *length, int flags);
extern int pthread_setname_np(pthread_t thread, const char *name);

// openat2(2) (Linux 5.6) has no glibc wrapper, and Swift cannot call the variadic syscall(2).
// RESOLVE_BENEATH: the kernel refuses any resolution that leaves `dirfd` — "..", absolute
// paths, symbolic links pointing outside — with EXDEV. RESOLVE_NO_MAGICLINKS: no /proc links.
static inline int CLinux_openat2_beneath(int dirfd, const char *path, int flags) {
    struct open_how how = {0};
    how.flags = (unsigned long long)flags;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}
#endif
#endif
