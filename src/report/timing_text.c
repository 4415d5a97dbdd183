/* timing_text.c: --timing and --read for people (see timing_render.h). */
#include "report/timing_render.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "capture/packet.h"
#include "report/timing_model.h"
#include "timing/projection.h"
#include "wire/registry.h"
#include "util/text.h"
#include "util/banned.h"

#define SGR_BOLD "\033[1m"
#define SGR_DIM "\033[2m"
#define SGR_RED "\033[31m"
#define SGR_RESET "\033[0m"
/* Packets listed in the text report; JSON has them all. */
#define TEXT_MAX_PACKETS 60u
/* Suites listed per offer in the text report. */
#define TEXT_MAX_SUITES 12u

struct out {
    FILE *f;
    bool colour;
};

static void pr(struct out *o, const char *fmt, ...) TP_PRINTF(2, 3);
static void pr(struct out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(o->f, fmt, ap);
    va_end(ap);
}

static void sgr(struct out *o, const char *code)
{
    if (o->colour)
        fputs(code, o->f);
}

static void title(struct out *o, const char *text)
{
    pr(o, "\n");
    sgr(o, SGR_BOLD);
    pr(o, "%s", text);
    sgr(o, SGR_RESET);
    pr(o, "\n");
}

/* A peer's string, escaped for the terminal. */
static void esc(struct out *o, const char *s)
{
    char *e = tp_term_escape(s != NULL ? s : "");
    pr(o, "%s", e != NULL ? e : "?");
    free(e);
}

static const char *arrow(enum tp_dir dir)
{
    return dir == TP_DIR_C2S ? "->" : "<-";
}

static const char *vname(uint16_t v)
{
    const char *n = tp_version_name(v);
    return n != NULL ? n : "unknown version";
}

static void flights(struct out *o, const struct tp_timeline *tl, const char *indent)
{
    for (size_t i = 0; i < tl->n_flights; i++) {
        const struct tp_tl_flight *f = &tl->flights[i];
        if (f->post_handshake)
            sgr(o, SGR_DIM);
        pr(o, "%s%10.3f ms  %s %-32s %7llu B %3u rec", indent, f->start_ms, arrow(f->dir),
           f->label, (unsigned long long)f->bytes, f->records);
        if (f->end_ms - f->start_ms >= 0.001)
            pr(o, "  (until %.3f ms)", f->end_ms);
        if (f->post_handshake)
            pr(o, "  after the handshake");
        if (i == tl->cert_flight && tl->certificate_bytes > 0)
            pr(o, "  [chain %llu B%s]", (unsigned long long)tl->certificate_bytes,
               tl->certificate_estimated ? ", est." : "");
        if (f->post_handshake)
            sgr(o, SGR_RESET);
        pr(o, "\n");
    }
}

static void timeline(struct out *o, const struct tp_timeline *tl)
{
    if (tl->dns_ms >= 0)
        pr(o, "  %10.3f ms  DNS %.3f ms\n", 0.0, tl->dns_ms);
    if (tl->connect_ms >= 0)
        pr(o, "  %10.3f ms  TCP connect %.3f ms\n", tl->dns_ms > 0 ? tl->dns_ms : 0.0,
           tl->connect_ms);
    flights(o, tl, "  ");
    if (tl->complete)
        pr(o, "  handshake %.3f ms, %u round trip%s", tl->handshake_ms, tl->round_trips,
           tl->round_trips == 1 ? "" : "s");
    else
        pr(o, "  handshake incomplete");
    pr(o, "; bytes: client %llu, server %llu", (unsigned long long)tl->bytes[0],
       (unsigned long long)tl->bytes[1]);
    if (tl->certificate_bytes > 0)
        pr(o, "; certificate chain %llu B%s, %.0f %% of bytes",
           (unsigned long long)tl->certificate_bytes,
           tl->certificate_estimated ? " (from the DER sizes)" : "",
           tl->certificate_share * 100.0);
    pr(o, "\n");
}

