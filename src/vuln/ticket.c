/* ticket.c: session tickets (RFC 5077).
 *
 * Ticketbleed (CVE-2016-9244, F5 BIG-IP): offered a ticket with a session
 * ID shorter than 32 bytes, the server echoes 32 bytes in its ServerHello,
 * the rest taken from uninitialised memory. The original check (Filippo
 * Valsorda's, and testssl.sh's): get a ticket from a full handshake, then
 * resume with it and a 1-byte session ID. RFC 5077 Sec. 3.4: a server
 * accepting the ticket "MUST respond with the same session ID" (our one
 * byte). Vulnerable only when the server resumes (ChangeCipherSpec straight
 * after the ServerHello) and its session ID is 32 bytes starting with ours;
 * a resumption that echoes our byte is not; no resumption is unknown
 * (the leak shows only on resumption).
 *
 * Ticket key: RFC 5077 Sec. 4 recommends tickets begin with a 16-byte
 * key_name; a key that never rotates lets whoever gets it decrypt every
 * session that used it (no forward secrecy). Two tickets a moment apart
 * only show whether the name changes between two handshakes; "never" can
 * only be judged across runs, so the name is given for comparison and the
 * answer is unknown unless the names differ.
 *
 * The ticket comes from a TLS 1.2 handshake done with GnuTLS (TLS 1.2
 * sends NewSessionTicket in plaintext, before the server's
 * ChangeCipherSpec), read off the socket by the transport hook. */
#include "vuln/checks.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "net/starttls.h"
#include "scan/plan.h"
#include "tls/tls.h"
#include "wire/clienthello.h"
#include "wire/record.h"
#include "wire/registry.h"
#include "wire/ticket.h"

#include "util/banned.h"

#define CAPTURE_MAX ((size_t)256 * 1024)
#define EXT_SESSION_TICKET 35

struct capture {
    uint8_t *buf;
    size_t len;
};

static void capture_hook(void *arg, const struct tls_io_event *ev)
{
    struct capture *c = arg;
    if (ev->dir != TLS_IO_RECV || c->buf == NULL || ev->data_len > CAPTURE_MAX - c->len)
        return;
    memcpy(c->buf + c->len, ev->data, ev->data_len);
    c->len += ev->data_len;
}

/* A TLS 1.2 handshake with GnuTLS and the ticket it brought: 1 got one, 0
 * the server issued none, -1 unknown (why says). */
static int fetch_ticket(struct vuln_ctx *ctx, tp_ticket *t, char *why, size_t size)
{
    struct tp_config cfg12 = *ctx->cfg;
    struct capture cap = {malloc(CAPTURE_MAX), 0};
    struct tls_io_hook hook = {capture_hook, &cap};
    struct tp_report scratch;
    tp_error err = {0};
    int fd = -1, got = -1;
    memset(t, 0, sizeof *t);
    tp_report_init(&scratch);
    cfg12.tls_min = 0;
    cfg12.tls_max = TP_VER_TLS12;
    cfg12.priority = NULL;
    if (cap.buf == NULL) {
        vuln_strf(why, size, "out of memory");
        goto out;
    }
    fd = vuln_connect(ctx, why, size);
    if (fd < 0)
        goto out;
    if (cfg12.starttls != TP_STARTTLS_NONE &&
        net_starttls(fd, cfg12.starttls, ctx->sni != NULL ? ctx->sni : cfg12.host,
                     tp_deadline_min_ms(ctx->deadline, cfg12.connect_timeout_ms),
                     &err) != TP_OK) {
        vuln_strf(why, size, "STARTTLS: %s", err.msg);
        goto out;
    }
    if (tls_handshake_report_hooked(fd, &cfg12, ctx->sni, ctx->deadline, &hook, &scratch,
                                    &err) != TP_OK) {
        vuln_strf(why, size, "TLS 1.2 handshake: %s", err.msg);
        /* RFC 8446 Sec. 6.2: protocol_version refuses the version. */
        if (scratch.failure.alert == 70)
            got = 0;
        goto out;
    }
    if (tp_ticket_find(cap.buf, cap.len, t, &err) != TP_OK) {
        vuln_strf(why, size, "NewSessionTicket: %s", err.msg);
        goto out;
    }
    got = t->found ? 1 : 0;
    if (!t->found)
        vuln_strf(why, size, "the server issued no session ticket in a TLS 1.2 handshake");
out:
    if (fd >= 0)
        close(fd);
    free(cap.buf);
    tp_report_finish(&scratch);
    return got;
}

