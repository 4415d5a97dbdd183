/* certs.c: findings about the certificate chain: trust, host name,
 * validity period (RFC 5280 Sec. 4.1.2.5), key sizes and signature hashes
 * (RFC 9325 Sec. 4.5), the leaf's extended key usage (RFC 5280
 * Sec. 4.2.1.12) and the shape of the chain the server sent (RFC 8446
 * Sec. 4.4.2, RFC 5246 Sec. 7.4.2).
 *
 * Messages quote peer strings (names, SANs) as received; renderers escape
 * them like every other peer string. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "grade/checks.h"
#include "util/banned.h"

#define SECONDS_PER_DAY 86400
#define LABEL_MAX 160
#define MAX_LISTED 6 /* SANs or error codes quoted in one message */
#define NAME_SHOWN_MAX 96

/* Append item to a ", "-separated list in buf, ending it with "..." once it
 * no longer fits. */
static void list_append(char *buf, size_t size, const char *item)
{
    size_t used = strlen(buf);
    if (used >= size - 1)
        return;
    int n = snprintf(buf + used, size - used, "%s%s", used > 0 ? ", " : "", item);
    if (n < 0 || (size_t)n >= size - used) {
        if (size >= 4)
            memcpy(buf + size - 4, "...", 4);
    }
}

/* Where the value of the CN attribute starts in an RFC 4514 DN, or NULL.
 * RDNs are separated by unescaped ',' or '+' (RFC 4514 Sec. 3). */
static const char *dn_find_cn(const char *dn, size_t *len)
{
    const char *p = dn;
    for (;;) {
        while (*p == ' ')
            p++;
        const char *end = p;
        while (*end != '\0' && *end != ',' && *end != '+') {
            if (*end == '\\' && end[1] != '\0')
                end++;
            end++;
        }
        if (strncasecmp(p, "CN=", 3) == 0) {
            *len = (size_t)(end - p - 3);
            return p + 3;
        }
        if (*end == '\0')
            return NULL;
        p = end + 1;
    }
}

void grade_cert_label(const struct tp_chain_view *chain, size_t index, char *buf, size_t size)
{
    const char *subject = index < chain->n_certs ? chain->certs[index].subject : NULL;
    if (subject == NULL || subject[0] == '\0') {
        snprintf(buf, size, "certificate #%zu", index);
        return;
    }
    size_t len = 0;
    const char *cn = dn_find_cn(subject, &len);
    if (cn != NULL && len > 0)
        snprintf(buf, size, "certificate #%zu (CN=%.*s)", index,
                 (int)(len > NAME_SHOWN_MAX ? NAME_SHOWN_MAX : len), cn);
    else
        snprintf(buf, size, "certificate #%zu (%.*s)", index, NAME_SHOWN_MAX, subject);
}

/* A finding about ctx->chain: one about another chain than the negotiated
 * one says which ("ECDSA chain: ..."), under the same finding id. */
static tp_status chain_finding(const struct grade_ctx *ctx, const char *id, const char *fmt,
                               ...) TP_PRINTF(3, 4);

static tp_status chain_finding(const struct grade_ctx *ctx, const char *id, const char *fmt,
                               ...)
{
    char *message = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&message, fmt, ap);
    va_end(ap);
    if (n < 0)
        return TP_E_NOMEM;
    tp_status status =
        ctx->chain.key_type == NULL
            ? tp_report_add_finding(ctx->report, id, "%s", message)
            : tp_report_add_finding(ctx->report, id, "%s chain: %s", ctx->chain.key_type, message);
    free(message);
    return status;
}

/* "2026-11-09" (UTC). */
static void format_date(int64_t when, char *buf, size_t size)
{
    time_t t = (time_t)when;
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || strftime(buf, size, "%Y-%m-%d", &tm) == 0)
        snprintf(buf, size, "@%lld", (long long)when);
}

/* "12 days", "1 day", "less than a day" for a non-negative span. */
static void format_days(int64_t seconds, char *buf, size_t size)
{
    long long days = (long long)(seconds / SECONDS_PER_DAY);
    if (days == 0)
        snprintf(buf, size, "less than a day");
    else
        snprintf(buf, size, "%lld day%s", days, days == 1 ? "" : "s");
}

