/* timing_text.c: --timing and --read for people (see timing_render.h). */
#include "report/timing_render.h"
#include "report/text_util.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "capture/packet.h"
#include "report/timing_model.h"
#include "timing/projection.h"
#include "wire/registry.h"
#include "util/banned.h"

/* Packets listed in the text report; JSON has them all. */
#define TEXT_MAX_PACKETS 60u
/* Suites listed per offer in the text report. */
#define TEXT_MAX_SUITES 12u

static const char *arrow(enum tp_dir dir)
{
    return dir == TP_DIR_C2S ? "->" : "<-";
}

static const char *vname(uint16_t v)
{
    const char *n = tp_version_name(v);
    return n != NULL ? n : "unknown version";
}

/* Right-aligned decimal digits of v in width (as "%*llu"), at p. */
static char *put_uint(char *p, int width, unsigned long long v)
{
    char digits[24];
    int n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    for (int pad = width - n; pad > 0; pad--)
        *p++ = ' ';
    while (n > 0)
        *p++ = digits[--n];
    return p;
}

/* "%*.3f" of v, rounded as printf rounds (to nearest, ties to even, on
 * the exact binary value), without printf: --read prints a few per
 * handshake, and formatting them was a tenth of its text output. In long
 * double, v * 1000 is exact (53 significant bits times 10 fit in 64), so
 * its fraction decides the rounding exactly; elsewhere, printf. */
static void fixed3(struct text_writer *o, int width, double v)
{
#if LDBL_MANT_DIG >= 64
    if (v > -1e15 && v < 1e15) {
        long double x = (long double)fabs(v) * 1000.0L;
        unsigned long long q = (unsigned long long)x;
        long double frac = x - (long double)q;
        if (frac > 0.5L || (frac == 0.5L && (q & 1)))
            q++;
        bool minus = signbit(v);
        char whole[24], text[48], *p = text;
        size_t n_whole = (size_t)(put_uint(whole, 0, q / 1000) - whole);
        for (int pad = width - (int)n_whole - 4 - minus; pad > 0; pad--)
            *p++ = ' ';
        if (minus)
            *p++ = '-';
        memcpy(p, whole, n_whole);
        p += n_whole;
        unsigned frac3 = (unsigned)(q % 1000);
        *p++ = '.';
        *p++ = (char)('0' + frac3 / 100);
        *p++ = (char)('0' + frac3 / 10 % 10);
        *p++ = (char)('0' + frac3 % 10);
        *p = '\0';
        tw_put(o, text);
        return;
    }
#endif
    tw_emit(o, "%*.3f", width, v);
}

static void flights(struct text_writer *o, const struct tp_timeline *tl, const char *indent)
{
    for (size_t i = 0; i < tl->n_flights; i++) {
        const struct tp_tl_flight *f = &tl->flights[i];
        if (f->post_handshake)
            tw_sgr(o, SGR_DIM);
        /* "%s%10.3f ms  %s %-32s %7llu B %3u rec" */
        tw_put(o, indent);
        fixed3(o, 10, f->start_ms);
        char line[TP_TL_LABEL_MAX + 80], *p = line;
        size_t label = strnlen(f->label, TP_TL_LABEL_MAX);
        memcpy(p, " ms  ", 5);
        memcpy(p + 5, arrow(f->dir), 2);
        p[7] = ' ';
        p += 8;
        memcpy(p, f->label, label);
        p += label;
        for (size_t pad = label; pad < 32; pad++)
            *p++ = ' ';
        *p++ = ' ';
        p = put_uint(p, 7, f->bytes);
        memcpy(p, " B ", 3);
        p = put_uint(p + 3, 3, f->records);
        memcpy(p, " rec", 5);
        tw_put(o, line);
        if (f->end_ms - f->start_ms >= 0.001) {
            tw_put(o, "  (until ");
            fixed3(o, 0, f->end_ms);
            tw_put(o, " ms)");
        }
        if (f->post_handshake)
            tw_emit(o, "  after the handshake");
        if (i == tl->cert_flight && tl->certificate_bytes > 0)
            tw_emit(o, "  [chain %llu B%s]", (unsigned long long)tl->certificate_bytes,
                    tl->certificate_estimated ? ", est." : "");
        if (f->post_handshake)
            tw_sgr(o, SGR_RESET);
        tw_emit(o, "\n");
    }
}

