/* text.c: the human report.
 *
 * Prints only what the model holds. Every model string may have come from
 * the peer (names, SANs, ALPN, alert text), so each one is passed through
 * tp_term_escape() before it reaches the terminal: a certificate must not be
 * able to move the cursor, retitle the window or fake a line of the report.
 * ANSI colour is used only when the caller asks for it.
 *
 * The writer (text_util.h) keeps the first error, like stdio's error
 * flag, so the section printers stay linear and render_text() reports it
 * once. */
#include "report/render.h"
#include "report/scan_render.h"
#include "report/serve_render.h"
#include "report/vuln_render.h"
#include "report/timing_render.h"
#include "report/text_util.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wire/registry.h"
#include "util/text.h"
#include "util/banned.h"

#define VALUE_COLUMN 24 /* where values start, whatever the label indent */
#define WRAP_COLUMN 78
#define MAX_LIST_ITEMS 24 /* SAN lists of CDN certificates run into hundreds */

static void coloured_esc(struct text_writer *w, const char *code, const char *s)
{
    tw_sgr(w, code);
    tw_esc(w, s);
    tw_sgr(w, SGR_RESET);
}

static void label(struct text_writer *w, const char *name)
{
    tw_emit(w, "%*s%-*s ", w->indent, "", VALUE_COLUMN - w->indent - 1, name);
}

static void tri_line(struct text_writer *w, const char *name, enum tp_tri value,
                     enum tw_polarity pol)
{
    label(w, name);
    tw_tri(w, value, pol);
    tw_emit(w, "\n");
}

/* The parts of the offer the server aborted on, which the handshake above
 * left out (run/diagnose.c). */
static void offer_left_out(struct text_writer *w, uint32_t parts)
{
    if (parts == 0)
        return;
    label(w, "Left out (aborts)");
    const char *sep = "";
    for (unsigned i = 0; i < TP_OFFER_COUNT; i++) {
        const char *name = (parts & (1u << i)) ? tp_offer_part_name(1u << i) : NULL;
        if (name != NULL) {
            tw_emit(w, "%s%s", sep, name);
            sep = ", ";
        }
    }
    tw_emit(w, "\n");
}

static void str_line(struct text_writer *w, const char *name, const char *value)
{
    label(w, name);
    tw_esc(w, value);
    tw_emit(w, "\n");
}

static const char *severity_colour(enum tp_severity sev)
{
    switch (sev) {
    case TP_SEV_CRITICAL:
        return SGR_BOLD_RED;
    case TP_SEV_HIGH:
        return SGR_RED;
    case TP_SEV_MEDIUM:
        return SGR_YELLOW;
    case TP_SEV_LOW:
        return SGR_CYAN;
    default:
        return SGR_DIM;
    }
}

/* Escaped items joined by ", ", wrapped under the value column and cut
 * after MAX_LIST_ITEMS with a count of the rest. */
static void list_value(struct text_writer *w, const struct tp_strlist *list)
{
    if (list->count == 0) {
        tw_emit(w, "-\n");
        return;
    }
    size_t column = VALUE_COLUMN;
    size_t shown = list->count < MAX_LIST_ITEMS ? list->count : MAX_LIST_ITEMS;
    for (size_t i = 0; i < shown && w->status == TP_OK; i++) {
        char *safe = tp_term_escape(list->items[i]);
        if (safe == NULL) {
            w->status = TP_E_NOMEM;
            return;
        }
        size_t len = strlen(safe);
        if (i > 0) {
            tw_emit(w, ",");
            column++;
            if (column + 1 + len > WRAP_COLUMN) {
                tw_emit(w, "\n%*s", VALUE_COLUMN, "");
                column = VALUE_COLUMN;
            } else {
                tw_emit(w, " ");
                column++;
            }
        }
        tw_emit(w, "%s", safe);
        column += len;
        free(safe);
    }
    if (shown < list->count)
        tw_emit(w, " ... (%zu more)", list->count - shown);
    tw_emit(w, "\n");
}

