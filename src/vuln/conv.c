/* conv.c: the raw conversation of the vulnerability checks (conv.h). */
#include "vuln/conv.h"

#include <errno.h>
#include <stdarg.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/starttls.h"
#include "scan/plan.h"
#include "vuln/pace.h"
#include "wire/alert.h"
#include "wire/record.h"
#include "wire/registry.h"

#include "util/trace.h"
#include "util/banned.h"

/* A first flight is tens of KiB; a Heartbleed reply 16 KiB more. */
#define CONV_MAX_BYTES ((size_t)128 * 1024)

void vuln_strf(char *out, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, size, fmt, ap);
    va_end(ap);
}

static uint32_t ms_since(uint64_t t0)
{
    uint64_t d = (tp_now_ns() - t0) / 1000000u;
    return d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
}

bool conv_send(struct conv *c, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            vuln_strf(c->why, sizeof c->why, "sending failed: %s",
                     w < 0 ? strerror(errno) : "nothing sent");
            return false;
        }
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* One read into the buffer: 1 bytes read, 0 closed, -1 reset or error,
 * -2 time-out. */
static int read_some(struct conv *c, tp_deadline until)
{
    for (;;) {
        if (c->len >= CONV_MAX_BYTES)
            return -1;
        struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
        int r = poll(&pfd, 1, (int)tp_deadline_left_ms(until));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -2;
        ssize_t n = recv(c->fd, c->buf + c->len, CONV_MAX_BYTES - c->len, 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            return 0;
        c->len += (size_t)n;
        return 1;
    }
}

static bool flight_done(const tp_flight *f)
{
    switch (f->kind) {
    case TP_FLIGHT_SERVER_HELLO:
        return f->flight_complete || f->has_alert || f->sh.version >= TP_VER_TLS13;
    case TP_FLIGHT_NEED_MORE:
        return false;
    default:
        return true;
    }
}

static enum conv_state flight_state(struct conv *c, bool closed)
{
    const tp_flight *f = &c->flight;
    switch (f->kind) {
    case TP_FLIGHT_SERVER_HELLO:
        if (f->has_alert) {
            const char *name = tp_alert_name(f->alert.description);
            vuln_strf(c->why, sizeof c->why, "ServerHello, then alert %s (%u)",
                     name != NULL ? name : "unassigned", f->alert.description);
            return CONV_REFUSED;
        }
        if (!f->flight_complete && f->sh.version < TP_VER_TLS13) {
            vuln_strf(c->why, sizeof c->why, "ServerHello, then %s before ServerHelloDone",
                     closed ? "a close" : "nothing");
            return CONV_UNKNOWN;
        }
        c->flight_len = f->used;
        return CONV_FLIGHT;
    case TP_FLIGHT_ALERT: {
        const char *name = tp_alert_name(f->alert.description);
        vuln_strf(c->why, sizeof c->why, "alert %s (%u)", name != NULL ? name : "unassigned",
                 f->alert.description);
        return CONV_REFUSED;
    }
    case TP_FLIGHT_NEED_MORE:
        if (closed && c->len == 0) {
            vuln_strf(c->why, sizeof c->why, "connection closed without an alert");
            return CONV_REFUSED;
        }
        vuln_strf(c->why, sizeof c->why, "%s", closed ? "connection closed inside a record"
                                                     : "no complete reply");
        return CONV_UNKNOWN;
    case TP_FLIGHT_HELLO_RETRY:
        vuln_strf(c->why, sizeof c->why, "HelloRetryRequest");
        return CONV_UNKNOWN;
    default:
        vuln_strf(c->why, sizeof c->why, "reply is not a TLS first flight: %s",
                 f->error.msg[0] != '\0' ? f->error.msg : tp_flight_kind_name(f->kind));
        return CONV_UNKNOWN;
    }
}

static bool build_hello(struct conv *c, const struct probe_spec *spec, tp_writer *wr)
{
    uint8_t rnd[64];
    tp_error err = {0};
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
        vuln_strf(c->why, sizeof c->why, "getrandom: %s", strerror(errno));
        return false;
    }
    if (probe_build(spec, rnd, wr, &err) != TP_OK) {
        vuln_strf(c->why, sizeof c->why, "cannot build the hello: %s", err.msg);
        return false;
    }
    return true;
}

