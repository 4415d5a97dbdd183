/* transport.c: GnuTLS push/pull over our non-blocking socket.
 *
 * GnuTLS's default transport calls send()/recv() on the descriptor and
 * would wait forever on a silent peer. Ours waits with poll() until the
 * socket is ready or the overall deadline passes, so the whole handshake is
 * bounded by it. At the deadline a call fails with ETIMEDOUT and sets
 * timed_out, which session.c turns into TP_E_TIMEOUT.
 *
 * Every transfer is also counted, its first bytes kept (to name a non-TLS
 * peer), and passed to the optional hook (see struct tls_io_hook). */
#include "tls/tls_int.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "util/banned.h"

void tls_transport_init(struct tls_transport *t, int fd, tp_deadline deadline,
                        const struct tls_io_hook *hook)
{
    memset(t, 0, sizeof *t);
    t->fd = fd;
    t->deadline = deadline;
    if (hook != NULL)
        t->hook = *hook;
}

static void set_errno(struct tls_transport *t, int e)
{
    t->last_errno = e;
    errno = e;
    if (t->session != NULL)
        gnutls_transport_set_errno(t->session, e);
}

/* Wait until fd is ready for events or max_ms (capped by the deadline)
 * passes. Returns 1 ready (readiness includes errors and hang-ups: the next
 * send/recv reports them), 0 timed out, -1 error (errno set). A negative
 * max_ms means "until the deadline". */
static int wait_ready(struct tls_transport *t, short events, int max_ms)
{
    for (;;) {
        uint32_t left = tp_deadline_left_ms(t->deadline);
        int ms = left > (uint32_t)INT32_MAX ? INT32_MAX : (int)left;
        bool deadline_bound = max_ms < 0 || ms <= max_ms;
        if (!deadline_bound)
            ms = max_ms;
        if (deadline_bound && ms == 0) {
            t->timed_out = true;
            return 0;
        }
        struct pollfd p = {.fd = t->fd, .events = events};
        int rc = poll(&p, 1, ms);
        if (rc > 0)
            return 1;
        if (rc == 0) {
            if (!deadline_bound)
                return 0;
            /* poll() may wake a little early; loop to re-check the clock. */
            continue;
        }
        if (errno != EINTR)
            return -1;
    }
}

/* A peer that trickles bytes never makes recv() wait, so the deadline is
 * also checked before every transfer, not only while waiting. */
static bool expired(struct tls_transport *t)
{
    if (!tp_deadline_passed(t->deadline))
        return false;
    t->timed_out = true;
    set_errno(t, ETIMEDOUT);
    return true;
}

static void emit(struct tls_transport *t, enum tls_io_dir dir, const void *data,
                 size_t data_len, size_t bytes, const giovec_t *iov, int iovcnt)
{
    if (t->hook.fn == NULL)
        return;
    struct tls_io_event ev = {.t_ns = tp_now_ns(), .dir = dir, .bytes = bytes,
                              .data = data, .data_len = data_len < bytes ? data_len : bytes,
                              .iov = iov, .iovcnt = iov != NULL ? iovcnt : 0};
    t->hook.fn(t->hook.ctx, &ev);
}

static void keep_peek(struct tls_transport *t, const uint8_t *data, size_t n)
{
    size_t room = sizeof t->peek - t->peek_len;
    size_t take = n < room ? n : room;
    memcpy(t->peek + t->peek_len, data, take);
    t->peek_len += take;
}

/* After a send or receive failed with errno: whether to try it again (it
 * was interrupted, or would have blocked and the socket is now ready for
 * events). If not, the error is set for GnuTLS: ETIMEDOUT when the
 * deadline passed first. */