/* RFC 5280 Sec. 6; RFC 9325 Sec. 7.3. */
tp_status grade_cert_trust(const struct grade_ctx *ctx)
{
    const struct tp_verification *v = ctx->chain.verification;
    if (v->trusted != TP_TRI_NO)
        return TP_OK;
    char codes[256] = "";
    for (size_t i = 0; i < v->n_errors && i < MAX_LISTED; i++)
        list_append(codes, sizeof codes, v->errors[i].code != NULL ? v->errors[i].code : "?");
    if (v->n_errors > MAX_LISTED)
        list_append(codes, sizeof codes, "...");
    const char *store = v->trust_store == NULL                ? "the trust store"
                        : strcmp(v->trust_store, "system") == 0 ? "the system trust store"
                                                                : v->trust_store;
    if (codes[0] == '\0')
        return chain_finding(ctx, "cert-untrusted",
                             "certificate chain does not verify against %s", store);
    return chain_finding(ctx, "cert-untrusted",
                         "certificate chain does not verify against %s: %s", store, codes);
}

/* RFC 6125 Sec. 6: the name we asked for (SNI, else the host). */
tp_status grade_cert_hostname(const struct grade_ctx *ctx)
{
    const struct tp_report *r = ctx->report;
    const struct tp_chain_view *ch = &ctx->chain;
    if (ch->verification->hostname_match != TP_TRI_NO)
        return TP_OK;
    const char *name = r->target.sni != NULL ? r->target.sni : r->target.host;
    if (name == NULL)
        name = "the target";
    char leaf[LABEL_MAX];
    grade_cert_label(ch, 0, leaf, sizeof leaf);
    if (ch->n_certs == 0 || ch->certs[0].san.count == 0)
        return chain_finding(ctx, "cert-hostname-mismatch",
                             "%s does not match '%s' (no subjectAltName)", leaf, name);
    const struct tp_strlist *san = &ch->certs[0].san;
    char names[384] = "";
    for (size_t i = 0; i < san->count && i < MAX_LISTED; i++)
        list_append(names, sizeof names, san->items[i]);
    if (san->count > MAX_LISTED)
        list_append(names, sizeof names, "...");
    return chain_finding(ctx, "cert-hostname-mismatch",
                         "%s does not match '%s'; it names %s", leaf, name, names);
}

/* RFC 5280 Sec. 4.1.2.5: the validity period includes both notBefore and
 * notAfter. An unknown time (0) is not judged. */
static tp_status check_one_validity(const struct grade_ctx *ctx, size_t i)
{
    const struct tp_cert *c = &ctx->chain.certs[i];
    char label[LABEL_MAX], date[32], span[32];
    grade_cert_label(&ctx->chain, i, label, sizeof label);
    if (c->not_after != 0 && ctx->now > c->not_after) {
        format_date(c->not_after, date, sizeof date);
        format_days(ctx->now - c->not_after, span, sizeof span);
        return chain_finding(ctx, "cert-expired", "%s expired %s ago on %s", label, span,
                             date);
    }
    if (c->not_before != 0 && ctx->now < c->not_before) {
        format_date(c->not_before, date, sizeof date);
        format_days(c->not_before - ctx->now, span, sizeof span);
        return chain_finding(ctx, "cert-not-yet-valid",
                             "%s is not valid for another %s (from %s)", label, span, date);
    }
    return TP_OK;
}

tp_status grade_cert_validity(const struct grade_ctx *ctx)
{
    for (size_t i = 0; i < ctx->chain.n_certs; i++)
        TP_TRY(check_one_validity(ctx, i));
    return TP_OK;
}

/* --warn-days N flags a leaf with less than N whole days left (an expired
 * one already has cert-expired; N = 0 turns this off). */
tp_status grade_cert_expiring(const struct grade_ctx *ctx)
{
    if (ctx->chain.n_certs == 0)
        return TP_OK;
    const struct tp_cert *leaf = &ctx->chain.certs[0];
    int64_t left = leaf->not_after - ctx->now;
    if (leaf->not_after == 0 || left < 0 ||
        left >= (int64_t)ctx->cfg->warn_days * SECONDS_PER_DAY)
        return TP_OK;
    char label[LABEL_MAX], date[32], span[32];
    grade_cert_label(&ctx->chain, 0, label, sizeof label);
    format_date(leaf->not_after, date, sizeof date);
    format_days(left, span, sizeof span);
    return chain_finding(ctx, "cert-expiring-soon",
                         "%s expires in %s on %s (--warn-days %u)", label, span, date,
                         ctx->cfg->warn_days);
}

