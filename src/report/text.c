/* text.c: the human report.
 *
 * Prints only what the model holds. Every model string may have come from
 * the peer (names, SANs, ALPN, alert text), so each one is passed through
 * tp_term_escape() before it reaches the terminal: a certificate must not be
 * able to move the cursor, retitle the window or fake a line of the report.
 * ANSI colour is used only when the caller asks for it.
 *
 * The writer keeps the first error (like stdio's error flag), so the
 * section printers stay linear and render_text() reports it once. */
#include "report/render.h"
#include "report/scan_render.h"
#include "report/timing_render.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wire/registry.h"
#include "util/text.h"
#include "util/banned.h"

#define VALUE_COLUMN 24 /* where values start, whatever the label indent */
#define WRAP_COLUMN 78
#define MAX_LIST_ITEMS 24 /* SAN lists of CDN certificates run into hundreds */

#define SGR_RESET "\x1b[0m"
#define SGR_BOLD "\x1b[1m"
#define SGR_DIM "\x1b[2m"
#define SGR_RED "\x1b[31m"
#define SGR_BOLD_RED "\x1b[1;31m"
#define SGR_GREEN "\x1b[32m"
#define SGR_YELLOW "\x1b[33m"
#define SGR_CYAN "\x1b[36m"

struct writer {
    FILE *out;
    bool colour;
    unsigned warn_days;
    int indent; /* of labels: 2, or 4 inside a certificate */
    tp_status status;
};

/* Whether "yes" is good news (trusted, secure renegotiation) or just a
 * fact (a session ticket was issued). */
enum polarity { NEUTRAL, YES_IS_GOOD };

static void emit(struct writer *w, const char *fmt, ...) TP_PRINTF(2, 3);

static void emit(struct writer *w, const char *fmt, ...)
{
    if (w->status != TP_OK)
        return;
    va_list ap;
    va_start(ap, fmt);
    if (vfprintf(w->out, fmt, ap) < 0)
        w->status = TP_E_IO;
    va_end(ap);
}

static void sgr(struct writer *w, const char *code)
{
    if (w->colour)
        emit(w, "%s", code);
}

/* A model string, escaped for the terminal; absent ones print as "-". */
static void esc(struct writer *w, const char *s)
{
    if (w->status != TP_OK)
        return;
    if (s == NULL) {
        emit(w, "-");
        return;
    }
    char *safe = tp_term_escape(s);
    if (safe == NULL) {
        w->status = TP_E_NOMEM;
        return;
    }
    emit(w, "%s", safe);
    free(safe);
}

static void coloured_esc(struct writer *w, const char *code, const char *s)
{
    sgr(w, code);
    esc(w, s);
    sgr(w, SGR_RESET);
}

static void section(struct writer *w, const char *title)
{
    emit(w, "\n");
    sgr(w, SGR_BOLD);
    emit(w, "%s", title);
    sgr(w, SGR_RESET);
    emit(w, "\n");
}

static void label(struct writer *w, const char *name)
{
    emit(w, "%*s%-*s ", w->indent, "", VALUE_COLUMN - w->indent - 1, name);
}

static void tri(struct writer *w, enum tp_tri value, enum polarity pol)
{
    const char *colour = NULL;
    if (value == TP_TRI_UNKNOWN)
        colour = SGR_DIM;
    else if (pol == YES_IS_GOOD)
        colour = value == TP_TRI_YES ? SGR_GREEN : SGR_RED;
    if (colour != NULL)
        sgr(w, colour);
    emit(w, "%s", tp_tri_name(value));
    if (colour != NULL)
        sgr(w, SGR_RESET);
}

static void tri_line(struct writer *w, const char *name, enum tp_tri value, enum polarity pol)
{
    label(w, name);
    tri(w, value, pol);
    emit(w, "\n");
}