static void list_line(struct text_writer *w, const char *name, const struct tp_strlist *list)
{
    label(w, name);
    list_value(w, list);
}

static void header(struct text_writer *w, const struct tp_report *r)
{
    const struct tp_target *t = &r->target;
    bool v6 = t->host != NULL && strchr(t->host, ':') != NULL;
    tw_sgr(w, SGR_BOLD);
    tw_emit(w, "%s", v6 ? "[" : "");
    tw_esc(w, t->host);
    tw_emit(w, "%s:%u", v6 ? "]" : "", (unsigned)t->port);
    tw_sgr(w, SGR_RESET);
    if (t->address != NULL) {
        tw_emit(w, "  address ");
        tw_esc(w, t->address);
    }
    tw_emit(w, "  SNI ");
    if (t->sni != NULL)
        tw_esc(w, t->sni);
    else
        tw_emit(w, "(none)");
    if (t->starttls != NULL)
        tw_emit(w, "  STARTTLS %s", t->starttls);
    if (t->dtls)
        tw_emit(w, "  DTLS over UDP");
    tw_emit(w, "\n");
}

/* Shown when connecting took more than one try, so a dead address is seen. */
static void connection(struct text_writer *w, const struct tp_report *r)
{
    bool trouble = r->n_attempts > 1;
    for (size_t i = 0; i < r->n_attempts; i++)
        trouble = trouble || r->attempts[i].result != TP_OK;
    if (!trouble)
        return;
    tw_section(w, "Connection");
    for (size_t i = 0; i < r->n_attempts; i++) {
        const struct tp_attempt *a = &r->attempts[i];
        tw_emit(w, "  ");
        tw_esc(w, a->address);
        tw_emit(w, "  ");
        if (a->result == TP_OK)
            coloured_esc(w, SGR_GREEN, "connected");
        else
            coloured_esc(w, SGR_RED, tp_status_name(a->result));
        if (a->error != NULL) {
            tw_emit(w, " (");
            tw_esc(w, a->error);
            tw_emit(w, ")");
        }
        tw_emit(w, "  %u ms\n", (unsigned)a->elapsed_ms);
    }
}

static void code_suffix(struct text_writer *w, uint16_t code)
{
    if (code != 0)
        tw_emit(w, " (0x%04X)", (unsigned)code);
}

/* --psk-identity/--psk-key: what became of the key (nothing without one). */
static void psk_lines(struct text_writer *w, const struct tp_psk *p)
{
    if (!p->offered)
        return;
    label(w, "PSK identity");
    tw_esc(w, p->identity);
    tw_emit(w, ", used ");
    tw_tri(w, p->used, TW_NEUTRAL);
    if (p->key_exchange != NULL) {
        tw_emit(w, " (");
        tw_esc(w, p->key_exchange);
        tw_emit(w, p->forward_secrecy == TP_TRI_YES ? ", forward secret)"
                                                    : ", no forward secrecy)");
    }
    tw_emit(w, "\n");
    if (p->hint != NULL)
        str_line(w, "PSK identity hint", p->hint);
}