static bool again(struct tls_transport *t, short events)
{
    if (errno == EINTR)
        return true;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
        set_errno(t, errno);
        return false;
    }
    if (t->dtls != NULL && events == POLLIN) {
        /* DTLS runs GnuTLS non-blocking: it returns GNUTLS_E_AGAIN and
         * session.c waits, at most until the retransmission is due. */
        set_errno(t, EAGAIN);
        return false;
    }
    int rc = wait_ready(t, events, -1);
    if (rc > 0)
        return true;
    set_errno(t, rc == 0 ? ETIMEDOUT : errno);
    return false;
}

/* --dtls: a send is one datagram; its bytes, gathered, for
 * dtls_observe.c (which only reads them). */
static void observe_datagram(struct tls_transport *t, const giovec_t *iov, int iovcnt,
                             size_t n)
{
    if (t->dtls == NULL)
        return;
    uint8_t datagram[TP_MAX_DTLS_MTU + 2048u];
    size_t used = 0;
    for (int i = 0; i < iovcnt && used < n && used < sizeof datagram; i++) {
        size_t take = iov[i].iov_len;
        if (take > n - used)
            take = n - used;
        if (take > sizeof datagram - used)
            take = sizeof datagram - used;
        memcpy(datagram + used, iov[i].iov_base, take);
        used += take;
    }
    (void)tls_dtls_observe(t, TLS_IO_SEND, datagram, used);
}

static size_t iov_total(const giovec_t *iov, int iovcnt)
{
    size_t total = 0;
    for (int i = 0; i < iovcnt; i++)
        total += iov[i].iov_len;
    return total;
}

/* One sendmsg() of the whole vector once the socket is writable. A partial
 * write is returned as such; GnuTLS calls again with the rest. */
static ssize_t vec_push(gnutls_transport_ptr_t ptr, const giovec_t *iov, int iovcnt)
{
    struct tls_transport *t = ptr;
    struct msghdr msg = {.msg_iov = (struct iovec *)(uintptr_t)iov,
                         .msg_iovlen = (size_t)iovcnt};
    if (expired(t))
        return -1;
    /* After our FIN (fin_after_hello) nothing more reaches the server:
     * what GnuTLS writes next is dropped as if sent, so that it reads on
     * through the server's flight. A TLS 1.3 client's first write is its
     * compatibility ChangeCipherSpec right after the ServerHello (RFC 8446
     * App. D.4), before the encrypted Certificate: failing it with EPIPE
     * lost the chain the FIN was sent for. */
    if (t->fin_sent)
        return (ssize_t)iov_total(iov, iovcnt);
    for (;;) {
        /* MSG_NOSIGNAL: a peer that resets must not SIGPIPE the process. */
        ssize_t n = sendmsg(t->fd, &msg, MSG_NOSIGNAL);
        if (n >= 0) {
            if (t->first_send_ns == 0)
                t->first_send_ns = tp_now_ns();
            t->bytes_out += (uint64_t)n;
            observe_datagram(t, iov, iovcnt, (size_t)n);
            emit(t, TLS_IO_SEND, iovcnt > 0 ? iov[0].iov_base : NULL,
                 iovcnt > 0 ? iov[0].iov_len : 0, (size_t)n, iov, iovcnt);
            return n;
        }
        if (!again(t, POLLOUT))
            return -1;
    }
}

static ssize_t push(gnutls_transport_ptr_t ptr, const void *data, size_t len)
{
    giovec_t one = {.iov_base = (void *)(uintptr_t)data, .iov_len = len};
    return vec_push(ptr, &one, 1);
}

/* tls_offer.fin_after_hello: GnuTLS reads only once its ClientHello is
 * wholly out, so the first read is when our FIN may follow it. */
static void fin_if_due(struct tls_transport *t)
{
    if (!t->fin_after_hello || t->fin_sent || t->bytes_out == 0 || t->dtls != NULL)
        return;
    t->fin_sent = true;
    (void)shutdown(t->fd, SHUT_WR);
}

