/* scan_text.c: an enumeration as tables a person reads at a glance.
 *
 *   Protocols and cipher suites (policy rfc9325)
 *     TLSv1.2   yes  server order: yes  ok
 *          1  0xC02F    TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256     x25519       recommended
 *          2  0xC013    TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA        x25519       weak [1]
 *     [1] CBC mode: should not be used without encrypt_then_mac (RFC 9325 Sec. 4.2)
 *
 * Versions newest first; suites in the server's order (unordered ones after,
 * as the scan found them). A suite's reason is a numbered note below the
 * table, so lines stay short and each reason is printed once. Every string
 * from the model goes through tp_term_escape(): names, groups and details
 * can come from the peer. ANSI colour only when asked for. */
#include "report/scan_render.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "wire/registry.h"
#include "util/text.h"
#include "util/banned.h"

#define SGR_RESET "\x1b[0m"
#define SGR_BOLD "\x1b[1m"
#define SGR_DIM "\x1b[2m"
#define SGR_RED "\x1b[31m"
#define SGR_GREEN "\x1b[32m"
#define SGR_YELLOW "\x1b[33m"

#define NAME_WIDTH 46
#define KX_WIDTH 18
#define MAX_NOTES 64 /* distinct reasons numbered; more are left unnumbered */

struct writer {
    FILE *out;
    bool colour;
    tp_status status; /* first error wins, like stdio's error flag */
    const char *notes[MAX_NOTES]; /* reasons of the current table, in order */
    const char *note_refs[MAX_NOTES];
    size_t n_notes;
};

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
    if (w->colour && code != NULL)
        emit(w, "%s", code);
}

/* A model string escaped for the terminal, left-aligned in width columns
 * (0: as is); absent ones print as "-". */
static void esc_pad(struct writer *w, const char *s, int width)
{
    if (w->status != TP_OK)
        return;
    char *safe = tp_term_escape(s != NULL ? s : "-");
    if (safe == NULL) {
        w->status = TP_E_NOMEM;
        return;
    }
    emit(w, "%-*s", width, safe);
    free(safe);
}

static void esc(struct writer *w, const char *s)
{
    esc_pad(w, s, 0);
}

static void title(struct writer *w, const char *text)
{
    emit(w, "\n");
    sgr(w, SGR_BOLD);
    emit(w, "%s", text);
    sgr(w, SGR_RESET);
}

static const char *rating_colour(enum tp_rating rating)
{
    switch (rating) {
    case TP_RATING_FORBIDDEN:
        return SGR_RED;
    case TP_RATING_DEPRECATED:
    case TP_RATING_WEAK:
        return SGR_YELLOW;
    case TP_RATING_RECOMMENDED:
        return SGR_GREEN;
    default:
        return NULL;
    }
}

static void rating(struct writer *w, enum tp_rating r)
{
    if (r == TP_RATING_UNRATED)
        return;
    const char *colour = rating_colour(r);
    sgr(w, colour);
    emit(w, "%s", tp_rating_name(r));
    if (colour != NULL)
        sgr(w, SGR_RESET);
}

/* yes / no / unknown, padded to width columns (outside the colour codes). */
static void tri_pad(struct writer *w, enum tp_tri value, int width)
{
    const char *name = tp_tri_name(value);
    if (value == TP_TRI_UNKNOWN)
        sgr(w, SGR_DIM);
    emit(w, "%s", name);
    if (value == TP_TRI_UNKNOWN)
        sgr(w, SGR_RESET);
    int pad = width - (int)strlen(name);
    if (pad > 0)
        emit(w, "%*s", pad, "");
}

static void tri(struct writer *w, enum tp_tri value)
{
    tri_pad(w, value, 0);
}

/* The note number of a reason (1-based), adding it; 0 when out of room. */
static size_t note_for(struct writer *w, const struct tp_verdict *v)
{
    if (v->reason == NULL)
        return 0;
    for (size_t i = 0; i < w->n_notes; i++)
        if (strcmp(w->notes[i], v->reason) == 0)
            return i + 1;
    if (w->n_notes == MAX_NOTES)
        return 0;
    w->notes[w->n_notes] = v->reason;
    w->note_refs[w->n_notes] = v->reference;
    return ++w->n_notes;
}