static void handshake(struct text_writer *w, const struct tp_handshake *hs)
{
    if (!hs->completed && hs->version == 0 && hs->cipher_name == NULL)
        return;
    tw_section(w, hs->completed ? "Handshake" : "Handshake (incomplete)");

    label(w, "Protocol");
    const char *version = tp_version_name(hs->version);
    if (version != NULL)
        tw_emit(w, "%s\n", version);
    else if (hs->version != 0)
        tw_emit(w, "unknown (0x%04X)\n", (unsigned)hs->version);
    else
        tw_emit(w, "-\n");

    label(w, "Cipher suite");
    tw_esc(w, hs->cipher_name);
    code_suffix(w, hs->cipher_code);
    tw_emit(w, "\n");

    label(w, "Key exchange");
    tw_esc(w, hs->group);
    code_suffix(w, hs->group_code);
    if (hs->dh_bits != 0)
        tw_emit(w, ", %u-bit DH", hs->dh_bits);
    tw_emit(w, "\n");

    label(w, "Signature");
    tw_esc(w, hs->sig_scheme);
    code_suffix(w, hs->sig_scheme_code);
    tw_emit(w, "\n");

    str_line(w, "ALPN", hs->alpn);
    label(w, "Resumption");
    tw_emit(w, "session ID ");
    tw_tri(w, hs->session_id, TW_NEUTRAL);
    tw_emit(w, ", ticket ");
    tw_tri(w, hs->session_ticket, TW_NEUTRAL);
    tw_emit(w, "\n");
    tri_line(w, "Secure renegotiation", hs->secure_renegotiation, TW_YES_IS_GOOD);
    tri_line(w, "Extended master sec.", hs->extended_master_secret, TW_YES_IS_GOOD);
    tri_line(w, "Encrypt-then-MAC", hs->encrypt_then_mac, TW_NEUTRAL);

    label(w, "OCSP stapled");
    tw_tri(w, hs->ocsp_stapled, TW_NEUTRAL);
    if (hs->ocsp_status != NULL) {
        tw_emit(w, " (");
        bool good = strcmp(hs->ocsp_status, "good") == 0;
        coloured_esc(w, good ? SGR_GREEN : SGR_RED, hs->ocsp_status);
        tw_emit(w, ")");
    }
    tw_emit(w, "\n");

    tri_line(w, "Client cert requested", hs->client_cert_requested, TW_NEUTRAL);
    for (size_t i = 0; i < hs->client_ca_names.count; i++)
        str_line(w, i == 0 ? "  Acceptable CAs" : "", hs->client_ca_names.items[i]);
    if (hs->client_cert_subject != NULL) {
        tri_line(w, "Client cert sent", hs->client_cert_sent, TW_NEUTRAL);
        str_line(w, "  Subject", hs->client_cert_subject);
    }

    psk_lines(w, &hs->psk);

    label(w, "Handshake time");
    if (hs->handshake_us != 0)
        tw_emit(w, "%.1f ms\n", (double)hs->handshake_us / 1000.0);
    else
        tw_emit(w, "-\n");
    offer_left_out(w, hs->intolerance);
}

/* --dtls: the cookie exchange, the datagrams and the amplification of
 * the server's first flight (RFC 9147 Sec. 5.1). */
static void dtls_section(struct text_writer *w, const struct tp_dtls *d)
{
    if (!d->used)
        return;
    tw_section(w, "DTLS");
    label(w, "Cookie exchange");
    tw_tri(w, d->cookie_exchange, TW_YES_IS_GOOD);
    if (d->cookie_exchange == TP_TRI_YES)
        tw_emit(w, " (HelloVerifyRequest, %u-byte cookie%s)", (unsigned)d->cookie_bytes,
                d->hello_verify_requests > 1 ? ", sent more than once" : "");
    tw_emit(w, "\n");
    label(w, "First flight");
    if (d->client_hello_bytes != 0 && d->first_flight_bytes != 0)
        tw_emit(w, "%u B answered %u B of ClientHello: amplification %.2f\n",
                (unsigned)d->first_flight_bytes, (unsigned)d->client_hello_bytes,
                d->amplification);
    else
        tw_emit(w, "-\n");
    if (d->server_flight_max_datagram != 0) {
        label(w, "Server datagrams");
        tw_emit(w, "largest %u B, %s the %u B MTU\n", (unsigned)d->server_flight_max_datagram,
                d->server_flight_within_mtu == TP_TRI_YES ? "within" : "above",
                (unsigned)d->mtu);
    }
    tri_line(w, "DTLS 1.0 accepted", d->dtls10_accepted, TW_NEUTRAL);
    if (d->raw_public_key == TP_TRI_YES) {
        label(w, "Raw public key");
        tw_emit(w, "%s %u bits, SHA-256 %s\n", d->rpk_type, d->rpk_bits, d->rpk_sha256);
    }
    label(w, "Datagrams");
    tw_emit(w, "%u sent, %u received", (unsigned)d->datagrams_sent,
            (unsigned)d->datagrams_received);
    if (d->ignored_datagrams != 0)
        tw_emit(w, " (%u not DTLS, ignored)", (unsigned)d->ignored_datagrams);
    tw_emit(w, "\n");
    label(w, "Retransmissions");
    tw_emit(w, "%u ours, %u the server's (timer %u ms, MTU %u)\n",
            (unsigned)d->retransmissions, (unsigned)d->server_retransmissions,
            (unsigned)d->retrans_timeout_ms, (unsigned)d->mtu);
}

