// Linux interfaces that Swift's Glibc module does not export: epoll(7), eventfd(2), accept4(2),
// pthread_setname_np(3). Declarations only.
#ifndef CLINUX_SHIM_H
#define CLINUX_SHIM_H
#ifdef __linux__
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

// GNU extensions, declared here rather than by defining _GNU_SOURCE: that macro changes the
// shape of other system types (fd_set) and would clash with modules built without it.
extern int accept4(int fd, struct sockaddr *address, socklen_t *length, int flags);
extern int pthread_setname_np(pthread_t thread, const char *name);
#endif
#endif
