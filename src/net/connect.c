/* connect.c: non-blocking TCP connect bounded by min(per-try budget, the
 * run's deadline), trying every resolved address in order. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "net/net.h"
#include "util/banned.h"

static tp_status wait_connected(int fd, const struct tp_addr *addr, tp_deadline until,
                                tp_error *err)
{
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLOUT};
        int n = poll(&pfd, 1, (int)tp_deadline_left_ms(until));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return tp_fail(err, TP_E_CONNECT, "poll: %s", strerror(errno));
        if (n == 0)
            return tp_fail(err, TP_E_TIMEOUT, "timed out connecting to %s", addr->text);
        int soerr = 0;
        socklen_t len = sizeof soerr;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
            soerr = errno;
        if (soerr != 0)
            return tp_fail(err, TP_E_CONNECT, "cannot connect to %s: %s", addr->text,
                           strerror(soerr));
        return TP_OK;
    }
}

tp_status net_connect_start(const struct tp_addr *addr, int *fd_out, tp_error *err)
{
    int fd = socket(addr->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
    if (fd < 0)
        return tp_fail(err, TP_E_CONNECT, "socket: %s", strerror(errno));
    /* Handshake flights are small and latency-bound: do not wait for Nagle. */
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (const struct sockaddr *)&addr->ss, addr->len) != 0 && errno != EINPROGRESS) {
        tp_status status =
            tp_fail(err, TP_E_CONNECT, "cannot connect to %s: %s", addr->text, strerror(errno));
        close(fd);
        return status;
    }
    *fd_out = fd;
    return TP_OK;
}

tp_status net_connect_wait(int fd, const struct tp_addr *addr, uint32_t timeout_ms,
                           tp_deadline deadline, tp_error *err)
{
    return wait_connected(fd, addr, tp_deadline_min_ms(deadline, timeout_ms), err);
}

tp_status net_connect_addr(const struct tp_addr *addr, uint32_t timeout_ms, tp_deadline deadline,
                           int *fd_out, tp_error *err)
{
    if (tp_deadline_passed(deadline))
        return tp_fail(err, TP_E_TIMEOUT, "timed out before connecting to %s", addr->text);
    int fd = -1;
    tp_status status = net_connect_start(addr, &fd, err);
    if (status != TP_OK)
        return status;
    status = net_connect_wait(fd, addr, timeout_ms, deadline, err);
    if (status != TP_OK) {
        close(fd);
        return status;
    }
    *fd_out = fd;
    return TP_OK;
}

tp_status net_connect_udp(const struct tp_addr *addr, int *fd_out, tp_error *err)
{
    int fd = socket(addr->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
    if (fd < 0)
        return tp_fail(err, TP_E_CONNECT, "socket: %s", strerror(errno));
    /* A connected UDP socket takes datagrams from that peer only, and an
     * ICMP port unreachable comes back as ECONNREFUSED on the next recv()
     * (udp(7)): the only way to tell "nothing listens" from silence. */
    if (connect(fd, (const struct sockaddr *)&addr->ss, addr->len) != 0) {
        int e = errno;
        close(fd);
        return tp_fail(err, TP_E_CONNECT, "cannot send to %s over UDP: %s", addr->text,
                       strerror(e));
    }
    *fd_out = fd;
    return TP_OK;
}

static tp_status connect_first(const struct tp_addrlist *list, bool udp, uint32_t timeout_ms,
                               tp_deadline deadline, struct tp_report *report, int *fd_out,
                               size_t *index_out, tp_error *err)
{
    tp_status last = TP_E_CONNECT;
    tp_error first_err = {0};
    size_t tried = 0;
    for (size_t i = 0; i < list->count; i++) {
        tried++;
        tp_error one = {0};
        uint64_t started = tp_now_ns();
        tp_status status = udp ? net_connect_udp(&list->items[i], fd_out, &one)
                               : net_connect_addr(&list->items[i], timeout_ms, deadline, fd_out,
                                                  &one);
        uint32_t elapsed_ms = (uint32_t)((tp_now_ns() - started) / 1000000u);
        tp_status noted = tp_report_add_attempt(report, list->items[i].text,
                                                list->items[i].family, status,
                                                status == TP_OK ? NULL : one.msg, elapsed_ms);
        if (noted != TP_OK) {
            if (status == TP_OK)
                close(*fd_out);
            return tp_fail(err, noted, "out of memory");
        }
        if (status == TP_OK) {
            *index_out = i;
            return TP_OK;
        }
        if (first_err.status == TP_OK)
            first_err = one;
        last = status;
        if (tp_deadline_passed(deadline))
            break;
    }
    /* Count only the addresses tried: the deadline may have cut the list. */
    if (tried > 1 && first_err.status != TP_OK)
        return tp_fail(err, last, "%s (and %zu more address%s tried)", first_err.msg,
                       tried - 1, tried == 2 ? "" : "es");
    return tp_fail(err, last, "%s", first_err.status != TP_OK ? first_err.msg : "no address");
}

tp_status net_connect_first(const struct tp_addrlist *list, uint32_t timeout_ms,
                            tp_deadline deadline, struct tp_report *report, int *fd_out,
                            size_t *index_out, tp_error *err)
{
    return connect_first(list, false, timeout_ms, deadline, report, fd_out, index_out, err);
}

tp_status net_connect_udp_first(const struct tp_addrlist *list, tp_deadline deadline,
                                struct tp_report *report, int *fd_out, size_t *index_out,
                                tp_error *err)
{
    return connect_first(list, true, 0, deadline, report, fd_out, index_out, err);
}