/* "    NAME (0xCODE)  secp256r1  rating [1, 3]": a found suite as
 * --enum's suite tables show one, the reasons as numbered notes. */
static void dtls_suite_line(struct text_writer *w, struct tw_notes *notes, const char *name,
                            uint16_t code, const char *kx, const struct tp_verdict *v)
{
    char head[96];
    snprintf(head, sizeof head, "%s (0x%04X)", name != NULL ? name : "unnamed",
             (unsigned)code);
    tw_emit(w, "    ");
    tw_esc_pad(w, head, 50);
    tw_emit(w, " %-12s ", kx);
    tw_rating(w, v->rating);
    if (v->rating >= TP_RATING_WEAK)
        tw_note_refs(w, notes, v);
    tw_emit(w, "\n");
}

/* A version's line: yes/no, and for one accepted its rating. */
static void dtls_version_line(struct text_writer *w, const char *name, enum tp_tri value,
                              const struct tp_verdict *v)
{
    label(w, name);
    tw_tri(w, value, TW_NEUTRAL);
    if (value == TP_TRI_YES && v->rating != TP_RATING_UNRATED)
        tw_verdict_tail(w, v);
    else
        tw_emit(w, "\n");
}

/* "    NAME (0xCODE)  secp256r1  rating: reasons": a found suite, group
 * or scheme with what it was seen with and its rating. */
static void dtls_item_line(struct text_writer *w, const char *name, uint16_t code,
                           const char *extra, const struct tp_verdict *v)
{
    char head[96];
    snprintf(head, sizeof head, "%s (0x%04X)", name != NULL ? name : "unnamed",
             (unsigned)code);
    tw_emit(w, "    ");
    tw_esc_pad(w, head, 50);
    tw_emit(w, " %-12s", extra != NULL ? extra : "");
    if (v->rating != TP_RATING_UNRATED)
        tw_verdict_tail(w, v);
    else
        tw_emit(w, "\n");
}

/* "secp256r1", "DHE 1024", "RSA": a suite's key exchange as seen. */
static const char *dtls_suite_kx(const struct tp_dtls_enum *e, size_t slot, size_t i,
                                 char *buf, size_t size)
{
    const struct tp_suite_info *info = tp_suite_by_code(e->suites[slot][i]);
    const struct tp_group_info *g = e->suite_kx_group[slot][i] != 0
                                        ? tp_group_by_code(e->suite_kx_group[slot][i])
                                        : NULL;
    if (g != NULL && g->iana_name != NULL)
        snprintf(buf, size, "%s", g->iana_name);
    else if (e->suite_kx_bits[slot][i] != 0)
        snprintf(buf, size, "%s %u", info != NULL && info->kx != NULL ? info->kx : "kx",
                 e->suite_kx_bits[slot][i]);
    else
        snprintf(buf, size, "%s", info != NULL && info->kx != NULL ? info->kx : "-");
    return buf;
}

static const char *search_end(bool complete)
{
    return complete ? "" : " (search incomplete)";
}

