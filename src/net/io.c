/* io.c: waiting on and writing to a non-blocking socket within a
 * deadline (net.h), for the modules that talk on a socket without GnuTLS
 * (the scan's probes, the STARTTLS dialogues of both sides, the --serve
 * listener). */
#include "net/net.h"

#include <errno.h>
#include <poll.h>

#include "util/banned.h"

int net_wait_fd(int fd, short events, tp_deadline deadline)
{
    for (;;) {
        uint32_t left = tp_deadline_left_ms(deadline);
        if (left == 0)
            return 0;
        struct pollfd p = {.fd = fd, .events = events};
        /* In slices of a minute at most: a far deadline is no int. */
        int rc = poll(&p, 1, left > 60000u ? 60000 : (int)left);
        if (rc > 0)
            return 1;
        if (rc < 0 && errno != EINTR)
            return -1;
    }
}

int net_send_all(int fd, const uint8_t *p, size_t n, tp_deadline deadline)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w == 0)
            return EPIPE;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return errno;
        int ready = net_wait_fd(fd, POLLOUT, deadline);
        if (ready <= 0)
            return ready == 0 ? ETIMEDOUT : errno;
    }
    return 0;
}