static void timeline(struct text_writer *o, const struct tp_timeline *tl)
{
    if (tl->dns_ms >= 0)
        tw_emit(o, "  %10.3f ms  DNS %.3f ms\n", 0.0, tl->dns_ms);
    if (tl->connect_ms >= 0)
        tw_emit(o, "  %10.3f ms  TCP connect %.3f ms\n", tl->dns_ms > 0 ? tl->dns_ms : 0.0,
                tl->connect_ms);
    if (tl->starttls_ms >= 0)
        tw_emit(o, "  %10.3f ms  STARTTLS dialogue %.3f ms\n",
                (tl->dns_ms > 0 ? tl->dns_ms : 0.0) + (tl->connect_ms > 0 ? tl->connect_ms : 0.0),
                tl->starttls_ms);
    flights(o, tl, "  ");
    if (tl->complete)
        tw_emit(o, "  handshake %.3f ms, %u round trip%s", tl->handshake_ms, tl->round_trips,
                tl->round_trips == 1 ? "" : "s");
    else
        tw_emit(o, "  handshake incomplete");
    tw_emit(o, "; bytes: client %llu, server %llu", (unsigned long long)tl->bytes[0],
            (unsigned long long)tl->bytes[1]);
    if (tl->certificate_bytes > 0)
        tw_emit(o, "; certificate chain %llu B%s, %.0f %% of bytes",
                (unsigned long long)tl->certificate_bytes,
                tl->certificate_estimated ? " (from the DER sizes)" : "",
                tl->certificate_share * 100.0);
    tw_emit(o, "\n");
}

static void stats_row(struct text_writer *o, const char *name, const struct tp_phase_stats *p)
{
    if (p->n == 0)
        return;
    tw_emit(o, "    %-14s %10.3f %10.3f %10.3f %10.3f\n", name, p->min_ms, p->median_ms, p->p95_ms,
            p->max_ms);
}

static void series(struct text_writer *o, const char *what, const struct tp_series *s)
{
    tw_emit(o, "  %s: %u run%s, %u failed", what, s->runs, s->runs == 1 ? "" : "s", s->failures);
    if (strcmp(what, "resumed") == 0)
        tw_emit(o, ", %u resumed", s->resumed);
    tw_emit(o, "\n    %-14s %10s %10s %10s %10s   (ms)\n", "phase", "min", "median", "p95", "max");
    for (int i = 0; i < TP_PHASE_COUNT; i++)
        stats_row(o, tp_phase_name((enum tp_phase)i), &s->phase[i]);
    if (s->bytes.n > 0)
        tw_emit(o, "    %-14s %10.0f %10.0f %10.0f %10.0f   (bytes)\n", "bytes", s->bytes.min_ms,
                s->bytes.median_ms, s->bytes.p95_ms, s->bytes.max_ms);
}

static void resumption(struct text_writer *o, const struct tp_timing *t)
{
    if (!t->has_resumed)
        return;
    tw_section(o, "Resumption");
    if (!t->resume_offered) {
        tw_emit(o, "  the server left nothing to resume (no session ID or ticket)\n");
        return;
    }
    if (!t->resumed.valid) {
        tw_emit(o, "  the resumed handshake failed\n");
        return;
    }
    uint64_t full = t->full.bytes[0] + t->full.bytes[1];
    uint64_t res = t->resumed.bytes[0] + t->resumed.bytes[1];
    tw_emit(o, "  resumed: %s",
            t->resume_accepted ? "yes" : "no (the server ran a full handshake)");
    tw_emit(o, "; %.3f ms vs %.3f ms full; %llu B vs %llu B", t->resumed.handshake_ms,
            t->full.handshake_ms, (unsigned long long)res, (unsigned long long)full);
    if (full > 0 && res < full)
        tw_emit(o, " (saves %llu B, %.0f %%)", (unsigned long long)(full - res),
                100.0 * (double)(full - res) / (double)full);
    tw_emit(o, "\n");
    timeline(o, &t->resumed);
}

static void versions(struct text_writer *o, const struct tp_timing *t)
{
    if (!t->versions[0].attempted && !t->versions[1].attempted)
        return;
    tw_section(o, "TLS 1.2 against TLS 1.3");
    for (size_t i = 0; i < 2; i++) {
        const struct tp_version_run *v = &t->versions[i];
        if (!v->attempted)
            continue;
        if (!v->ok) {
            tw_emit(o, "  %-8s not offered by the server: ", vname(v->version));
            tw_esc(o, v->error);
            tw_emit(o, "\n");
            continue;
        }
        tw_emit(o, "  %-8s %u round trip%s, %.3f ms, %llu B\n", vname(v->version),
                v->tl.round_trips, v->tl.round_trips == 1 ? "" : "s", v->tl.handshake_ms,
                (unsigned long long)(v->tl.bytes[0] + v->tl.bytes[1]));
    }
}