/* group_versions bits as "DTLS 1.0+1.2", "DTLS 1.3". */
static const char *dtls_group_versions(uint8_t bits, char *buf, size_t size)
{
    static const char *const names[3] = {"1.0", "1.2", "1.3"};
    size_t used = (size_t)snprintf(buf, size, "DTLS");
    char sep = ' ';
    for (size_t i = 0; i < 3 && used < size; i++)
        if ((bits & (1u << i)) != 0) {
            used += (size_t)snprintf(buf + used, size - used, "%c%s", sep, names[i]);
            sep = '+';
        }
    return buf;
}

static void dtls_groups_lines(struct text_writer *w, const struct tp_dtls_enum *e)
{
    if (!e->groups_searched && !e->ffdhe_searched && !e->groups10_searched &&
        !e->groups13_searched)
        return;
    bool complete = (!e->groups_searched || e->groups_complete == TP_TRI_YES) &&
                    (!e->ffdhe_searched || e->ffdhe_complete == TP_TRI_YES) &&
                    (!e->groups10_searched || e->groups10_complete == TP_TRI_YES) &&
                    (!e->groups13_searched || e->groups13_complete == TP_TRI_YES);
    label(w, "Groups");
    tw_emit(w, "%zu%s\n", e->n_groups, search_end(complete));
    for (size_t i = 0; i < e->n_groups; i++) {
        const struct tp_group_info *g = tp_group_by_code(e->groups[i]);
        char versions[24];
        dtls_item_line(w, g != NULL ? g->iana_name : NULL, e->groups[i],
                       dtls_group_versions(e->group_versions[i], versions, sizeof versions),
                       &e->group_verdicts[i]);
    }
}

/* --dtls --enum: versions, suites by version, groups, signature schemes,
 * connection_id, each rated under the policy as --enum rates TLS. */
static void dtls_enum_section(struct text_writer *w, const struct tp_dtls_enum *e)
{
    static const char *const vnames[TP_DTLS_NVERSIONS] = {"DTLSv1.0", "DTLSv1.2",
                                                          "DTLSv1.3"};
    if (!e->run)
        return;
    tw_section(w, "DTLS enumeration");
    if (e->policy != NULL)
        str_line(w, "Policy", e->policy);
    for (size_t v = 0; v < TP_DTLS_NVERSIONS; v++)
        dtls_version_line(w, vnames[v], e->versions[v], &e->version_verdicts[v]);
    struct tw_notes notes = {.n = 0};
    static const char *const slabels[TP_DTLS_NVERSIONS] = {"DTLSv1.0 suites", "DTLSv1.2 suites",
                                                           "DTLSv1.3 suites"};
    for (size_t slot = 0; slot < TP_DTLS_NVERSIONS; slot++) { /* as versions */
        if (e->n_suites[slot] == 0)
            continue;
        label(w, slabels[slot]);
        tw_emit(w, "%zu%s\n", e->n_suites[slot], search_end(e->complete[slot] == TP_TRI_YES));
        for (size_t i = 0; i < e->n_suites[slot]; i++) {
            const struct tp_suite_info *info = tp_suite_by_code(e->suites[slot][i]);
            char kx[48];
            dtls_suite_line(w, &notes, info != NULL ? tp_suite_name(info) : NULL,
                            e->suites[slot][i], dtls_suite_kx(e, slot, i, kx, sizeof kx),
                            &e->suite_verdicts[slot][i]);
        }
    }
    tw_print_notes(w, &notes);
    dtls_groups_lines(w, e);
    if (e->sigschemes_searched) {
        label(w, "DTLSv1.2 signatures");
        tw_emit(w, "%zu%s\n", e->n_sigschemes,
                search_end(e->sigschemes_complete == TP_TRI_YES));
        for (size_t i = 0; i < e->n_sigschemes; i++) {
            const struct tp_sigscheme_info *info = tp_sigscheme_by_code(e->sigschemes[i]);
            dtls_item_line(w, info != NULL ? info->name : NULL, e->sigschemes[i], NULL,
                           &e->sigscheme_verdicts[i]);
        }
    }
    tri_line(w, "Connection ID", e->connection_id, TW_YES_IS_GOOD);
    label(w, "Probes");
    tw_emit(w, "%u, %u datagrams, %u retries (timer %u ms), %.1f ms\n", (unsigned)e->probes,
            (unsigned)e->datagrams_sent, (unsigned)e->retries, (unsigned)e->retry_timeout_ms,
            (double)e->elapsed_us / 1000.0);
    if (e->why[0] != '\0')
        str_line(w, "Unknown because", e->why);
}

