/* net.h: resolve and connect with deadlines. getaddrinfo() has no timeout,
 * so resolution runs through getaddrinfo_a() and is abandoned when the
 * deadline passes; connect() is non-blocking and polled. */
#ifndef TP_NET_H
#define TP_NET_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "cli/config.h"
#include "report/model.h"
#include "util/clock.h"
#include "util/err.h"

#define TP_ADDR_TEXT_MAX 64

struct tp_addr {
    struct sockaddr_storage ss;
    socklen_t len;
    int family;
    char text[TP_ADDR_TEXT_MAX]; /* numeric form, no brackets, no port */
};

struct tp_addrlist {
    struct tp_addr *items;
    size_t count;
};

/* Resolve host (name or literal) to addresses in the resolver's order,
 * duplicates removed. TP_E_RESOLVE if none; TP_E_TIMEOUT at the deadline. */
TP_MUST_CHECK tp_status net_resolve(const char *host, uint16_t port, enum tp_family family,
                                    tp_deadline deadline, struct tp_addrlist *out,
                                    tp_error *err);
void net_addrlist_finish(struct tp_addrlist *list);

/* Connect to one address within min(timeout_ms, deadline). On success *fd_out
 * is a connected, non-blocking, close-on-exec TCP socket. */
TP_MUST_CHECK tp_status net_connect_addr(const struct tp_addr *addr, uint32_t timeout_ms,
                                         tp_deadline deadline, int *fd_out, tp_error *err);

/* net_connect_addr in two steps, so that a connection can be on its way
 * while the caller does something else (--enum connects ahead on slow
 * links, scan/runner.h): net_connect_start sends the SYN and returns at once
 * with *fd_out a non-blocking, close-on-exec TCP socket whose connect may be
 * in progress; net_connect_wait waits for it within min(timeout_ms,
 * deadline); a socket already connected passes at once. The caller owns
 * the socket from a successful start on, and closes it whatever the wait
 * says. */
TP_MUST_CHECK tp_status net_connect_start(const struct tp_addr *addr, int *fd_out,
                                          tp_error *err);
TP_MUST_CHECK tp_status net_connect_wait(int fd, const struct tp_addr *addr, uint32_t timeout_ms,
                                         tp_deadline deadline, tp_error *err);

/* Try every address in order until one connects; each try is recorded in
 * report->attempts. *index_out is the address that answered. */
TP_MUST_CHECK tp_status net_connect_first(const struct tp_addrlist *list, uint32_t timeout_ms,
                                          tp_deadline deadline, struct tp_report *report,
                                          int *fd_out, size_t *index_out, tp_error *err);

/* A connected, non-blocking, close-on-exec UDP socket to addr (--dtls).
 * Nothing is sent: UDP has no handshake, so this fails only when the
 * address cannot be routed. */
TP_MUST_CHECK tp_status net_connect_udp(const struct tp_addr *addr, int *fd_out, tp_error *err);
/* net_connect_first() for UDP: the first address that can be routed,
 * recorded in report->attempts like a TCP connect. */
TP_MUST_CHECK tp_status net_connect_udp_first(const struct tp_addrlist *list,
                                              tp_deadline deadline, struct tp_report *report,
                                              int *fd_out, size_t *index_out, tp_error *err);

/* Wait until fd is ready for events (poll()'s) or the deadline passes:
 * 1 ready, 0 deadline, -1 error. */
int net_wait_fd(int fd, short events, tp_deadline deadline);
/* All n bytes of p to the non-blocking socket fd before the deadline:
 * 0, or the errno that stopped it (ETIMEDOUT at the deadline). */
int net_send_all(int fd, const uint8_t *p, size_t n, tp_deadline deadline);

/* True if host is an IPv4 or IPv6 literal (such a host is never sent as SNI,
 * RFC 6066 Sec. 3). */
bool net_is_ip_literal(const char *host);

#endif
