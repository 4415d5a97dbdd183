/* scan_text.c: an enumeration as tables a person reads at a glance.
 *
 *   Protocols and cipher suites (policy rfc9325)
 *     TLSv1.2   yes  server order: yes  ok
 *          1  0xC02F    TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256     x25519       recommended
 *          2  0xC013    TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA        x25519       weak [1]
 *          3  0x002F    TLS_RSA_WITH_AES_128_CBC_SHA              RSA          deprecated [2, 1]
 *     [1] CBC mode: should not be used without encrypt_then_mac (RFC 9325 Sec. 4.2)
 *     [2] static RSA key transport: no forward secrecy, ... (RFC 9325 Sec. 4.1 ...)
 *
 * Versions newest first; suites in the server's order (unordered ones after,
 * as the scan found them). A suite's reasons are numbered notes below the
 * table, worst first, so lines stay short and each reason is printed once. A
 * version's reasons follow it, one a line; a group's or a signature scheme's
 * are joined with "; " on its line (there are one or two). Every string
 * from the model goes through tp_term_escape(): names, groups and details
 * can come from the peer. ANSI colour only when asked for. */
#include "report/scan_render.h"
#include "report/text_util.h"

#include <string.h>

#include "wire/registry.h"
#include "util/banned.h"

#define NAME_WIDTH 46
#define KX_WIDTH 18

/* yes / no / unknown, padded to width columns (outside the colour codes). */
static void tri_pad(struct text_writer *w, enum tp_tri value, int width)
{
    tw_tri(w, value, TW_NEUTRAL);
    int pad = width - (int)strlen(tp_tri_name(value));
    if (pad > 0)
        tw_emit(w, "%*s", pad, "");
}

static void suite_code(struct text_writer *w, const struct tp_scan_suite *s)
{
    char code[16];
    if (s->version == TP_VER_SSL2 || s->code > 0xFFFF)
        snprintf(code, sizeof code, "0x%06X", (unsigned)s->code);
    else
        snprintf(code, sizeof code, "0x%04X", (unsigned)s->code);
    tw_emit(w, "%-10s", code);
}

/* "x25519", "secp256r1 256", "DH 2048", "RSA": what the key exchange used. */
static void suite_kx(struct text_writer *w, const struct tp_scan_suite *s)
{
    char kx[64];
    const struct tp_suite_info *info = s->version == TP_VER_SSL2 || s->code > 0xFFFF
                                           ? tp_ssl2_kind_by_code(s->code)
                                           : tp_suite_by_code((uint16_t)s->code);
    const char *kind = info != NULL && info->kx != NULL ? info->kx : "-";
    if (s->kx_group != NULL) {
        tw_esc_pad(w, s->kx_group, KX_WIDTH);
        return;
    }
    if (s->kx_bits != 0)
        snprintf(kx, sizeof kx, "%s %u", kind, s->kx_bits);
    else
        snprintf(kx, sizeof kx, "%s", kind);
    tw_emit(w, "%-*s", KX_WIDTH, kx);
}

static void suite_line(struct text_writer *w, struct tw_notes *notes, const struct tp_scan_suite *s)
{
    if (s->order != 0)
        tw_emit(w, "    %4u  ", s->order);
    else
        tw_emit(w, "       -  ");
    suite_code(w, s);
    tw_esc_pad(w, s->name, NAME_WIDTH);
    tw_emit(w, " ");
    suite_kx(w, s);
    tw_emit(w, " ");
    tw_rating(w, s->verdict.rating);
    if (s->verdict.rating >= TP_RATING_WEAK)
        tw_note_refs(w, notes, &s->verdict);
    tw_emit(w, "\n");
}

/* Suites of one version: ordered ones by order, then the rest as found. */
static void version_suites(struct text_writer *w, struct tw_notes *notes, const struct tp_scan *scan,
                           uint16_t version)
{
    unsigned max_order = 0;
    for (size_t i = 0; i < scan->n_suites; i++)
        if (scan->suites[i].version == version && scan->suites[i].order > max_order)
            max_order = scan->suites[i].order;
    for (unsigned order = 1; order <= max_order; order++)
        for (size_t i = 0; i < scan->n_suites; i++)
            if (scan->suites[i].version == version && scan->suites[i].order == order)
                suite_line(w, notes, &scan->suites[i]);
    for (size_t i = 0; i < scan->n_suites; i++)
        if (scan->suites[i].version == version && scan->suites[i].order == 0)
            suite_line(w, notes, &scan->suites[i]);
}

static void reason_line(struct text_writer *w, const char *reason, const char *reference)
{
    if (reason == NULL)
        return;
    tw_emit(w, "            ");
    tw_esc(w, reason);
    if (reference != NULL) {
        tw_emit(w, " (");
        tw_esc(w, reference);
        tw_emit(w, ")");
    }
    tw_emit(w, "\n");
}

static void version_header(struct text_writer *w, const struct tp_scan_protocol *p)
{
    const char *name = tp_version_name(p->version);
    tw_emit(w, "  %-9s ", name != NULL ? name : "?");
    tw_tri(w, p->supported, TW_NEUTRAL);
    if (p->supported == TP_TRI_UNKNOWN && p->why != NULL) {
        tw_emit(w, " (");
        tw_esc(w, p->why);
        tw_emit(w, ")");
    }
    /* Order and rating matter when the version is accepted; "forbidden"
     * next to a refused SSLv2 would read as an alarm. */
    if (p->supported == TP_TRI_YES) {
        tw_emit(w, "  server order: ");
        tw_tri(w, p->server_order, TW_NEUTRAL);
        tw_emit(w, "  ");
        tw_rating(w, p->verdict.rating);
    }
    tw_emit(w, "\n");
    if (p->supported != TP_TRI_YES || p->verdict.rating < TP_RATING_DEPRECATED)
        return;
    if (p->verdict.n_reasons == 0)
        reason_line(w, p->verdict.reason, p->verdict.reference);
    for (size_t i = 0; i < p->verdict.n_reasons; i++)
        reason_line(w, p->verdict.reasons[i].reason, p->verdict.reasons[i].reference);
}