static void stats_row(struct out *o, const char *name, const struct tp_phase_stats *p)
{
    if (p->n == 0)
        return;
    pr(o, "    %-14s %10.3f %10.3f %10.3f %10.3f\n", name, p->min_ms, p->median_ms, p->p95_ms,
       p->max_ms);
}

static void series(struct out *o, const char *what, const struct tp_series *s)
{
    pr(o, "  %s: %u run%s, %u failed", what, s->runs, s->runs == 1 ? "" : "s", s->failures);
    if (strcmp(what, "resumed") == 0)
        pr(o, ", %u resumed", s->resumed);
    pr(o, "\n    %-14s %10s %10s %10s %10s   (ms)\n", "phase", "min", "median", "p95", "max");
    for (int i = 0; i < TP_PHASE_COUNT; i++)
        stats_row(o, tp_phase_name((enum tp_phase)i), &s->phase[i]);
    if (s->bytes.n > 0)
        pr(o, "    %-14s %10.0f %10.0f %10.0f %10.0f   (bytes)\n", "bytes", s->bytes.min_ms,
           s->bytes.median_ms, s->bytes.p95_ms, s->bytes.max_ms);
}

static void resumption(struct out *o, const struct tp_timing *t)
{
    if (!t->has_resumed)
        return;
    title(o, "Resumption");
    if (!t->resume_offered) {
        pr(o, "  the server left nothing to resume (no session ID or ticket)\n");
        return;
    }
    if (!t->resumed.valid) {
        pr(o, "  the resumed handshake failed\n");
        return;
    }
    uint64_t full = t->full.bytes[0] + t->full.bytes[1];
    uint64_t res = t->resumed.bytes[0] + t->resumed.bytes[1];
    pr(o, "  resumed: %s", t->resume_accepted ? "yes" : "no (the server ran a full handshake)");
    pr(o, "; %.3f ms vs %.3f ms full; %llu B vs %llu B", t->resumed.handshake_ms,
       t->full.handshake_ms, (unsigned long long)res, (unsigned long long)full);
    if (full > 0 && res < full)
        pr(o, " (saves %llu B, %.0f %%)", (unsigned long long)(full - res),
           100.0 * (double)(full - res) / (double)full);
    pr(o, "\n");
    timeline(o, &t->resumed);
}

static void versions(struct out *o, const struct tp_timing *t)
{
    if (!t->versions[0].attempted && !t->versions[1].attempted)
        return;
    title(o, "TLS 1.2 against TLS 1.3");
    for (size_t i = 0; i < 2; i++) {
        const struct tp_version_run *v = &t->versions[i];
        if (!v->attempted)
            continue;
        if (!v->ok) {
            pr(o, "  %-8s not offered by the server: ", vname(v->version));
            esc(o, v->error);
            pr(o, "\n");
            continue;
        }
        pr(o, "  %-8s %u round trip%s, %.3f ms, %llu B\n", vname(v->version), v->tl.round_trips,
           v->tl.round_trips == 1 ? "" : "s", v->tl.handshake_ms,
           (unsigned long long)(v->tl.bytes[0] + v->tl.bytes[1]));
    }
}