static void print_notes(struct writer *w)
{
    for (size_t i = 0; i < w->n_notes; i++) {
        emit(w, "  [%zu] ", i + 1);
        esc(w, w->notes[i]);
        if (w->note_refs[i] != NULL) {
            emit(w, " (");
            esc(w, w->note_refs[i]);
            emit(w, ")");
        }
        emit(w, "\n");
    }
    w->n_notes = 0;
}

static void suite_code(struct writer *w, const struct tp_scan_suite *s)
{
    char code[16];
    if (s->version == TP_VER_SSL2 || s->code > 0xFFFF)
        snprintf(code, sizeof code, "0x%06X", (unsigned)s->code);
    else
        snprintf(code, sizeof code, "0x%04X", (unsigned)s->code);
    emit(w, "%-10s", code);
}

/* "x25519", "secp256r1 256", "DH 2048", "RSA": what the key exchange used. */
static void suite_kx(struct writer *w, const struct tp_scan_suite *s)
{
    char kx[64];
    const struct tp_suite_info *info = s->version == TP_VER_SSL2 || s->code > 0xFFFF
                                           ? tp_ssl2_kind_by_code(s->code)
                                           : tp_suite_by_code((uint16_t)s->code);
    const char *kind = info != NULL && info->kx != NULL ? info->kx : "-";
    if (s->kx_group != NULL) {
        esc_pad(w, s->kx_group, KX_WIDTH);
        return;
    }
    if (s->kx_bits != 0)
        snprintf(kx, sizeof kx, "%s %u", kind, s->kx_bits);
    else
        snprintf(kx, sizeof kx, "%s", kind);
    emit(w, "%-*s", KX_WIDTH, kx);
}

static void suite_line(struct writer *w, const struct tp_scan_suite *s)
{
    if (s->order != 0)
        emit(w, "    %4u  ", s->order);
    else
        emit(w, "       -  ");
    suite_code(w, s);
    esc_pad(w, s->name, NAME_WIDTH);
    emit(w, " ");
    suite_kx(w, s);
    emit(w, " ");
    rating(w, s->verdict.rating);
    if (s->verdict.rating >= TP_RATING_WEAK) {
        size_t note = note_for(w, &s->verdict);
        if (note != 0)
            emit(w, " [%zu]", note);
    }
    emit(w, "\n");
}

/* Suites of one version: ordered ones by order, then the rest as found. */
static void version_suites(struct writer *w, const struct tp_scan *scan, uint16_t version)
{
    unsigned max_order = 0;
    for (size_t i = 0; i < scan->n_suites; i++)
        if (scan->suites[i].version == version && scan->suites[i].order > max_order)
            max_order = scan->suites[i].order;
    for (unsigned order = 1; order <= max_order; order++)
        for (size_t i = 0; i < scan->n_suites; i++)
            if (scan->suites[i].version == version && scan->suites[i].order == order)
                suite_line(w, &scan->suites[i]);
    for (size_t i = 0; i < scan->n_suites; i++)
        if (scan->suites[i].version == version && scan->suites[i].order == 0)
            suite_line(w, &scan->suites[i]);
}

static void version_header(struct writer *w, const struct tp_scan_protocol *p)
{
    const char *name = tp_version_name(p->version);
    emit(w, "  %-9s ", name != NULL ? name : "?");
    tri(w, p->supported);
    if (p->supported == TP_TRI_UNKNOWN && p->why != NULL) {
        emit(w, " (");
        esc(w, p->why);
        emit(w, ")");
    }
    /* Order and rating matter when the version is accepted; "forbidden"
     * next to a refused SSLv2 would read as an alarm. */
    if (p->supported == TP_TRI_YES) {
        emit(w, "  server order: ");
        tri(w, p->server_order);
        emit(w, "  ");
        rating(w, p->verdict.rating);
    }
    emit(w, "\n");
    if (p->supported == TP_TRI_YES && p->verdict.rating >= TP_RATING_DEPRECATED &&
        p->verdict.reason != NULL) {
        emit(w, "            ");
        esc(w, p->verdict.reason);
        emit(w, " (");
        esc(w, p->verdict.reference);
        emit(w, ")\n");
    }
}