static bool key_is_rsa(const char *type)
{
    return type != NULL && (strcasecmp(type, "RSA") == 0 || strcasecmp(type, "RSA-PSS") == 0);
}

static bool key_is_ec(const char *type)
{
    return type != NULL && (strcasecmp(type, "EC") == 0 || strcasecmp(type, "ECDSA") == 0);
}

/* RFC 9325 Sec. 4.5: RSA >= 2048 bits, ECC >= 224 bits. The root's key
 * counts too: its signature is what vouches for the intermediate. */
static tp_status check_one_key(const struct grade_ctx *ctx, size_t i)
{
    const struct tp_cert *c = &ctx->chain.certs[i];
    if (c->key_bits == 0)
        return TP_OK;
    char label[LABEL_MAX];
    grade_cert_label(&ctx->chain, i, label, sizeof label);
    if (key_is_rsa(c->key_type) && c->key_bits < 1024)
        return chain_finding(ctx, "cert-rsa-tiny", "RSA key of %s is %u bits (< 1024)", label,
                             c->key_bits);
    if (key_is_rsa(c->key_type) && c->key_bits < 2048)
        return chain_finding(ctx, "cert-rsa-small", "RSA key of %s is %u bits (< 2048)", label,
                             c->key_bits);
    if (key_is_ec(c->key_type) && c->key_bits < 224)
        return chain_finding(ctx, "cert-ec-small", "EC key of %s is %u bits%s%s%s (< 224)",
                             label, c->key_bits, c->curve != NULL ? " (" : "",
                             c->curve != NULL ? c->curve : "", c->curve != NULL ? ")" : "");
    return TP_OK;
}

tp_status grade_cert_keys(const struct grade_ctx *ctx)
{
    for (size_t i = 0; i < ctx->chain.n_certs; i++)
        TP_TRY(check_one_key(ctx, i));
    return TP_OK;
}

/* True if the algorithm name mentions hash (e.g. "sha1", "md5"), ignoring
 * case, '-' and '_' ("RSA-SHA1", "sha1WithRSAEncryption", "ECDSA-SHA-1"),
 * and not as the prefix of a longer number. */
static bool alg_uses_hash(const char *alg, const char *hash)
{
    char flat[64];
    size_t n = 0;
    for (const char *p = alg; *p != '\0' && n < sizeof flat - 1; p++)
        if (*p != '-' && *p != '_')
            flat[n++] = (char)tolower((unsigned char)*p);
    flat[n] = '\0';
    size_t hlen = strlen(hash);
    for (const char *hit = strstr(flat, hash); hit != NULL; hit = strstr(hit + 1, hash))
        if (!isdigit((unsigned char)hit[hlen]))
            return true;
    return false;
}

/* RFC 9325 Sec. 4.5 (no SHA-1 or MD5 certificate signatures). A self-signed
 * root's own signature is never checked: trust in it comes from the trust
 * store (RFC 5280 Sec. 6.1.1), so its hash does not matter. */
static tp_status check_one_signature(const struct grade_ctx *ctx, size_t i)
{
    const struct tp_cert *c = &ctx->chain.certs[i];
    if (c->sig_alg == NULL || (i > 0 && c->self_signed))
        return TP_OK;
    char label[LABEL_MAX];
    grade_cert_label(&ctx->chain, i, label, sizeof label);
    if (alg_uses_hash(c->sig_alg, "md5"))
        return chain_finding(ctx, "cert-sig-md5", "%s is signed with %s", label, c->sig_alg);
    if (alg_uses_hash(c->sig_alg, "sha1"))
        return chain_finding(ctx, "cert-sig-sha1", "%s is signed with %s", label, c->sig_alg);
    return TP_OK;
}

tp_status grade_cert_signatures(const struct grade_ctx *ctx)
{
    for (size_t i = 0; i < ctx->chain.n_certs; i++)
        TP_TRY(check_one_signature(ctx, i));
    return TP_OK;
}

/* RFC 5280 Sec. 4.2.1.12: with an EKU extension present, the key may only
 * be used for the listed purposes; anyExtendedKeyUsage allows all. */