/* The second fetch, on a thread of its own beside the first. */
struct fetch_side {
    struct vuln_ctx ctx; /* a copy: its own connection count */
    struct vuln_tickets *tk;
    pthread_t thread;
};

static void *fetch_side_run(void *arg)
{
    struct fetch_side *f = arg;
    f->tk->got[1] = fetch_ticket(&f->ctx, &f->tk->t[1], f->tk->why[1], sizeof f->tk->why[1]);
    return NULL;
}

/* The run's two tickets (conv.h, struct vuln_tickets), fetched by the
 * first check to ask; the other waits on the lock until they are in (the
 * holder is running, never queued: no deadlock under a small pool). The
 * two handshakes run side by side unless --parallel 1 asks for one at a
 * time; then the second only when the first gave a ticket, as the ticket
 * key check did alone. */
static struct vuln_tickets *run_tickets(struct vuln_ctx *ctx)
{
    struct vuln_tickets *tk = &ctx->shared->tickets;
    pthread_mutex_lock(&tk->lock);
    if (!tk->done) {
        struct fetch_side side = {.ctx = *ctx, .tk = tk};
        bool beside = false;
        side.ctx.connections = 0;
        tk->got[1] = -1;
        vuln_strf(tk->why[1], sizeof tk->why[1], "not fetched");
        if (vuln_parallel(ctx->cfg->parallel_given, ctx->cfg->parallel) != 1)
            beside = pthread_create(&side.thread, NULL, fetch_side_run, &side) == 0;
        tk->got[0] = fetch_ticket(ctx, &tk->t[0], tk->why[0], sizeof tk->why[0]);
        if (beside) {
            pthread_join(side.thread, NULL);
            ctx->connections += side.ctx.connections;
        } else if (tk->got[0] == 1) {
            tk->got[1] = fetch_ticket(ctx, &tk->t[1], tk->why[1], sizeof tk->why[1]);
        }
        tk->done = true;
    }
    pthread_mutex_unlock(&tk->lock);
    return tk;
}

/* The resumption hello: every TLS 1.2 candidate suite, a 1-byte session ID
 * and the ticket. */
static tp_status resume_hello(const char *sni, const tp_ticket *t, uint8_t sid,
                              tp_writer *wr, tp_error *err)
{
    static const uint8_t point_formats[] = {0};
    uint16_t suites[PLAN_MAX_CODES], groups[PROBE_MAX_GROUPS], sigalgs[PROBE_MAX_SIGALGS];
    uint8_t random[32];
    if (getrandom(random, sizeof random, 0) != (ssize_t)sizeof random)
        return tp_fail(err, TP_E_INTERNAL, "getrandom failed");
    tp_ch_raw_ext ticket = {.type = EXT_SESSION_TICKET, .data = t->ticket, .len = t->len};
    tp_ch_spec cs = {
        .record_version = TP_VER_TLS10,
        .legacy_version = TP_VER_TLS12,
        .random = random,
        .session_id = &sid,
        .session_id_len = 1,
        .suites = suites,
        .n_suites = plan_suite_candidates(TP_VER_TLS12, suites, PLAN_MAX_CODES),
        .sni = sni,
        .groups = groups,
        .n_groups = plan_group_candidates(PLAN_GROUPS_OFFER, groups, PROBE_MAX_GROUPS),
        .ec_point_formats = point_formats,
        .n_ec_point_formats = 1,
        .sigalgs = sigalgs,
        .n_sigalgs = plan_sigscheme_candidates(sigalgs, PROBE_MAX_SIGALGS),
        .renegotiation_info = true,
        .extended_master_secret = true,
        .extra = &ticket,
        .n_extra = 1,
        .padding = true,
    };
    return tp_ch_build(&cs, wr, err);
}

void vuln_decide_ticketbleed(const tp_server_hello *sh, bool resumed, uint8_t sid,
                             struct vuln_answer *out)
{
    if (!resumed) {
        vuln_answer(out, TP_VULN_UNKNOWN,
                    "the server did not resume with its own ticket (session ID of %zu bytes "
                    "in a full handshake); the leak shows only on resumption",
                    sh->session_id_len);
        return;
    }
    if (sh->session_id_len == 32 && sh->session_id[0] == sid) {
        vuln_answer(out, TP_VULN_YES,
                    "resuming with a 1-byte session ID, the server echoed 32 bytes: ours and 31 "
                    "bytes of its memory");
        return;
    }
    if (sh->session_id_len == 1 && sh->session_id[0] == sid) {
        vuln_answer(out, TP_VULN_NO,
                    "the server resumed and echoed our 1-byte session ID (RFC 5077 Sec. 3.4)");
        return;
    }
    vuln_answer(out, TP_VULN_NO, "the server resumed with a session ID of %zu bytes, not "
                "ours extended", sh->session_id_len);
}

