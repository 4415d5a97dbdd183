/* bind_loopback.c: LD_PRELOAD shim for test servers that cannot be told
 * which address to listen on. gnutls-serv binds the wildcard address on
 * both families; under this shim a bind() to INADDR_ANY becomes 127.0.0.1
 * and one to in6addr_any becomes ::1, so the integration tests never listen
 * beyond loopback. Every other bind() passes through unchanged. */
#include <dlfcn.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "util/banned.h"

typedef int (*bind_fn)(int, const struct sockaddr *, socklen_t);

static bind_fn real_bind(void)
{
    /* POSIX allows a function pointer to round-trip through dlsym's void *;
     * memcpy keeps ISO C (-Wpedantic) quiet about the conversion. */
    void *sym = dlsym(RTLD_NEXT, "bind");
    bind_fn fn = NULL;
    memcpy(&fn, &sym, sizeof fn);
    return fn;
}

/* With _GNU_SOURCE, glibc declares bind() with a transparent union
 * (__CONST_SOCKADDR_ARG); the definition must match that declaration. */
int bind(int fd, __CONST_SOCKADDR_ARG arg, socklen_t len)
{
#if defined(__USE_GNU) && !defined(__cplusplus)
    const struct sockaddr *addr = arg.__sockaddr__;
#else
    const struct sockaddr *addr = arg;
#endif
    bind_fn next = real_bind();
    if (next == NULL)
        return -1;
    if (addr != NULL && addr->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        struct sockaddr_in v4;
        memcpy(&v4, addr, sizeof v4);
        if (v4.sin_addr.s_addr == htonl(INADDR_ANY)) {
            v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            return next(fd, (const struct sockaddr *)&v4, sizeof v4);
        }
    } else if (addr != NULL && addr->sa_family == AF_INET6 &&
               len >= sizeof(struct sockaddr_in6)) {
        struct sockaddr_in6 v6;
        memcpy(&v6, addr, sizeof v6);
        if (memcmp(&v6.sin6_addr, &in6addr_any, sizeof v6.sin6_addr) == 0) {
            v6.sin6_addr = in6addr_loopback;
            return next(fd, (const struct sockaddr *)&v6, sizeof v6);
        }
    }
    return next(fd, addr, len);
}