static void projection(struct text_writer *o, const struct tp_timing *t)
{
    if (!t->has_projection)
        return;
    const struct tp_link *l = &t->link;
    const struct tp_projection *p = &t->projection;
    char head[300];
    snprintf(head, sizeof head, "Projection onto %s", l->name);
    tw_section(o, head);
    tw_emit(o, "  %s: down %.4g kbit/s, up %.4g kbit/s, RTT %u ms, set-up %u ms", l->description,
            l->dl_bps / 1000.0, l->ul_bps / 1000.0, l->rtt_ms, l->setup_ms);
    if (l->mtu)
        tw_emit(o, ", MTU %u", l->mtu);
    if (l->frame_payload)
        tw_emit(o, ", frames of %u B", l->frame_payload);
    tw_emit(o, ", loss %.2g %%%s\n", l->loss * 100.0, l->half_duplex ? ", half duplex" : "");
    if (!p->practical) {
        tw_sgr(o, SGR_RED);
        tw_emit(o, "  impractical: ");
        tw_sgr(o, SGR_RESET);
        tw_emit(o, "%s\n", p->why);
    }
    for (size_t i = 0; i < p->n_flights; i++) {
        const struct tp_proj_flight *f = &p->flights[i];
        tw_emit(o, "  %12.0f ms  %s %-32s %7u B %4u pkt  arrives %.0f ms\n", f->start_ms,
                arrow(f->dir), f->label, f->bytes, f->packets, f->end_ms);
    }
    /* The total is when the client may send data (projection.h). */
    tw_emit(o, "  total %.0f ms, %.3g round trips, until the client may send data (measured here: "
            "%.3f ms)", p->total_ms, p->round_trips, t->full.handshake_ms);
    if (p->false_start_total_ms < p->total_ms - 0.5)
        tw_emit(o, "\n  assumes no TLS False Start (RFC 7918); with it %.0f ms, %.3g round trips",
                p->false_start_total_ms, p->false_start_round_trips);
    if (t->has_projection_resumed)
        tw_emit(o, "\n  resumed %.0f ms, %.3g round trips", t->projection_resumed.total_ms,
                t->projection_resumed.round_trips);
    tw_emit(o, "\n  breakdown:");
    for (int i = 0; i < TP_PART_COUNT; i++)
        if (p->parts_ms[i] > 0)
            tw_emit(o, " %s %.0f ms", tp_proj_part_name((enum tp_proj_part)i), p->parts_ms[i]);
    if (t->has_projection_resumed) {
        tw_emit(o, "\n  resumed breakdown:");
        for (int i = 0; i < TP_PART_COUNT; i++)
            if (t->projection_resumed.parts_ms[i] > 0)
                tw_emit(o, " %s %.0f ms", tp_proj_part_name((enum tp_proj_part)i),
                        t->projection_resumed.parts_ms[i]);
    }
    tw_emit(o, "\n  what dominates: %s\n", t->dominant);
    if (!t->has_whatif)
        return;
    tw_emit(o, "  what would shrink it:\n");
    for (size_t i = 0; i < TP_SUGGEST_COUNT; i++) {
        const struct tp_suggestion *s = &t->whatif.items[i];
        if (s->applicable)
            tw_emit(o, "    %-20s saves %8.0f ms, %6lld B  (%s)\n", s->name, s->saving_ms,
                    (long long)s->saving_bytes, s->assumption);
        else
            tw_emit(o, "    %-20s n/a: %s\n", s->name, s->assumption);
    }
    tw_emit(o, "  model: see tlsprobe-json(5) \"projection.model\"\n");
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

static void capture(struct text_writer *o, const struct tp_timing *t)
{
    if (!t->has_capture)
        return;
    const struct tp_capture_result *c = &t->capture;
    tw_section(o, "On the wire");
    if (c->note != NULL) {
        tw_emit(o, "  note: ");
        tw_esc(o, c->note);
        tw_emit(o, "\n");
    }
    if (!c->used)
        return;
    tw_emit(o, "  interface ");
    tw_esc(o, c->interface);
    tw_emit(o, ", %zu packets, SYN round trip ", c->n_packets);
    if (c->syn_rtt_ms >= 0)
        tw_emit(o, "%.3f ms", c->syn_rtt_ms);
    else
        tw_emit(o, "not seen");
    tw_emit(o, ", %u retransmission%s; payload client %llu B, server %llu B\n", c->retransmissions,
            c->retransmissions == 1 ? "" : "s", (unsigned long long)c->bytes[0],
            (unsigned long long)c->bytes[1]);
    if (c->saved_to != NULL) {
        tw_emit(o, "  saved to ");
        tw_esc(o, c->saved_to);
        tw_emit(o, "\n");
    }
    size_t n = c->n_packets < TEXT_MAX_PACKETS ? c->n_packets : TEXT_MAX_PACKETS;
    for (size_t i = 0; i < n; i++) {
        const struct tp_cap_packet *p = &c->packets[i];
        char fl[8];
        flags_text(p->flags, fl, sizeof fl);
        tw_emit(o, "  %10.3f ms  %s %-5s seq %-8u len %5u%s\n", p->t_ms, arrow(p->dir), fl, p->seq,
                p->len, p->retransmission ? "  retransmission" : "");
    }
    if (c->n_packets > n)
        tw_emit(o, "  ... %zu more (all in --json)\n", c->n_packets - n);
}

tp_status timing_render_text(FILE *f, const struct tp_report *r, bool colour)
{
    const struct tp_timing *t = r->timing;
    if (t == NULL)
        return TP_OK;
    struct text_writer o = {.out = f, .colour = colour, .status = TP_OK};
    char head[160];
    snprintf(head, sizeof head, "Timing (%s%s)",
             t->full.version ? vname(t->full.version) : "no handshake",
             t->full.resumed ? ", resumed" : "");
    tw_section(&o, head);
    if (t->full.valid || t->full.dns_ms >= 0)
        timeline(&o, &t->full);
    if (t->repeat > 1) {
        tw_section(&o, "Repeat statistics");
        series(&o, "full", &t->full_stats);
        if (t->has_resumed)
            series(&o, "resumed", &t->resumed_stats);
    }
    resumption(&o, t);
    versions(&o, t);
    projection(&o, t);
    capture(&o, t);
    return tw_status(&o);
}

/* ---- --read ---- */

static void code_names(struct text_writer *o, const struct tp_code_list *l, size_t max,
                       const char *(*namer)(uint16_t))
{
    size_t shown = 0;
    for (size_t i = 0; i < l->n && shown < max; i++, shown++) {
        const char *name = namer(l->v[i]);
        if (i > 0)
            tw_put(o, ", ");
        if (name != NULL)
            tw_put(o, name);
        else
            tw_emit(o, "0x%04X", (unsigned)l->v[i]);
    }
    if (l->total > shown)
        tw_emit(o, "%s+%zu more", shown > 0 ? ", " : "", l->total - shown);
    if (l->total == 0)
        tw_put(o, "none");
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

static void offer(struct text_writer *o, const struct tp_audit_hs *h)
{
    if (!h->has_client_hello) {
        tw_emit(o, "  offer:    no ClientHello parsed\n");
        return;
    }
    tw_emit(o, "  offer:    %s hello, legacy version %s", h->ssl2_hello ? "SSL 2.0" : "TLS",
            vname(h->legacy_version));
    if (h->versions.n > 0) {
        tw_emit(o, ", versions ");
        code_names(o, &h->versions, 8, tp_version_name);
    }
    tw_put(o, "\n  suites:   ");
    code_names(o, &h->suites, TEXT_MAX_SUITES, suite_name);
    if (!h->ssl2_hello) {
        tw_put(o, "\n  groups:   ");
        code_names(o, &h->groups, 10, group_name);
        tw_put(o, "; key shares: ");
        code_names(o, &h->key_shares, 4, group_name);
        tw_put(o, "\n  sigalgs:  ");
        code_names(o, &h->sigalgs, 8, sig_name);
        tw_put(o, "\n  SNI: ");
        tw_esc(o, h->sni != NULL ? h->sni : "(none)");
        tw_put(o, "; ALPN: ");
        for (size_t i = 0; i < h->alpn.count; i++) {
            if (i > 0)
                tw_put(o, ",");
            tw_esc(o, h->alpn.items[i]);
        }
        if (h->alpn.count == 0)
            tw_put(o, "(none)");
        tw_emit(o, "; %zu extensions\n  JA4:      %s", h->extensions.total, h->ja4);
    }
    tw_emit(o, "\n");
}

static void choice(struct text_writer *o, const struct tp_audit_hs *h)
{
    if (!h->has_server_hello) {
        tw_emit(o, "  server:   no ServerHello%s\n",
                h->hello_retry ? " (HelloRetryRequest only)" : "");
        return;
    }
    const char *suite = suite_name(h->suite);
    tw_emit(o, "  server:   %s, ", vname(h->version));
    if (suite != NULL)
        tw_put(o, suite);
    else
        tw_emit(o, "0x%04X", (unsigned)h->suite);
    if (h->group != 0) {
        const char *g = group_name(h->group);
        tw_emit(o, ", group %s", g != NULL ? g : "?");
    }
    if (h->resumed || h->tl.resumed)
        tw_emit(o, ", resumed");
    tw_emit(o, "\n  chain:    ");
    if (h->certs == NULL) {
        tw_emit(o, "%s\n", h->version == TP_VER_TLS13 ? "encrypted (TLS 1.3)" : "not seen");
        return;
    }
    tw_emit(o, "%zu certificate%s, %llu B", h->certs_total, h->certs_total == 1 ? "" : "s",
            (unsigned long long)h->certificate_bytes);
    for (size_t i = 0; i < h->n_certs; i++) {
        tw_put(o, i == 0 ? ": " : "; ");
        tw_esc(o, h->certs[i].subject != NULL ? h->certs[i].subject : "(unparsed)");
    }
    tw_put(o, "\n");
}

static void audit_hs(struct text_writer *o, size_t index, const struct tp_audit_hs *h)
{
    tw_emit(o, "\n");
    tw_sgr(o, SGR_BOLD);
    tw_emit(o, "Handshake %zu", index + 1);
    tw_sgr(o, SGR_RESET);
    tw_emit(o, ": stream %llu, %s -> %s, at %.3f ms\n", (unsigned long long)h->stream, h->client,
            h->server, h->start_ms);
    offer(o, h);
    choice(o, h);
    if (h->tl.valid) {
        tw_emit(o, "  flights:\n");
        flights(o, &h->tl, "  ");
        if (h->tl.complete)
            tw_emit(o, "  handshake %.3f ms, %u round trip%s\n", h->tl.handshake_ms,
                    h->tl.round_trips, h->tl.round_trips == 1 ? "" : "s");
    }
    if (h->note != NULL) {
        tw_emit(o, "  note:     ");
        tw_esc(o, h->note);
        tw_emit(o, "\n");
    }
    if (h->findings.count > 0) {
        tw_emit(o, "  findings: ");
        for (size_t i = 0; i < h->findings.count; i++)
            tw_emit(o, "%s%s", i ? ", " : "", h->findings.items[i]);
        tw_emit(o, "\n");
    }
}

tp_status audit_render_text_offer(FILE *f, const struct tp_audit_hs *h, bool colour)
{
    struct text_writer o = {.out = f, .colour = colour, .status = TP_OK};
    offer(&o, h);
    return tw_status(&o);
}

tp_status audit_render_text_head(FILE *f, const struct tp_audit *a, bool colour)
{
    struct text_writer o = {.out = f, .colour = colour, .status = TP_OK};
    tw_sgr(&o, SGR_BOLD);
    tw_emit(&o, "Capture file ");
    tw_esc(&o, a->path);
    tw_sgr(&o, SGR_RESET);
    tw_emit(&o, "\n");
    return tw_status(&o);
}

tp_status audit_render_text_handshake(FILE *f, size_t index, const struct tp_audit_hs *h,
                                      bool colour)
{
    struct text_writer o = {.out = f, .colour = colour, .status = TP_OK};
    audit_hs(&o, index, h);
    return tw_status(&o);
}

tp_status audit_render_text(FILE *f, const struct tp_report *r, bool colour)
{
    const struct tp_audit *a = r->audit;
    if (a == NULL)
        return TP_OK;
    struct text_writer o = {.out = f, .colour = colour, .status = TP_OK};
    tw_section(&o, "Capture file totals");
    tw_emit(&o, "  %llu packets, %llu TCP streams (%llu TLS), %zu handshake%s\n",
            (unsigned long long)a->packets, (unsigned long long)a->streams,
            (unsigned long long)a->tls_streams, a->n_hs, a->n_hs == 1 ? "" : "s");
    if (a->n_skipped > 0) {
        tw_emit(&o, "  skipped:");
        for (size_t i = 0; i < a->n_skipped; i++)
            tw_emit(&o, " %s %llu", a->skipped[i].reason, (unsigned long long)a->skipped[i].count);
        tw_emit(&o, "\n");
    }
    if (a->error != NULL) {
        tw_sgr(&o, SGR_RED);
        tw_emit(&o, "  damaged file: ");
        tw_sgr(&o, SGR_RESET);
        tw_esc(&o, a->error);
        tw_emit(&o, "; results up to there are reported\n");
    }
    if (a->n_hs == 0)
        tw_emit(&o, "  no TLS handshake found\n");
    return tw_status(&o);
}