static ssize_t pull(gnutls_transport_ptr_t ptr, void *data, size_t len)
{
    struct tls_transport *t = ptr;
    fin_if_due(t);
    if (t->replay_off < t->replay_len) {
        size_t n = t->replay_len - t->replay_off < len ? t->replay_len - t->replay_off : len;
        memcpy(data, t->replay + t->replay_off, n);
        t->replay_off += n;
        t->bytes_in += n;
        return (ssize_t)n;
    }
    if (expired(t))
        return -1;
    for (;;) {
        ssize_t n = recv(t->fd, data, len, 0);
        if (n > 0) {
            t->bytes_in += (uint64_t)n;
            keep_peek(t, data, (size_t)n);
            emit(t, TLS_IO_RECV, data, (size_t)n, (size_t)n, NULL, 0);
            if (!tls_dtls_observe(t, TLS_IO_RECV, data, (size_t)n)) {
                set_errno(t, EPROTO);
                return -1;
            }
            return n;
        }
        if (n == 0 && t->dtls != NULL) {
            /* An empty datagram is not an end of stream: UDP has none.
             * GnuTLS tries again (GNUTLS_E_AGAIN is not fatal). */
            (void)tls_dtls_observe(t, TLS_IO_RECV, data, 0);
            set_errno(t, EAGAIN);
            return -1;
        }
        if (n == 0) {
            t->eof = true;
            return 0;
        }
        if (!again(t, POLLIN))
            return -1;
    }
}

/* GnuTLS asks whether data arrives within ms (GNUTLS_INDEFINITE_TIMEOUT:
 * no limit of its own). Returns >0 ready, 0 timeout, -1 error. */
static int pull_timeout(gnutls_transport_ptr_t ptr, unsigned int ms)
{
    struct tls_transport *t = ptr;
    fin_if_due(t);
    if (t->replay_off < t->replay_len)
        return 1;
    int max_ms = ms == GNUTLS_INDEFINITE_TIMEOUT || ms > (unsigned)INT32_MAX ? -1 : (int)ms;
    int rc = wait_ready(t, POLLIN, max_ms);
    if (rc < 0)
        set_errno(t, errno);
    return rc;
}

void tls_transport_replay(struct tls_transport *t, const uint8_t *data, size_t len)
{
    t->replay = data;
    t->replay_len = len;
    t->replay_off = 0;
}

int tls_transport_wait_readable(struct tls_transport *t, unsigned ms)
{
    int rc = wait_ready(t, POLLIN, ms > (unsigned)INT32_MAX ? -1 : (int)ms);
    if (rc < 0)
        set_errno(t, errno);
    return rc;
}

void tls_transport_attach(struct tls_transport *t, gnutls_session_t session)
{
    t->session = session;
    gnutls_transport_set_ptr(session, t);
    gnutls_transport_set_push_function(session, push);
    gnutls_transport_set_vec_push_function(session, vec_push);
    gnutls_transport_set_pull_function(session, pull);
    gnutls_transport_set_pull_timeout_function(session, pull_timeout);
}

void tls_transport_fill_peek(struct tls_transport *t, uint32_t wait_ms)
{
    /* Only reads that would not block past wait_ms, and never past the
     * deadline: diagnosis must not cost the user the rest of the budget. */
    tp_deadline saved = t->deadline;
    bool saved_timed_out = t->timed_out;
    t->deadline = tp_deadline_min_ms(saved, wait_ms);
    while (t->peek_len < sizeof t->peek && !t->eof) {
        ssize_t n = recv(t->fd, t->peek + t->peek_len, sizeof t->peek - t->peek_len, 0);
        if (n > 0) {
            t->peek_len += (size_t)n;
            /* One full line (a banner, an HTTP status line) says enough. */
            if (memchr(t->peek, '\n', t->peek_len) != NULL)
                break;
            continue;
        }
        if (n == 0) {
            t->eof = true;
            break;
        }
        if (errno == EINTR)
            continue;
        if ((errno != EAGAIN && errno != EWOULDBLOCK) || wait_ready(t, POLLIN, -1) != 1)
            break;
    }
    t->deadline = saved;
    t->timed_out = saved_timed_out;
}