/* Wait until start_ns (--delay), within the run's deadline. */
static bool wait_until(const struct vuln_ctx *ctx, uint64_t start_ns)
{
    for (;;) {
        uint64_t now = tp_now_ns();
        if (now >= start_ns)
            return true;
        if (tp_deadline_passed(ctx->deadline))
            return false;
        uint64_t ms = (start_ns - now + 999999u) / 1000000u;
        (void)poll(NULL, 0, (int)tp_deadline_left_ms(tp_deadline_min_ms(ctx->deadline, ms)));
    }
}

int vuln_connect(struct vuln_ctx *ctx, char *why, size_t size)
{
    uint64_t start_ns = 0;
    bool allowed = true;
    tp_error err = {0};
    int fd = -1;
    if (ctx->shared != NULL) {
        pthread_mutex_lock(&ctx->shared->lock);
        allowed = vuln_gate_take(&ctx->shared->gate, tp_now_ns(), &start_ns);
        pthread_mutex_unlock(&ctx->shared->lock);
    }
    if (!allowed) {
        vuln_strf(why, size, "not probed: --max-connections %u used up",
                  ctx->cfg->max_connections);
        return -1;
    }
    if (!wait_until(ctx, start_ns)) {
        vuln_strf(why, size, "the run's time-out was reached");
        return -1;
    }
    uint64_t t0 = tp_trace_ms();
    if (net_connect_addr(ctx->addr, ctx->cfg->connect_timeout_ms, ctx->deadline, &fd, &err) !=
        TP_OK) {
        vuln_strf(why, size, "%s", err.msg);
        tp_trace("vuln connect from %llu failed: %s", (unsigned long long)t0, err.msg);
        return -1;
    }
    tp_trace("vuln connect fd %d from %llu (%s)", fd, (unsigned long long)t0,
             ctx->check != NULL ? ctx->check : "?");
    ctx->connections++;
    return fd;
}

static bool start(struct vuln_ctx *ctx, struct conv *c, const uint8_t *hello, size_t len,
                  bool half_close, uint64_t *sent_at)
{
    tp_error err = {0};
    const struct tp_config *cfg = ctx->cfg;
    c->fd = vuln_connect(ctx, c->why, sizeof c->why);
    if (c->fd < 0)
        return false;
    if (cfg->starttls != TP_STARTTLS_NONE &&
        net_starttls(c->fd, cfg->starttls, ctx->sni != NULL ? ctx->sni : cfg->host,
                     tp_deadline_min_ms(ctx->deadline, cfg->connect_timeout_ms),
                     &err) != TP_OK) {
        vuln_strf(c->why, sizeof c->why, "STARTTLS: %s", err.msg);
        return false;
    }
    *sent_at = tp_now_ns();
    if (!conv_send(c, hello, len))
        return false;
    if (half_close)
        (void)shutdown(c->fd, SHUT_WR);
    return true;
}

static void conv_init(struct conv *c)
{
    memset(c, 0, sizeof *c);
    c->fd = -1;
    c->answer_ms = CONV_NO_ANSWER;
    tp_flight_init(&c->flight);
}


static enum conv_state read_flight(struct vuln_ctx *ctx, struct conv *c, uint64_t sent_at);

static enum conv_state open_raw(struct vuln_ctx *ctx, const uint8_t *hello, size_t len,
                                bool half_close, struct conv *c)
{
    uint64_t sent_at = 0;
    conv_init(c);
    c->buf = malloc(CONV_MAX_BYTES);
    if (c->buf == NULL) {
        vuln_strf(c->why, sizeof c->why, "out of memory");
        return CONV_UNKNOWN;
    }
    if (!start(ctx, c, hello, len, half_close, &sent_at))
        return CONV_UNKNOWN;
    return read_flight(ctx, c, sent_at);
}

static enum conv_state open_spec(struct vuln_ctx *ctx, const struct probe_spec *spec,
                                 bool half_close, struct conv *c)
{
    tp_writer wr;
    tp_error err = {0};
    conv_init(c);
    tp_wr_init(&wr, 0, &err);
    bool built = build_hello(c, spec, &wr);
    enum conv_state st = built ? open_raw(ctx, tp_wr_data(&wr), tp_wr_len(&wr), half_close, c)
                               : CONV_UNKNOWN;
    tp_wr_finish(&wr);
    return st;
}

