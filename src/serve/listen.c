/* listen.c: the listening socket, accept with a deadline, and the bounded
 * read of a client's first flight (serve.h). */
#include "serve/serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/net.h"
#include "serve/hello.h"
#include "util/banned.h"

static void sockaddr_text(const struct sockaddr *sa, char *out, size_t size)
{
    char addr[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;
        inet_ntop(AF_INET6, &s6->sin6_addr, addr, sizeof addr);
        port = ntohs(s6->sin6_port);
        snprintf(out, size, "[%s]:%u", addr, port);
        return;
    }
    const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;
    inet_ntop(AF_INET, &s4->sin_addr, addr, sizeof addr);
    port = ntohs(s4->sin_port);
    snprintf(out, size, "%s:%u", addr, port);
}

static int bind_one(const struct addrinfo *ai)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                    ai->ai_protocol);
    if (fd < 0)
        return -1;
    int on = 1;
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 16) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

tp_status serve_listen(const char *host, uint16_t port, int *fd, char *bound, size_t bound_size,
                       tp_error *err)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    char service[8];
    snprintf(service, sizeof service, "%u", (unsigned)port);
    int rc = getaddrinfo(host, service, &hints, &res);
    if (rc != 0)
        return tp_fail(err, TP_E_CONNECT, "--serve %s: %s", host, gai_strerror(rc));
    int e = 0;
    *fd = -1;
    for (const struct addrinfo *ai = res; ai != NULL && *fd < 0; ai = ai->ai_next) {
        *fd = bind_one(ai);
        e = errno;
    }
    freeaddrinfo(res);
    if (*fd < 0)
        return tp_fail(err, TP_E_CONNECT, "--serve %s:%u: cannot listen: %s", host,
                       (unsigned)port, strerror(e));
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(*fd, (struct sockaddr *)&ss, &len) == 0)
        sockaddr_text((const struct sockaddr *)&ss, bound, bound_size);
    else
        snprintf(bound, bound_size, "%s:%u", host, (unsigned)port);
    return TP_OK;
}

tp_status serve_accept(int lfd, tp_deadline deadline, int *fd, char *peer, size_t peer_size,
                       tp_error *err)
{
    for (;;) {
        int rc = net_wait_fd(lfd, POLLIN, deadline);
        if (rc == 0)
            return tp_fail(err, TP_E_TIMEOUT, "no more connections before --timeout");
        if (rc < 0)
            return tp_fail(err, TP_E_CONNECT, "waiting for connections: %s", strerror(errno));
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        *fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (*fd >= 0) {
            sockaddr_text((const struct sockaddr *)&ss, peer, peer_size);
            return TP_OK;
        }
        /* A client that reset before we took it, or a transient shortage:
         * keep serving. */
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
            errno != ECONNABORTED && errno != EMFILE && errno != ENFILE && errno != ENOBUFS &&
            errno != ENOMEM && errno != EPROTO)
            return tp_fail(err, TP_E_CONNECT, "accept: %s", strerror(errno));
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
            (void)poll(NULL, 0, 100);
    }
}

tp_status serve_read_hello(int fd, tp_deadline deadline, uint8_t *buf, size_t cap, size_t *len,
                           struct tp_audit_hs *h, struct tp_first *first)
{
    *len = 0;
    for (;;) {
        TP_TRY(tp_first_classify(buf, *len, h, first));
        if (first->kind != TP_FIRST_NEED_MORE)
            return TP_OK;
        if (*len == cap) {
            snprintf(first->what, sizeof first->what,
                     "%zu bytes without a complete ClientHello (flood?)", cap);
            first->kind = TP_FIRST_BAD_TLS;
            return TP_OK;
        }
        int rc = net_wait_fd(fd, POLLIN, deadline);
        if (rc <= 0) {
            snprintf(first->what, sizeof first->what,
                     rc == 0 ? "stalled: no complete ClientHello after %zu bytes"
                             : "read error after %zu bytes",
                     *len);
            first->kind = TP_FIRST_NOT_TLS;
            return TP_OK;
        }
        ssize_t n = recv(fd, buf + *len, cap - *len, 0);
        if (n > 0) {
            *len += (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
            continue;
        snprintf(first->what, sizeof first->what, "%s after %zu bytes, before a ClientHello",
                 n == 0 ? "closed" : "connection error", *len);
        first->kind = TP_FIRST_NOT_TLS;
        return TP_OK;
    }
}