/* --dtls --timing: flights, and the projection onto --link. */
static void dtls_timing_section(struct text_writer *w, const struct tp_dtls_timing *t)
{
    if (!t->run)
        return;
    tw_section(w, "DTLS timing");
    for (size_t i = 0; i < t->n_flights; i++) {
        const struct tp_dtls_flight *f = &t->flights[i];
        tw_emit(w, "  %8.3f ms  %s  ", (double)f->end_us / 1000.0,
                f->from_server ? "<-" : "->");
        tw_esc(w, f->label);
        tw_emit(w, "  %u B in %u datagram%s\n", (unsigned)f->bytes, (unsigned)f->datagrams,
                f->datagrams == 1 ? "" : "s");
    }
    if (!t->projected)
        return;
    label(w, "Projected on");
    tw_esc(w, t->link);
    tw_emit(w, ": %.1f ms (%.1f round trips, %u datagrams)\n", t->total_ms, t->round_trips,
            (unsigned)t->link_datagrams);
    label(w, "  of which");
    tw_emit(w, "set-up %.1f, propagation %.1f, serialisation %.1f, loss %.1f, duty cycle "
               "%.1f, processing %.1f ms\n",
            t->parts_ms[0], t->parts_ms[1], t->parts_ms[2], t->parts_ms[4], t->parts_ms[5],
            t->parts_ms[6]);
    if (t->spurious_retransmissions)
        str_line(w, "  note", "the round trip exceeds the 1 s retransmission timer: flights "
                              "will be sent again before their answers arrive");
    str_line(w, "  model", t->model);
}