enum conv_state conv_open(struct vuln_ctx *ctx, const struct probe_spec *spec, struct conv *c)
{
    return open_spec(ctx, spec, false, c);
}

/* conv_open_flight() for hello bytes built already. */
static enum conv_state open_flight_raw(struct vuln_ctx *ctx, const uint8_t *hello, size_t len,
                                       struct conv *c)
{
    if (!ctx->half_close)
        return open_raw(ctx, hello, len, false, c);
    enum conv_state st = open_raw(ctx, hello, len, true, c);
    bool plain_alert = st == CONV_REFUSED && c->flight.kind == TP_FLIGHT_ALERT;
    if (st == CONV_REFUSED && c->flight.kind == TP_FLIGHT_SERVER_HELLO &&
        c->flight.server_hello_done) {
        /* The whole flight, then an alert about our end of stream
         * (openssl s_server sends one as it reads it, often in the same
         * segment): the flight answered the hello. */
        c->flight_len = c->flight.used;
        return CONV_FLIGHT;
    }
    if (st == CONV_FLIGHT || plain_alert || c->fd < 0)
        return st; /* a flight, a refusal, or no connection to speak of */
    /* Anything else may be the FIN's doing: a refusal by close cannot be
     * told from a peer that gave up on it (as the scan's half-closed
     * probes, scan/probe.h), nor an alert after the ServerHello from one
     * about the end of stream. Asked again without it. */
    conv_close(c);
    return open_raw(ctx, hello, len, false, c);
}

enum conv_state conv_open_flight(struct vuln_ctx *ctx, const struct probe_spec *spec,
                                 struct conv *c)
{
    tp_writer wr;
    tp_error err = {0};
    conv_init(c);
    tp_wr_init(&wr, 0, &err);
    bool built = build_hello(c, spec, &wr);
    enum conv_state st = built ? open_flight_raw(ctx, tp_wr_data(&wr), tp_wr_len(&wr), c)
                               : CONV_UNKNOWN;
    tp_wr_finish(&wr);
    return st;
}

enum conv_state conv_open_raw_flight(struct vuln_ctx *ctx, const uint8_t *hello, size_t len,
                                     struct conv *c)
{
    return open_flight_raw(ctx, hello, len, c);
}

enum conv_state conv_open_pipelined(struct vuln_ctx *ctx, const struct probe_spec *spec,
                                    const uint8_t *after, size_t after_len, struct conv *c)
{
    tp_writer wr;
    tp_error err = {0};
    conv_init(c);
    tp_wr_init(&wr, 0, &err);
    bool built = build_hello(c, spec, &wr);
    if (built)
        tp_wr_bytes(&wr, after, after_len);
    enum conv_state st = CONV_UNKNOWN;
    if (built && tp_wr_status(&wr) == TP_OK)
        st = open_raw(ctx, tp_wr_data(&wr), tp_wr_len(&wr), true, c);
    else if (built)
        vuln_strf(c->why, sizeof c->why, "out of memory");
    tp_wr_finish(&wr);
    c->flight_len = 0;
    return st;
}

enum conv_state conv_open_raw(struct vuln_ctx *ctx, const uint8_t *hello, size_t len,
                              struct conv *c)
{
    return open_raw(ctx, hello, len, false, c);
}

/* The run's smallest round trip, for every check's silences. */
static void note_rtt(struct vuln_ctx *ctx, uint32_t rtt_ms)
{
    struct vuln_shared *sh = ctx->shared;
    if (sh == NULL)
        return;
    pthread_mutex_lock(&sh->lock);
    sh->rtt_ms = vuln_min_rtt(sh->measured, sh->rtt_ms, rtt_ms);
    sh->measured = true;
    pthread_mutex_unlock(&sh->lock);
}

static uint32_t silence_ms(struct vuln_ctx *ctx, uint32_t own_rtt_ms)
{
    struct vuln_shared *sh = ctx->shared;
    if (sh == NULL)
        return vuln_silence_ms(own_rtt_ms, ctx->answer_ms);
    pthread_mutex_lock(&sh->lock);
    uint32_t rtt = vuln_min_rtt(sh->measured, sh->rtt_ms, own_rtt_ms);
    pthread_mutex_unlock(&sh->lock);
    return vuln_silence_ms(rtt, ctx->answer_ms);
}