/* One resumption with sid: the decision in *out; false when the
 * conversation failed (out says why). */
static bool resume_once(struct vuln_ctx *ctx, const tp_ticket *t, uint8_t sid,
                        struct vuln_answer *out)
{
    tp_writer wr;
    tp_error err = {0};
    struct conv c;
    tp_wr_init(&wr, 0, &err);
    if (resume_hello(ctx->sni, t, sid, &wr, &err) != TP_OK) {
        vuln_answer(out, TP_VULN_UNKNOWN, "cannot build the hello: %s", err.msg);
        tp_wr_finish(&wr);
        return false;
    }
    /* Only the server's flight is read: behind a slow link our end of
     * stream goes right behind the hello (conv_open_flight()). */
    enum conv_state st = conv_open_raw_flight(ctx, tp_wr_data(&wr), tp_wr_len(&wr), &c);
    tp_wr_finish(&wr);
    if (st != CONV_FLIGHT)
        vuln_answer(out, TP_VULN_UNKNOWN, "resuming with the ticket: %s", c.why);
    else
        vuln_decide_ticketbleed(&c.flight.sh,
                                c.flight.change_cipher_spec && !c.flight.has_certificate, sid,
                                out);
    conv_close(&c);
    return st == CONV_FLIGHT;
}

void vuln_ticketbleed(struct vuln_ctx *ctx, const struct vuln_input *in, struct vuln_answer *out)
{
    (void)in;
    const struct vuln_tickets *tk = run_tickets(ctx);
    const tp_ticket *t = &tk->t[0];
    if (tk->got[0] <= 0) {
        vuln_answer(out, tk->got[0] == 0 ? TP_VULN_NO : TP_VULN_UNKNOWN, "%s", tk->why[0]);
        return;
    }
    uint8_t sid = 0;
    while (sid == 0)
        if (getrandom(&sid, 1, 0) != 1)
            sid = 0x5a;
    /* A server that gives resumptions a fresh 32-byte ID starts it with
     * our byte once in 256: a second resumption with another byte must
     * show the same before the answer is "vulnerable". */
    if (resume_once(ctx, t, sid, out) && out->result == TP_VULN_YES) {
        struct vuln_answer again;
        uint8_t other = sid == 0xff ? 0x01 : (uint8_t)(sid ^ 0xffu);
        resume_once(ctx, t, other, &again);
        if (again.result != TP_VULN_YES)
            vuln_answer(out, TP_VULN_UNKNOWN,
                        "a 32-byte session ID starting with our byte once, then: %s",
                        again.detail);
    }
}

void vuln_ticket_key(struct vuln_ctx *ctx, const struct vuln_input *in, struct vuln_answer *out)
{
    (void)in;
    const struct vuln_tickets *tk = run_tickets(ctx);
    const tp_ticket *a = &tk->t[0], *b = &tk->t[1];
    int got = tk->got[0] == 1 ? tk->got[1] : tk->got[0];
    const char *why = tk->got[0] == 1 ? tk->why[1] : tk->why[0];
    if (got <= 0)
        vuln_answer(out, got == 0 ? TP_VULN_NO : TP_VULN_UNKNOWN, "%s", why);
    else if (a->len < TP_TICKET_KEY_NAME_LEN || b->len < TP_TICKET_KEY_NAME_LEN)
        vuln_answer(out, TP_VULN_UNKNOWN, "tickets shorter than a 16-byte key name");
    else if (memcmp(a->ticket, b->ticket, TP_TICKET_KEY_NAME_LEN) != 0)
        vuln_answer(out, TP_VULN_NO,
                    "the first 16 bytes (RFC 5077 Sec. 4 key_name) differ between two tickets: "
                    "the key changes, or the tickets do not follow the recommended layout");
    else {
        char hex[2 * TP_TICKET_KEY_NAME_LEN + 1];
        for (size_t i = 0; i < TP_TICKET_KEY_NAME_LEN; i++)
            vuln_strf(hex + 2 * i, 3, "%02x", a->ticket[i]);
        vuln_answer(out, TP_VULN_UNKNOWN,
                    "key name %s in two tickets a moment apart; whether it ever rotates shows "
                    "only across runs: compare it with a later run's",
                    hex);
    }
}