static void projection(struct out *o, const struct tp_timing *t)
{
    if (!t->has_projection)
        return;
    const struct tp_link *l = &t->link;
    const struct tp_projection *p = &t->projection;
    char head[300];
    snprintf(head, sizeof head, "Projection onto %s", l->name);
    title(o, head);
    pr(o, "  %s: down %.4g kbit/s, up %.4g kbit/s, RTT %u ms, set-up %u ms", l->description,
       l->dl_bps / 1000.0, l->ul_bps / 1000.0, l->rtt_ms, l->setup_ms);
    if (l->mtu)
        pr(o, ", MTU %u", l->mtu);
    if (l->frame_payload)
        pr(o, ", frames of %u B", l->frame_payload);
    pr(o, ", loss %.2g %%%s\n", l->loss * 100.0, l->half_duplex ? ", half duplex" : "");
    if (!p->practical) {
        sgr(o, SGR_RED);
        pr(o, "  impractical: ");
        sgr(o, SGR_RESET);
        pr(o, "%s\n", p->why);
    }
    for (size_t i = 0; i < p->n_flights; i++) {
        const struct tp_proj_flight *f = &p->flights[i];
        pr(o, "  %12.0f ms  %s %-32s %7u B %4u pkt  arrives %.0f ms\n", f->start_ms,
           arrow(f->dir), f->label, f->bytes, f->packets, f->end_ms);
    }
    pr(o, "  total %.0f ms (measured here: %.3f ms)", p->total_ms, t->full.handshake_ms);
    if (t->has_projection_resumed)
        pr(o, "; resumed %.0f ms", t->projection_resumed.total_ms);
    pr(o, "\n  breakdown:");
    for (int i = 0; i < TP_PART_COUNT; i++)
        if (p->parts_ms[i] > 0)
            pr(o, " %s %.0f ms", tp_proj_part_name((enum tp_proj_part)i), p->parts_ms[i]);
    pr(o, "\n  what dominates: %s\n", t->dominant);
    if (!t->has_whatif)
        return;
    pr(o, "  what would shrink it:\n");
    for (size_t i = 0; i < TP_SUGGEST_COUNT; i++) {
        const struct tp_suggestion *s = &t->whatif.items[i];
        if (s->applicable)
            pr(o, "    %-20s saves %8.0f ms, %6lld B  (%s)\n", s->name, s->saving_ms,
               (long long)s->saving_bytes, s->assumption);
        else
            pr(o, "    %-20s n/a: %s\n", s->name, s->assumption);
    }
    pr(o, "  model: see tlsprobe-json(5) \"projection.model\"\n");
}

static void flags_text(uint8_t flags, char *out, size_t size)
{
    static const struct {
        uint8_t bit;
        char c;
    } names[] = {{TP_TCP_SYN, 'S'}, {TP_TCP_FIN, 'F'}, {TP_TCP_RST, 'R'},
                 {TP_TCP_PSH, 'P'}, {TP_TCP_ACK, '.'}};
    size_t n = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && n + 1 < size; i++)
        if (flags & names[i].bit)
            out[n++] = names[i].c;
    out[n] = '\0';
}

static void capture(struct out *o, const struct tp_timing *t)
{
    if (!t->has_capture)
        return;
    const struct tp_capture_result *c = &t->capture;
    title(o, "On the wire");
    if (c->note != NULL) {
        pr(o, "  note: ");
        esc(o, c->note);
        pr(o, "\n");
    }
    if (!c->used)
        return;
    pr(o, "  interface ");
    esc(o, c->interface);
    pr(o, ", %zu packets, SYN round trip ", c->n_packets);
    if (c->syn_rtt_ms >= 0)
        pr(o, "%.3f ms", c->syn_rtt_ms);
    else
        pr(o, "not seen");
    pr(o, ", %u retransmission%s; payload client %llu B, server %llu B\n", c->retransmissions,
       c->retransmissions == 1 ? "" : "s", (unsigned long long)c->bytes[0],
       (unsigned long long)c->bytes[1]);
    if (c->saved_to != NULL) {
        pr(o, "  saved to ");
        esc(o, c->saved_to);
        pr(o, "\n");
    }
    size_t n = c->n_packets < TEXT_MAX_PACKETS ? c->n_packets : TEXT_MAX_PACKETS;
    for (size_t i = 0; i < n; i++) {
        const struct tp_cap_packet *p = &c->packets[i];
        char fl[8];
        flags_text(p->flags, fl, sizeof fl);
        pr(o, "  %10.3f ms  %s %-5s seq %-8u len %5u%s\n", p->t_ms, arrow(p->dir), fl, p->seq,
           p->len, p->retransmission ? "  retransmission" : "");
    }
    if (c->n_packets > n)
        pr(o, "  ... %zu more (all in --json)\n", c->n_packets - n);
}