static enum conv_state read_flight(struct vuln_ctx *ctx, struct conv *c, uint64_t sent_at)
{
    uint32_t wait_ms = vuln_flight_wait_ms(ctx->link_rtt_ms);
    tp_deadline until = tp_deadline_min_ms(ctx->deadline, wait_ms);
    bool closed = false;
    for (;;) {
        int r = read_some(c, until);
        if (r == -2) {
            tp_trace("vuln fd %d no first flight", c->fd);
            vuln_strf(c->why, sizeof c->why, "no first flight within %u ms",
                     wait_ms);
            return CONV_UNKNOWN;
        }
        if (r == -1) {
            vuln_strf(c->why, sizeof c->why, "connection reset after %zu bytes", c->len);
            return CONV_UNKNOWN;
        }
        if (r == 1 && c->rtt_ms == 0)
            c->rtt_ms = ms_since(sent_at);
        closed = r == 0;
        if (tp_flight_classify(&c->flight, c->buf, c->len) != TP_OK) {
            vuln_strf(c->why, sizeof c->why, "out of memory");
            return CONV_UNKNOWN;
        }
        if (flight_done(&c->flight) || closed)
            break;
    }
    c->flight_ms = ms_since(sent_at);
    tp_trace("vuln fd %d flight %u ms first byte %u ms, %zu bytes%s", c->fd, c->flight_ms,
             c->rtt_ms, c->len, closed ? ", closed" : "");
    if (c->len > 0)
        note_rtt(ctx, c->rtt_ms);
    return flight_state(c, closed);
}

void conv_close(struct conv *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    tp_flight_finish(&c->flight);
    free(c->buf);
    c->buf = NULL;
}

enum reply_end conv_read_reply(struct conv *c, struct vuln_ctx *ctx, uint32_t wait_ms,
                               reply_enough_fn enough, void *arg, tp_reply *reply)
{
    if (wait_ms == CONV_WAIT_SILENCE)
        wait_ms = silence_ms(ctx, c->rtt_ms);
    else if (wait_ms == CONV_WAIT_PATIENT)
        wait_ms = vuln_patience_ms(c->rtt_ms, c->flight_ms);
    tp_deadline until = tp_deadline_min_ms(ctx->deadline, wait_ms);
    uint64_t asked_at = tp_now_ns();
    bool timed = c->len > c->flight_len; /* bytes already there: at once */
    if (timed)
        c->answer_ms = 0;
    tp_reply_scan(c->buf + c->flight_len, c->len - c->flight_len, reply);
    if (enough(reply, arg))
        return REPLY_DECIDED;
    for (;;) {
        int r = read_some(c, until);
        if ((r == 1 || r == 0) && !timed) { /* a close answers too */
            c->answer_ms = ms_since(asked_at);
            timed = true;
        }
        if (r == 1) {
            tp_reply_scan(c->buf + c->flight_len, c->len - c->flight_len, reply);
            if (enough(reply, arg))
                return REPLY_DECIDED;
            if (reply->malformed)
                return REPLY_DECIDED;
            continue;
        }
        return r == 0 ? REPLY_CLOSED : r == -1 ? REPLY_RESET : REPLY_TIMEOUT;
    }
}

void conv_describe(const tp_reply *reply, enum reply_end end, char *out, size_t size)
{
    if (reply->has_alert) {
        const char *name = tp_alert_name(reply->alert.description);
        vuln_strf(out, size, "alert %s (%u)", name != NULL ? name : "unassigned",
                 reply->alert.description);
        return;
    }
    if (reply->malformed) {
        vuln_strf(out, size, "a malformed reply: %s", reply->error.msg);
        return;
    }
    switch (end) {
    case REPLY_CLOSED:
        vuln_strf(out, size, "a close without an alert");
        break;
    case REPLY_RESET:
        vuln_strf(out, size, "a reset");
        break;
    case REPLY_TIMEOUT:
        vuln_strf(out, size, "no reply (%zu records)", reply->records);
        break;
    default:
        vuln_strf(out, size, "%zu records", reply->records);
        break;
    }
}
