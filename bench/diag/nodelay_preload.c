// Diagnostic only (not built by CMake, not part of any test): an LD_PRELOAD
// shim that sets TCP_NODELAY on every socket a server accepts, to measure
// what Nagle's algorithm costs a server that does not set it itself.
//
//   gcc -O2 -shared -fPIC -o /tmp/nodelay.so bench/diag/nodelay_preload.c -ldl
//   LD_PRELOAD=/tmp/nodelay.so build-bench/roundtable serve ...
//
// Used for the hub's latency analysis (see the hub benchmark notes): without
// TCP_NODELAY the hub's relayed frames wait for the client's delayed ACK
// (40 ms minimum on Linux), which is its ~38 ms p99 at 200 updates/s.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
static void nd(int fd) { if (fd >= 0) { int one = 1; setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); } }
int accept(int s, struct sockaddr* a, socklen_t* l) {
  static int (*real)(int, struct sockaddr*, socklen_t*);
  if (!real) real = dlsym(RTLD_NEXT, "accept");
  int fd = real(s, a, l); nd(fd); return fd;
}
int accept4(int s, struct sockaddr* a, socklen_t* l, int f) {
  static int (*real)(int, struct sockaddr*, socklen_t*, int);
  if (!real) real = dlsym(RTLD_NEXT, "accept4");
  int fd = real(s, a, l, f); nd(fd); return fd;
}