static void protocols(struct text_writer *w, const struct tp_scan *scan)
{
    struct tw_notes notes = {.n = 0};
    tw_title(w, "Protocols and cipher suites");
    if (scan->policy != NULL) {
        tw_emit(w, " (policy ");
        tw_esc(w, scan->policy);
        tw_emit(w, ")");
    }
    tw_emit(w, "\n");
    for (size_t i = TP_SCAN_VERSIONS; i-- > 0;) {
        version_header(w, &scan->protocols[i]);
        version_suites(w, &notes, scan, scan->protocols[i].version);
    }
    tw_print_notes(w, &notes);
}

/* Under a post-quantum group: how it was accepted and its share's size. */
static void pq_line(struct text_writer *w, const struct tp_scan_group *g)
{
    if (!g->post_quantum)
        return;
    tw_emit(w, "      post-quantum");
    if (g->probed) {
        tw_emit(w, "; with its key share: %s", tp_tri_name(g->accepted_with_share));
        if (g->share_bytes != 0)
            tw_emit(w, " (server share %u bytes%s)", (unsigned)g->share_bytes,
                    g->share_bytes != g->share_bytes_expected ? ", WRONG SIZE" : "");
        tw_emit(w, "; by HelloRetryRequest: %s", tp_tri_name(g->selected_in_hrr));
    }
    tw_emit(w, "\n");
}

static void groups(struct text_writer *w, const struct tp_scan *scan)
{
    if (scan->n_groups == 0)
        return;
    tw_title(w, "Key exchange groups\n");
    for (size_t i = 0; i < scan->n_groups; i++) {
        const struct tp_scan_group *g = &scan->groups[i];
        tw_emit(w, "  ");
        tw_esc_pad(w, g->name, 24);
        tw_emit(w, " 0x%04X  ", (unsigned)g->code);
        tri_pad(w, g->supported, 8);
        char bits[24] = "";
        if (g->bits != 0)
            snprintf(bits, sizeof bits, "%u bits", g->bits);
        tw_emit(w, "%-10s", bits);
        tw_verdict_tail(w, &g->verdict);
        pq_line(w, g);
    }
}

static void sigschemes(struct text_writer *w, const struct tp_scan *scan)
{
    if (scan->n_sigschemes == 0)
        return;
    tw_title(w, "Signature schemes\n");
    for (size_t i = 0; i < scan->n_sigschemes; i++) {
        const struct tp_scan_sigscheme *s = &scan->sigschemes[i];
        tw_emit(w, "  ");
        tw_esc_pad(w, s->name, 34);
        tw_emit(w, " 0x%04X  ", (unsigned)s->code);
        tri_pad(w, s->supported, 8);
        tw_verdict_tail(w, &s->verdict);
    }
}

static void features(struct text_writer *w, const struct tp_scan *scan)
{
    if (scan->n_features == 0)
        return;
    tw_title(w, "Features\n");
    for (size_t i = 0; i < scan->n_features; i++) {
        const struct tp_scan_feature *f = &scan->features[i];
        tw_emit(w, "  ");
        tw_esc_pad(w, f->id, 24);
        tw_emit(w, " ");
        tri_pad(w, f->value, f->detail != NULL ? 8 : 0);
        if (f->detail != NULL)
            tw_esc(w, f->detail);
        tw_emit(w, "\n");
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

static void grade(struct text_writer *w, const struct tp_scan *scan)
{
    tw_title(w, "Grade\n");
    tw_emit(w, "  %-22s ", "Overall");
    if (scan->grade == NULL) {
        tw_emit(w, "- (no protocol version accepted)\n");
    } else {
        tw_sgr(w, SGR_BOLD);
        tw_sgr(w, grade_colour(scan->grade));
        tw_esc(w, scan->grade);
        tw_sgr(w, SGR_RESET);
        tw_emit(w, "  (score %d of 100 before caps)\n", scan->score);
    }
    for (size_t i = 0; i < scan->n_caps; i++) {
        tw_emit(w, "  capped at ");
        tw_esc(w, scan->caps[i].grade);
        tw_emit(w, ": ");
        tw_esc(w, scan->caps[i].reason);
        tw_emit(w, "\n");
    }
    if (scan->psk_only == TP_TRI_YES) {
        /* A PSK-only server: the one fact a newcomer needs first. */
        tw_emit(w, "  %-22s yes", "PSK only");
        if (scan->psk_identity_hint != NULL) {
            tw_emit(w, ", identity hint ");
            tw_esc(w, scan->psk_identity_hint);
        }
        tw_emit(w, "\n");
    }
    tw_emit(w, "  %-22s %u connections, %u probes, RTT %u ms, %.2f s\n", "Scan",
            (unsigned)scan->connections, (unsigned)scan->probes, (unsigned)scan->rtt_ms,
            (double)scan->elapsed_us / 1e6);
}

tp_status scan_render_text(FILE *out, const struct tp_scan *scan, bool colour)
{
    if (scan == NULL)
        return TP_OK;
    struct text_writer w = {.out = out, .colour = colour, .status = TP_OK};
    protocols(&w, scan);
    groups(&w, scan);
    sigschemes(&w, scan);
    features(&w, scan);
    grade(&w, scan);
    return tw_status(&w);
}