static void str_line(struct writer *w, const char *name, const char *value)
{
    label(w, name);
    esc(w, value);
    emit(w, "\n");
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
static void list_value(struct writer *w, const struct tp_strlist *list)
{
    if (list->count == 0) {
        emit(w, "-\n");
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
            emit(w, ",");
            column++;
            if (column + 1 + len > WRAP_COLUMN) {
                emit(w, "\n%*s", VALUE_COLUMN, "");
                column = VALUE_COLUMN;
            } else {
                emit(w, " ");
                column++;
            }
        }
        emit(w, "%s", safe);
        column += len;
        free(safe);
    }
    if (shown < list->count)
        emit(w, " ... (%zu more)", list->count - shown);
    emit(w, "\n");
}

static void list_line(struct writer *w, const char *name, const struct tp_strlist *list)
{
    label(w, name);
    list_value(w, list);
}

static void header(struct writer *w, const struct tp_report *r)
{
    const struct tp_target *t = &r->target;
    bool v6 = t->host != NULL && strchr(t->host, ':') != NULL;
    sgr(w, SGR_BOLD);
    emit(w, "%s", v6 ? "[" : "");
    esc(w, t->host);
    emit(w, "%s:%u", v6 ? "]" : "", (unsigned)t->port);
    sgr(w, SGR_RESET);
    if (t->address != NULL) {
        emit(w, "  address ");
        esc(w, t->address);
    }
    emit(w, "  SNI ");
    if (t->sni != NULL)
        esc(w, t->sni);
    else
        emit(w, "(none)");
    emit(w, "\n");
}

/* Shown when connecting took more than one try, so a dead address is seen. */
static void connection(struct writer *w, const struct tp_report *r)
{
    bool trouble = r->n_attempts > 1;
    for (size_t i = 0; i < r->n_attempts; i++)
        trouble = trouble || r->attempts[i].result != TP_OK;
    if (!trouble)
        return;
    section(w, "Connection");
    for (size_t i = 0; i < r->n_attempts; i++) {
        const struct tp_attempt *a = &r->attempts[i];
        emit(w, "  ");
        esc(w, a->address);
        emit(w, "  ");
        if (a->result == TP_OK)
            coloured_esc(w, SGR_GREEN, "connected");
        else
            coloured_esc(w, SGR_RED, tp_status_name(a->result));
        if (a->error != NULL) {
            emit(w, " (");
            esc(w, a->error);
            emit(w, ")");
        }
        emit(w, "  %u ms\n", (unsigned)a->elapsed_ms);
    }
}

static void code_suffix(struct writer *w, uint16_t code)
{
    if (code != 0)
        emit(w, " (0x%04X)", (unsigned)code);
}

static void handshake(struct writer *w, const struct tp_handshake *hs)
{
    if (!hs->completed && hs->version == 0 && hs->cipher_name == NULL)
        return;
    section(w, hs->completed ? "Handshake" : "Handshake (incomplete)");

    label(w, "Protocol");
    const char *version = tp_version_name(hs->version);
    if (version != NULL)
        emit(w, "%s\n", version);
    else if (hs->version != 0)
        emit(w, "unknown (0x%04X)\n", (unsigned)hs->version);
    else
        emit(w, "-\n");

    label(w, "Cipher suite");
    esc(w, hs->cipher_name);
    code_suffix(w, hs->cipher_code);
    emit(w, "\n");

    label(w, "Key exchange");
    esc(w, hs->group);
    code_suffix(w, hs->group_code);
    if (hs->dh_bits != 0)
        emit(w, ", %u-bit DH", hs->dh_bits);
    emit(w, "\n");

    label(w, "Signature");
    esc(w, hs->sig_scheme);
    code_suffix(w, hs->sig_scheme_code);
    emit(w, "\n");

    str_line(w, "ALPN", hs->alpn);
    label(w, "Resumption");
    emit(w, "session ID ");
    tri(w, hs->session_id, NEUTRAL);
    emit(w, ", ticket ");
    tri(w, hs->session_ticket, NEUTRAL);
    emit(w, "\n");
    tri_line(w, "Secure renegotiation", hs->secure_renegotiation, YES_IS_GOOD);
    tri_line(w, "Extended master sec.", hs->extended_master_secret, YES_IS_GOOD);
    tri_line(w, "Encrypt-then-MAC", hs->encrypt_then_mac, NEUTRAL);

    label(w, "OCSP stapled");
    tri(w, hs->ocsp_stapled, NEUTRAL);
    if (hs->ocsp_status != NULL) {
        emit(w, " (");
        bool good = strcmp(hs->ocsp_status, "good") == 0;
        coloured_esc(w, good ? SGR_GREEN : SGR_RED, hs->ocsp_status);
        emit(w, ")");
    }
    emit(w, "\n");

    tri_line(w, "Client cert requested", hs->client_cert_requested, NEUTRAL);
    for (size_t i = 0; i < hs->client_ca_names.count; i++)
        str_line(w, i == 0 ? "  Acceptable CAs" : "", hs->client_ca_names.items[i]);

    label(w, "Handshake time");
    if (hs->handshake_us != 0)
        emit(w, "%.1f ms\n", (double)hs->handshake_us / 1000.0);
    else
        emit(w, "-\n");
}