static void protocols(struct writer *w, const struct tp_scan *scan)
{
    title(w, "Protocols and cipher suites");
    if (scan->policy != NULL) {
        emit(w, " (policy ");
        esc(w, scan->policy);
        emit(w, ")");
    }
    emit(w, "\n");
    for (size_t i = TP_SCAN_VERSIONS; i-- > 0;) {
        version_header(w, &scan->protocols[i]);
        version_suites(w, scan, scan->protocols[i].version);
    }
    print_notes(w);
}

static void verdict_tail(struct writer *w, const struct tp_verdict *v)
{
    emit(w, "  ");
    rating(w, v->rating);
    if (v->rating >= TP_RATING_WEAK && v->reason != NULL) {
        emit(w, ": ");
        esc(w, v->reason);
    }
    emit(w, "\n");
}

static void groups(struct writer *w, const struct tp_scan *scan)
{
    if (scan->n_groups == 0)
        return;
    title(w, "Key exchange groups\n");
    for (size_t i = 0; i < scan->n_groups; i++) {
        const struct tp_scan_group *g = &scan->groups[i];
        emit(w, "  ");
        esc_pad(w, g->name, 24);
        emit(w, " 0x%04X  ", (unsigned)g->code);
        tri_pad(w, g->supported, 8);
        char bits[24] = "";
        if (g->bits != 0)
            snprintf(bits, sizeof bits, "%u bits", g->bits);
        emit(w, "%-10s", bits);
        verdict_tail(w, &g->verdict);
    }
}

static void sigschemes(struct writer *w, const struct tp_scan *scan)
{
    if (scan->n_sigschemes == 0)
        return;
    title(w, "Signature schemes\n");
    for (size_t i = 0; i < scan->n_sigschemes; i++) {
        const struct tp_scan_sigscheme *s = &scan->sigschemes[i];
        emit(w, "  ");
        esc_pad(w, s->name, 34);
        emit(w, " 0x%04X  ", (unsigned)s->code);
        tri_pad(w, s->supported, 8);
        verdict_tail(w, &s->verdict);
    }
}

static void features(struct writer *w, const struct tp_scan *scan)
{
    if (scan->n_features == 0)
        return;
    title(w, "Features\n");
    for (size_t i = 0; i < scan->n_features; i++) {
        const struct tp_scan_feature *f = &scan->features[i];
        emit(w, "  ");
        esc_pad(w, f->id, 24);
        emit(w, " ");
        tri_pad(w, f->value, f->detail != NULL ? 8 : 0);
        if (f->detail != NULL)
            esc(w, f->detail);
        emit(w, "\n");
    }
}

static const char *grade_colour(const char *grade)
{
    if (grade[0] == 'A')
        return SGR_GREEN;
    if (grade[0] == 'B' || grade[0] == 'C')
        return SGR_YELLOW;
    return SGR_RED;
}

static void grade(struct writer *w, const struct tp_scan *scan)
{
    title(w, "Grade\n");
    emit(w, "  %-22s ", "Overall");
    if (scan->grade == NULL) {
        emit(w, "- (no protocol version accepted)\n");
    } else {
        sgr(w, SGR_BOLD);
        sgr(w, grade_colour(scan->grade));
        esc(w, scan->grade);
        sgr(w, SGR_RESET);
        emit(w, "  (score %d of 100 before caps)\n", scan->score);
    }
    for (size_t i = 0; i < scan->n_caps; i++) {
        emit(w, "  capped at ");
        esc(w, scan->caps[i].grade);
        emit(w, ": ");
        esc(w, scan->caps[i].reason);
        emit(w, "\n");
    }
    emit(w, "  %-22s %u connections, %u probes, RTT %u ms, %.2f s\n", "Scan",
         (unsigned)scan->connections, (unsigned)scan->probes, (unsigned)scan->rtt_ms,
         (double)scan->elapsed_us / 1e6);
}

tp_status scan_render_text(FILE *out, const struct tp_scan *scan, bool colour)
{
    if (scan == NULL)
        return TP_OK;
    struct writer w = {.out = out, .colour = colour, .status = TP_OK};
    protocols(&w, scan);
    groups(&w, scan);
    sigschemes(&w, scan);
    features(&w, scan);
    grade(&w, scan);
    return w.status;
}