static void time_utc(struct text_writer *w, int64_t seconds)
{
    time_t t = (time_t)seconds;
    struct tm tm;
    char buf[64];
    if ((int64_t)t != seconds || gmtime_r(&t, &tm) == NULL ||
        strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
        tw_emit(w, "?");
    else
        tw_emit(w, "%s", buf);
}

static void validity(struct text_writer *w, const struct tp_cert *c, unsigned warn_days)
{
    label(w, "Not before");
    time_utc(w, c->not_before);
    tw_emit(w, "\n");
    label(w, "Not after");
    time_utc(w, c->not_after);
    tw_emit(w, " (");
    if (c->days_left < 0) {
        tw_sgr(w, SGR_RED);
        tw_emit(w, "expired %lld days ago", (long long)-c->days_left);
    } else {
        tw_sgr(w, c->days_left < (int64_t)warn_days ? SGR_YELLOW : SGR_GREEN);
        tw_emit(w, "%lld days left", (long long)c->days_left);
    }
    tw_sgr(w, SGR_RESET);
    tw_emit(w, ")\n");
}

static void public_key(struct text_writer *w, const struct tp_cert *c)
{
    label(w, "Public key");
    tw_esc(w, c->key_type);
    if (c->key_bits != 0)
        tw_emit(w, " %u bits", c->key_bits);
    if (c->curve != NULL) {
        tw_emit(w, ", ");
        tw_esc(w, c->curve);
    }
    tw_emit(w, "\n");
}

static void certificate(struct text_writer *w, const struct tp_cert *c, size_t index,
                        unsigned warn_days)
{
    tw_emit(w, "  ");
    tw_sgr(w, SGR_BOLD);
    tw_emit(w, "#%zu ", index);
    tw_esc(w, c->subject);
    tw_sgr(w, SGR_RESET);
    tw_emit(w, "\n");
    w->indent = 4;
    str_line(w, "Issuer", c->issuer);
    if (c->san.count > 0)
        list_line(w, "Subject alt names", &c->san);
    validity(w, c, warn_days);
    public_key(w, c);
    str_line(w, "Signature", c->sig_alg);
    str_line(w, "Serial", c->serial);
    str_line(w, "SHA-256", c->sha256[0] != '\0' ? c->sha256 : NULL);
    label(w, "CA");
    tw_tri(w, c->is_ca, TW_NEUTRAL);
    if (c->self_signed)
        tw_emit(w, ", self-signed");
    else if (c->self_issued)
        tw_emit(w, ", self-issued");
    tw_emit(w, "\n");
    if (c->key_usage.count > 0)
        list_line(w, "Key usage", &c->key_usage);
    if (c->ext_key_usage.count > 0)
        list_line(w, "Extended key usage", &c->ext_key_usage);
    w->indent = 2;
}

static void chain_certs(struct text_writer *w, const struct tp_chain_view *c,
                        unsigned warn_days)
{
    for (size_t i = 0; i < c->n_certs; i++) {
        if (i > 0)
            tw_emit(w, "\n");
        certificate(w, &c->certs[i], i, warn_days);
    }
}

static void chain(struct text_writer *w, const struct tp_report *r, unsigned warn_days)
{
    if (r->n_certs == 0)
        return;
    char title[64];
    snprintf(title, sizeof title, "Certificate chain (%zu)", r->n_certs);
    tw_section(w, title);
    struct tp_chain_view view = tp_report_chain_view(r);
    chain_certs(w, &view, warn_days);
}

static void verification_lines(struct text_writer *w, const struct tp_verification *v)
{
    str_line(w, "Trust store", v->trust_store);
    tri_line(w, "Trusted", v->trusted, TW_YES_IS_GOOD);
    tri_line(w, "Host name matches", v->hostname_match, TW_YES_IS_GOOD);
    tri_line(w, "Chain complete", v->chain_complete, TW_YES_IS_GOOD);
    tri_line(w, "Chain in order", v->chain_ordered, TW_YES_IS_GOOD);
    for (size_t i = 0; i < v->n_errors; i++) {
        label(w, i == 0 ? "Errors" : "");
        coloured_esc(w, SGR_RED, v->errors[i].code);
        if (v->errors[i].message != NULL) {
            tw_emit(w, ": ");
            tw_esc(w, v->errors[i].message);
        }
        tw_emit(w, "\n");
    }
}

static void verification(struct text_writer *w, const struct tp_report *r)
{
    const struct tp_verification *v = &r->verification;
    if (!r->handshake.completed && r->n_certs == 0 && v->n_errors == 0)
        return;
    tw_section(w, "Verification");
    verification_lines(w, v);
}

/* The server's other chains (one per key type), each with its own
 * verification, after the negotiated one's. */
static void other_chains(struct text_writer *w, const struct tp_report *r, unsigned warn_days)
{
    for (size_t i = 0; i < r->n_other_chains; i++) {
        const struct tp_other_chain *oc = &r->other_chains[i];
        struct tp_chain_view view = tp_other_chain_view(oc);
        char title[96];
        /* key_type is our family name or GnuTLS's key name, never a peer's
         * string. */
        snprintf(title, sizeof title, "Other certificate chain: %.32s (%zu)",
                 oc->key_type != NULL ? oc->key_type : "?", oc->n_certs);
        tw_section(w, title);
        str_line(w, "Selected by", oc->selected_by);
        tw_emit(w, "\n");
        chain_certs(w, &view, warn_days);
        tw_emit(w, "\n");
        tw_emit(w, "  ");
        tw_sgr(w, SGR_BOLD);
        tw_emit(w, "Verification");
        tw_sgr(w, SGR_RESET);
        tw_emit(w, "\n");
        w->indent = 4;
        verification_lines(w, &oc->verification);
        w->indent = 2;
    }
}

static void finding(struct text_writer *w, const struct tp_finding *f)
{
    const char *name = tp_severity_name(f->severity);
    tw_emit(w, "  ");
    tw_sgr(w, severity_colour(f->severity));
    tw_emit(w, "%-10s", name);
    tw_sgr(w, SGR_RESET);
    tw_esc(w, f->message);
    tw_emit(w, " [");
    tw_esc(w, f->id);
    tw_emit(w, "]\n");
    if (f->reference != NULL && f->reference[0] != '\0') {
        tw_emit(w, "  %-10s", "");
        tw_sgr(w, SGR_DIM);
        tw_emit(w, "see ");
        tw_esc(w, f->reference);
        tw_sgr(w, SGR_RESET);
        tw_emit(w, "\n");
    }
}

static void findings(struct text_writer *w, const struct tp_report *r)
{
    if (!r->handshake.completed && r->n_findings == 0)
        return;
    tw_section(w, "Findings");
    if (r->n_findings == 0)
        tw_emit(w, "  none\n");
    for (size_t i = 0; i < r->n_findings; i++)
        finding(w, &r->findings[i]);
}

static void failure(struct text_writer *w, const struct tp_failure *f)
{
    if (f->stage == TP_STAGE_NONE)
        return;
    tw_emit(w, "\n");
    tw_sgr(w, f->tolerated ? SGR_BOLD : SGR_BOLD_RED);
    /* Tolerated: the report's handshake failed, and the run still
     * completed (--enum found the server's versions, or the server only
     * wanted a client certificate). */
    tw_emit(w, f->tolerated ? "Handshake not completed, report completed" : "FAILED");
    tw_sgr(w, SGR_RESET);
    tw_emit(w, " at %s (%s): ", tp_stage_name(f->stage), tp_status_name(f->status));
    tw_esc(w, f->message);
    if (f->alert >= 0) {
        tw_emit(w, " [alert %d", f->alert);
        if (f->alert_name != NULL) {
            tw_emit(w, " ");
            tw_esc(w, f->alert_name);
        }
        tw_emit(w, "]");
    }
    tw_emit(w, "\n");
}

static void footer(struct text_writer *w, const struct tp_report *r)
{
    tw_emit(w, "\n");
    tw_sgr(w, SGR_DIM);
    tw_emit(w, "Done in %.1f ms", (double)r->elapsed_us / 1000.0);
    tw_sgr(w, SGR_RESET);
    tw_emit(w, "\n");
}

tp_status render_text(FILE *out, const struct tp_report *report, const struct tp_config *cfg,
                      bool colour)
{
    unsigned warn_days = cfg != NULL ? cfg->warn_days : TP_DEFAULT_WARN_DAYS;
    struct text_writer w = {.out = out, .colour = colour, .indent = 2, .status = TP_OK};
    if (report->audit != NULL) {
        /* --read: the capture file's handshakes replace the probe's. */
        w.status = audit_render_text(out, report, colour);
    } else if (report->serve != NULL) {
        /* --serve: the client tests replace the probe's handshake. */
        w.status = serve_render_text(out, report, colour);
    } else {
        header(&w, report);
        connection(&w, report);
        handshake(&w, &report->handshake);
        dtls_section(&w, &report->dtls);
        dtls_enum_section(&w, &report->dtls.scan);
        dtls_timing_section(&w, &report->dtls.timing);
        chain(&w, report, warn_days);
        verification(&w, report);
        other_chains(&w, report, warn_days);
    }
    if (w.status == TP_OK)
        w.status = scan_render_text(out, report->scan, colour);
    if (w.status == TP_OK)
        w.status = vuln_render_text(out, report->vulns, colour);
    if (w.status == TP_OK)
        w.status = timing_render_text(out, report, colour);
    findings(&w, report);
    failure(&w, &report->failure);
    footer(&w, report);
    return tw_status(&w);
}