static void time_utc(struct writer *w, int64_t seconds)
{
    time_t t = (time_t)seconds;
    struct tm tm;
    char buf[64];
    if ((int64_t)t != seconds || gmtime_r(&t, &tm) == NULL ||
        strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
        emit(w, "?");
    else
        emit(w, "%s", buf);
}

static void validity(struct writer *w, const struct tp_cert *c)
{
    label(w, "Not before");
    time_utc(w, c->not_before);
    emit(w, "\n");
    label(w, "Not after");
    time_utc(w, c->not_after);
    emit(w, " (");
    if (c->days_left < 0) {
        sgr(w, SGR_RED);
        emit(w, "expired %lld days ago", (long long)-c->days_left);
    } else {
        sgr(w, c->days_left < (int64_t)w->warn_days ? SGR_YELLOW : SGR_GREEN);
        emit(w, "%lld days left", (long long)c->days_left);
    }
    sgr(w, SGR_RESET);
    emit(w, ")\n");
}

static void public_key(struct writer *w, const struct tp_cert *c)
{
    label(w, "Public key");
    esc(w, c->key_type);
    if (c->key_bits != 0)
        emit(w, " %u bits", c->key_bits);
    if (c->curve != NULL) {
        emit(w, ", ");
        esc(w, c->curve);
    }
    emit(w, "\n");
}

static void certificate(struct writer *w, const struct tp_cert *c, size_t index)
{
    emit(w, "  ");
    sgr(w, SGR_BOLD);
    emit(w, "#%zu ", index);
    esc(w, c->subject);
    sgr(w, SGR_RESET);
    emit(w, "\n");
    w->indent = 4;
    str_line(w, "Issuer", c->issuer);
    if (c->san.count > 0)
        list_line(w, "Subject alt names", &c->san);
    validity(w, c);
    public_key(w, c);
    str_line(w, "Signature", c->sig_alg);
    str_line(w, "Serial", c->serial);
    str_line(w, "SHA-256", c->sha256[0] != '\0' ? c->sha256 : NULL);
    label(w, "CA");
    tri(w, c->is_ca, NEUTRAL);
    if (c->self_signed)
        emit(w, ", self-signed");
    else if (c->self_issued)
        emit(w, ", self-issued");
    emit(w, "\n");
    if (c->key_usage.count > 0)
        list_line(w, "Key usage", &c->key_usage);
    if (c->ext_key_usage.count > 0)
        list_line(w, "Extended key usage", &c->ext_key_usage);
    w->indent = 2;
}

static void chain(struct writer *w, const struct tp_report *r)
{
    if (r->n_certs == 0)
        return;
    char title[64];
    snprintf(title, sizeof title, "Certificate chain (%zu)", r->n_certs);
    section(w, title);
    for (size_t i = 0; i < r->n_certs; i++) {
        if (i > 0)
            emit(w, "\n");
        certificate(w, &r->certs[i], i);
    }
}

static void verification(struct writer *w, const struct tp_report *r)
{
    const struct tp_verification *v = &r->verification;
    if (!r->handshake.completed && r->n_certs == 0 && v->n_errors == 0)
        return;
    section(w, "Verification");
    str_line(w, "Trust store", v->trust_store);
    tri_line(w, "Trusted", v->trusted, YES_IS_GOOD);
    tri_line(w, "Host name matches", v->hostname_match, YES_IS_GOOD);
    tri_line(w, "Chain complete", v->chain_complete, YES_IS_GOOD);
    tri_line(w, "Chain in order", v->chain_ordered, YES_IS_GOOD);
    for (size_t i = 0; i < v->n_errors; i++) {
        label(w, i == 0 ? "Errors" : "");
        coloured_esc(w, SGR_RED, v->errors[i].code);
        if (v->errors[i].message != NULL) {
            emit(w, ": ");
            esc(w, v->errors[i].message);
        }
        emit(w, "\n");
    }
}

static void finding(struct writer *w, const struct tp_finding *f)
{
    const char *name = tp_severity_name(f->severity);
    emit(w, "  ");
    sgr(w, severity_colour(f->severity));
    emit(w, "%-10s", name);
    sgr(w, SGR_RESET);
    esc(w, f->message);
    emit(w, " [");
    esc(w, f->id);
    emit(w, "]\n");
    if (f->reference != NULL && f->reference[0] != '\0') {
        emit(w, "  %-10s", "");
        sgr(w, SGR_DIM);
        emit(w, "see ");
        esc(w, f->reference);
        sgr(w, SGR_RESET);
        emit(w, "\n");
    }
}

static void findings(struct writer *w, const struct tp_report *r)
{
    if (!r->handshake.completed && r->n_findings == 0)
        return;
    section(w, "Findings");
    if (r->n_findings == 0)
        emit(w, "  none\n");
    for (size_t i = 0; i < r->n_findings; i++)
        finding(w, &r->findings[i]);
}

static void failure(struct writer *w, const struct tp_failure *f)
{
    if (f->stage == TP_STAGE_NONE)
        return;
    emit(w, "\n");
    sgr(w, SGR_BOLD_RED);
    emit(w, "FAILED");
    sgr(w, SGR_RESET);
    emit(w, " at %s (%s): ", tp_stage_name(f->stage), tp_status_name(f->status));
    esc(w, f->message);
    if (f->alert >= 0) {
        emit(w, " [alert %d", f->alert);
        if (f->alert_name != NULL) {
            emit(w, " ");
            esc(w, f->alert_name);
        }
        emit(w, "]");
    }
    emit(w, "\n");
}

static void footer(struct writer *w, const struct tp_report *r)
{
    emit(w, "\n");
    sgr(w, SGR_DIM);
    emit(w, "Done in %.1f ms", (double)r->elapsed_us / 1000.0);
    sgr(w, SGR_RESET);
    emit(w, "\n");
}

tp_status render_text(FILE *out, const struct tp_report *report, const struct tp_config *cfg,
                      bool colour)
{
    struct writer w = {
        .out = out,
        .colour = colour,
        .warn_days = cfg != NULL ? cfg->warn_days : TP_DEFAULT_WARN_DAYS,
        .indent = 2,
        .status = TP_OK,
    };
    if (report->audit != NULL) {
        /* --read: the capture file's handshakes replace the probe's. */
        w.status = audit_render_text(out, report, colour);
    } else {
        header(&w, report);
        connection(&w, report);
        handshake(&w, &report->handshake);
        chain(&w, report);
        verification(&w, report);
    }
    if (w.status == TP_OK)
        w.status = scan_render_text(out, report->scan, colour);
    if (w.status == TP_OK)
        w.status = timing_render_text(out, report, colour);
    findings(&w, report);
    failure(&w, &report->failure);
    footer(&w, report);
    if (w.status == TP_OK && ferror(out))
        w.status = TP_E_IO;
    return w.status;
}