tp_status timing_render_text(FILE *f, const struct tp_report *r, bool colour)
{
    const struct tp_timing *t = r->timing;
    if (t == NULL)
        return TP_OK;
    struct out o = {f, colour};
    char head[160];
    snprintf(head, sizeof head, "Timing (%s%s)",
             t->full.version ? vname(t->full.version) : "no handshake",
             t->full.resumed ? ", resumed" : "");
    title(&o, head);
    if (t->full.valid || t->full.dns_ms >= 0)
        timeline(&o, &t->full);
    if (t->repeat > 1) {
        title(&o, "Repeat statistics");
        series(&o, "full", &t->full_stats);
        if (t->has_resumed)
            series(&o, "resumed", &t->resumed_stats);
    }
    resumption(&o, t);
    versions(&o, t);
    projection(&o, t);
    capture(&o, t);
    return ferror(f) ? TP_E_IO : TP_OK;
}

/* ---- --read ---- */

static void code_names(struct out *o, const struct tp_code_list *l, size_t max,
                       const char *(*namer)(uint16_t))
{
    size_t shown = 0;
    for (size_t i = 0; i < l->n && shown < max; i++, shown++) {
        const char *name = namer(l->v[i]);
        pr(o, "%s", i > 0 ? ", " : "");
        if (name != NULL)
            pr(o, "%s", name);
        else
            pr(o, "0x%04X", (unsigned)l->v[i]);
    }
    if (l->total > shown)
        pr(o, "%s+%zu more", shown > 0 ? ", " : "", l->total - shown);
    if (l->total == 0)
        pr(o, "none");
}

static const char *suite_name(uint16_t code)
{
    const struct tp_suite_info *s = tp_suite_by_code(code);
    return s != NULL ? tp_suite_name(s) : NULL;
}

static const char *group_name(uint16_t code)
{
    const struct tp_group_info *g = tp_group_by_code(code);
    return g != NULL ? g->iana_name : NULL;
}

static const char *sig_name(uint16_t code)
{
    const struct tp_sigscheme_info *s = tp_sigscheme_by_code(code);
    return s != NULL ? s->name : NULL;
}

static void offer(struct out *o, const struct tp_audit_hs *h)
{
    if (!h->has_client_hello) {
        pr(o, "  offer:    no ClientHello parsed\n");
        return;
    }
    pr(o, "  offer:    %s hello, legacy version %s", h->ssl2_hello ? "SSL 2.0" : "TLS",
       vname(h->legacy_version));
    if (h->versions.n > 0) {
        pr(o, ", versions ");
        code_names(o, &h->versions, 8, tp_version_name);
    }
    pr(o, "\n  suites:   ");
    code_names(o, &h->suites, TEXT_MAX_SUITES, suite_name);
    if (!h->ssl2_hello) {
        pr(o, "\n  groups:   ");
        code_names(o, &h->groups, 10, group_name);
        pr(o, "; key shares: ");
        code_names(o, &h->key_shares, 4, group_name);
        pr(o, "\n  sigalgs:  ");
        code_names(o, &h->sigalgs, 8, sig_name);
        pr(o, "\n  SNI: ");
        esc(o, h->sni != NULL ? h->sni : "(none)");
        pr(o, "; ALPN: ");
        for (size_t i = 0; i < h->alpn.count; i++) {
            pr(o, "%s", i ? "," : "");
            esc(o, h->alpn.items[i]);
        }
        if (h->alpn.count == 0)
            pr(o, "(none)");
        pr(o, "; %zu extensions\n  JA4:      %s", h->extensions.total, h->ja4);
    }
    pr(o, "\n");
}