static bool eku_allows_server_auth(const struct tp_strlist *eku)
{
    static const char *const ok[] = {"serverAuth", "1.3.6.1.5.5.7.3.1", "anyExtendedKeyUsage",
                                     "2.5.29.37.0"};
    for (size_t i = 0; i < eku->count; i++)
        for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++)
            if (strcmp(eku->items[i], ok[k]) == 0)
                return true;
    return false;
}

/* The leaf alone: self-signed (unless the user trusts it as it is, e.g.
 * with --ca-file), and the purposes its EKU allows. */
tp_status grade_cert_leaf(const struct grade_ctx *ctx)
{
    const struct tp_chain_view *ch = &ctx->chain;
    if (ch->n_certs == 0)
        return TP_OK;
    const struct tp_cert *leaf = &ch->certs[0];
    char label[LABEL_MAX];
    grade_cert_label(ch, 0, label, sizeof label);
    if (leaf->self_signed && ch->verification->trusted != TP_TRI_YES)
        TP_TRY(chain_finding(ctx, "cert-self-signed", "%s is self-signed", label));
    if (leaf->ext_key_usage.count == 0 || eku_allows_server_auth(&leaf->ext_key_usage))
        return TP_OK;
    char purposes[256] = "";
    for (size_t i = 0; i < leaf->ext_key_usage.count && i < MAX_LISTED; i++)
        list_append(purposes, sizeof purposes, leaf->ext_key_usage.items[i]);
    return chain_finding(ctx, "cert-not-server-auth",
                         "%s has extendedKeyUsage %s but not serverAuth", label, purposes);
}

/* The first position where certificate i+1 is not the issuer of i, by
 * name; n_certs when every name links up. */
static size_t first_misordered(const struct tp_chain_view *ch)
{
    for (size_t i = 0; i + 1 < ch->n_certs; i++) {
        const char *issuer = ch->certs[i].issuer, *next = ch->certs[i + 1].subject;
        if (issuer != NULL && next != NULL && strcmp(issuer, next) != 0)
            return i;
    }
    return ch->n_certs;
}

static tp_status check_chain_order(const struct grade_ctx *ctx)
{
    const struct tp_chain_view *ch = &ctx->chain;
    if (ch->verification->chain_ordered != TP_TRI_NO)
        return TP_OK;
    size_t i = first_misordered(ch);
    if (i >= ch->n_certs)
        return chain_finding(ctx, "chain-order",
                             "the server sent its certificates out of issuing order");
    char label[LABEL_MAX], next[LABEL_MAX];
    grade_cert_label(ch, i, label, sizeof label);
    grade_cert_label(ch, i + 1, next, sizeof next);
    return chain_finding(ctx, "chain-order",
                         "the server sent certificates out of issuing order: %s follows %s but "
                         "did not issue it",
                         next, label);
}

/* RFC 8446 Sec. 4.4.2: the root "MAY be omitted" because clients must
 * already have it; sending it only costs bytes on every handshake. */
static tp_status check_extra_root(const struct grade_ctx *ctx)
{
    const struct tp_chain_view *ch = &ctx->chain;
    for (size_t i = 1; i < ch->n_certs; i++) {
        if (!ch->certs[i].self_signed)
            continue;
        char label[LABEL_MAX];
        grade_cert_label(ch, i, label, sizeof label);
        return chain_finding(ctx, "chain-extra-root",
                             "the server sends its self-signed root %s; clients already have "
                             "it",
                             label);
    }
    return TP_OK;
}

tp_status grade_chain_shape(const struct grade_ctx *ctx)
{
    const struct tp_chain_view *ch = &ctx->chain;
    if (ch->verification->chain_complete == TP_TRI_NO) {
        char last[LABEL_MAX];
        grade_cert_label(ch, ch->n_certs > 0 ? ch->n_certs - 1 : 0, last, sizeof last);
        const char *issuer = ch->n_certs > 0 ? ch->certs[ch->n_certs - 1].issuer : NULL;
        TP_TRY(chain_finding(ctx, "chain-incomplete",
                             "the server sent %zu certificate%s, without the "
                             "intermediate that issued %s (issuer: %.*s)",
                             ch->n_certs, ch->n_certs == 1 ? "" : "s", last,
                             NAME_SHOWN_MAX, issuer != NULL ? issuer : "unknown"));
    }
    TP_TRY(check_chain_order(ctx));
    return check_extra_root(ctx);
}