static void choice(struct out *o, const struct tp_audit_hs *h)
{
    if (!h->has_server_hello) {
        pr(o, "  server:   no ServerHello%s\n", h->hello_retry ? " (HelloRetryRequest only)" : "");
        return;
    }
    const char *suite = suite_name(h->suite);
    pr(o, "  server:   %s, ", vname(h->version));
    if (suite != NULL)
        pr(o, "%s", suite);
    else
        pr(o, "0x%04X", (unsigned)h->suite);
    if (h->group != 0) {
        const char *g = group_name(h->group);
        pr(o, ", group %s", g != NULL ? g : "?");
    }
    if (h->resumed || h->tl.resumed)
        pr(o, ", resumed");
    pr(o, "\n  chain:    ");
    if (h->certs == NULL) {
        pr(o, "%s\n", h->version == TP_VER_TLS13 ? "encrypted (TLS 1.3)" : "not seen");
        return;
    }
    pr(o, "%zu certificate%s, %llu B", h->certs_total, h->certs_total == 1 ? "" : "s",
       (unsigned long long)h->certificate_bytes);
    for (size_t i = 0; i < h->n_certs; i++) {
        pr(o, "%s", i == 0 ? ": " : "; ");
        esc(o, h->certs[i].subject != NULL ? h->certs[i].subject : "(unparsed)");
    }
    pr(o, "\n");
}

static void audit_hs(struct out *o, size_t index, const struct tp_audit_hs *h)
{
    pr(o, "\n");
    sgr(o, SGR_BOLD);
    pr(o, "Handshake %zu", index + 1);
    sgr(o, SGR_RESET);
    pr(o, ": stream %llu, %s -> %s, at %.3f ms\n", (unsigned long long)h->stream, h->client,
       h->server, h->start_ms);
    offer(o, h);
    choice(o, h);
    if (h->tl.valid) {
        pr(o, "  flights:\n");
        flights(o, &h->tl, "  ");
        if (h->tl.complete)
            pr(o, "  handshake %.3f ms, %u round trip%s\n", h->tl.handshake_ms,
               h->tl.round_trips, h->tl.round_trips == 1 ? "" : "s");
    }
    if (h->note != NULL) {
        pr(o, "  note:     ");
        esc(o, h->note);
        pr(o, "\n");
    }
    if (h->findings.count > 0) {
        pr(o, "  findings: ");
        for (size_t i = 0; i < h->findings.count; i++)
            pr(o, "%s%s", i ? ", " : "", h->findings.items[i]);
        pr(o, "\n");
    }
}

tp_status audit_render_text(FILE *f, const struct tp_report *r, bool colour)
{
    const struct tp_audit *a = r->audit;
    if (a == NULL)
        return TP_OK;
    struct out o = {f, colour};
    sgr(&o, SGR_BOLD);
    pr(&o, "Capture file ");
    esc(&o, a->path);
    sgr(&o, SGR_RESET);
    pr(&o, "\n  %llu packets, %llu TCP streams (%llu TLS), %zu handshake%s\n",
       (unsigned long long)a->packets, (unsigned long long)a->streams,
       (unsigned long long)a->tls_streams, a->n_hs, a->n_hs == 1 ? "" : "s");
    if (a->n_skipped > 0) {
        pr(&o, "  skipped:");
        for (size_t i = 0; i < a->n_skipped; i++)
            pr(&o, " %s %llu", a->skipped[i].reason, (unsigned long long)a->skipped[i].count);
        pr(&o, "\n");
    }
    if (a->error != NULL) {
        sgr(&o, SGR_RED);
        pr(&o, "  damaged file: ");
        sgr(&o, SGR_RESET);
        esc(&o, a->error);
        pr(&o, "; results up to there are reported\n");
    }
    if (a->n_hs == 0)
        pr(&o, "  no TLS handshake found\n");
    for (size_t i = 0; i < a->n_hs; i++)
        audit_hs(&o, i, &a->hs[i]);
    return ferror(f) ? TP_E_IO : TP_OK;
}
