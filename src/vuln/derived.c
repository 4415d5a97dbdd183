/* derived.c: the vulnerabilities that follow from what --enum found
 * (versions, suites, DH sizes, compression), without a probe of their own.
 * Without --enum each says unknown ("needs --enum"): guessing from the one
 * handshake the report made would call a server safe for suites it was not
 * asked about. */
#include "vuln/checks.h"

#include <stdio.h>
#include <string.h>

#include "wire/registry.h"

#include "util/banned.h"

#define NEEDS_ENUM "needs --enum (the accepted versions and suites)"

static enum tp_tri version_supported(const struct tp_scan *s, uint16_t version)
{
    for (size_t i = 0; i < TP_SCAN_VERSIONS; i++)
        if (s->protocols[i].version == version)
            return s->protocols[i].supported;
    return TP_TRI_UNKNOWN;
}

/* An accepted suite with all of flags, with a version in [lo, hi]; its name
 * in *name. */
static bool accepted(const struct tp_scan *s, uint32_t flags, uint16_t lo, uint16_t hi,
                     const char **name)
{
    for (size_t i = 0; i < s->n_suites; i++) {
        const struct tp_scan_suite *su = &s->suites[i];
        if (su->version < lo || su->version > hi)
            continue;
        const struct tp_suite_info *info = su->version == TP_VER_SSL2
                                               ? tp_ssl2_kind_by_code(su->code)
                                               : tp_suite_by_code((uint16_t)su->code);
        if (info != NULL && (info->flags & flags) == flags) {
            *name = su->name != NULL ? su->name : "?";
            return true;
        }
    }
    return false;
}

/* Unknown when any version in [lo, hi] is unknown: its suites may be
 * missing from the list. */
static bool versions_known(const struct tp_scan *s, uint16_t lo, uint16_t hi)
{
    for (size_t i = 0; i < TP_SCAN_VERSIONS; i++) {
        uint16_t v = s->protocols[i].version;
        if (v >= lo && v <= hi && s->protocols[i].supported == TP_TRI_UNKNOWN)
            return false;
    }
    return true;
}

/* The common shape: vulnerable when a suite with flags is accepted in
 * [lo, hi], not when every version there is known and none is. what is
 * the suite kind without an article ("a" or "no" goes before it). */
static void by_suite(const struct vuln_input *in, uint32_t flags, uint16_t lo, uint16_t hi,
                     const char *what, struct vuln_answer *out)
{
    const char *name = NULL;
    if (in->scan == NULL) {
        vuln_answer(out, TP_VULN_UNKNOWN, NEEDS_ENUM);
        return;
    }
    if (accepted(in->scan, flags, lo, hi, &name))
        vuln_answer(out, TP_VULN_YES, "a %s accepted: %s", what, name);
    else if (!versions_known(in->scan, lo, hi))
        vuln_answer(out, TP_VULN_UNKNOWN, "a protocol version's support is unknown");
    else
        vuln_answer(out, TP_VULN_NO, "no %s accepted", what);
}

void vuln_beast(struct vuln_ctx *ctx, const struct vuln_input *in, struct vuln_answer *out)
{
    (void)ctx;
    /* CVE-2011-3389: CBC with an IV chained from the previous record, SSL
     * 3.0 and TLS 1.0 only (TLS 1.1 has explicit IVs, RFC 4346). The attack
     * runs in the client; clients split records (1/n-1) since 2012. */
    by_suite(in, TP_SF_CBC, TP_VER_SSL3, TP_VER_TLS10, "CBC suite with SSL 3.0 or TLS 1.0",
             out);
    if (out->result == TP_VULN_YES) {
        size_t n = strlen(out->detail);
        vuln_strf(out->detail + n, sizeof out->detail - n,
                 " (exploited in the client: current clients split records against it)");
    }
}

void vuln_poodle_ssl3(struct vuln_ctx *ctx, const struct vuln_input *in,
                      struct vuln_answer *out)
{
    (void)ctx;
    /* CVE-2014-3566: SSL 3.0's CBC padding is not covered by the MAC and
     * may be anything (RFC 7568 Sec. 4). */
    by_suite(in, TP_SF_CBC, TP_VER_SSL3, TP_VER_SSL3, "CBC suite with SSL 3.0", out);
}

void vuln_poodle_tls(struct vuln_ctx *ctx, const struct vuln_input *in,
                     struct vuln_answer *out)
{
    const char *name = NULL;
    (void)ctx;
    /* CVE-2014-8730: TLS stacks that do not check CBC padding bytes. The
     * check needs a CBC record with bad padding inside a completed
     * handshake, that is a record layer with the session's keys, which
     * tlsprobe does not have; so only "no CBC at all" is decided. */
    if (in->scan == NULL)
        vuln_answer(out, TP_VULN_UNKNOWN, NEEDS_ENUM);
    else if (accepted(in->scan, TP_SF_CBC, TP_VER_TLS10, TP_VER_TLS12, &name))
        vuln_answer(out, TP_VULN_UNKNOWN,
                    "CBC suites are accepted (%s); whether the padding bytes are checked needs "
                    "a bad-padding record inside the session, which tlsprobe cannot send",
                    name);
    else if (!versions_known(in->scan, TP_VER_TLS10, TP_VER_TLS12))
        vuln_answer(out, TP_VULN_UNKNOWN, "a protocol version's support is unknown");
    else
        vuln_answer(out, TP_VULN_NO, "no CBC suite accepted with TLS");
}

void vuln_lucky13(struct vuln_ctx *ctx, const struct vuln_input *in, struct vuln_answer *out)
{
    const char *name = NULL;
    (void)ctx;
    /* CVE-2013-0169: a timing side channel in CBC MAC checking. Seen from
     * outside only by timing thousands of records; accepting CBC says only
     * that the attack surface is there. */
    if (in->scan == NULL)
        vuln_answer(out, TP_VULN_UNKNOWN, NEEDS_ENUM);
    else if (accepted(in->scan, TP_SF_CBC, TP_VER_SSL3, TP_VER_TLS12, &name))
        vuln_answer(out, TP_VULN_UNKNOWN,
                    "CBC suites are accepted (%s); whether the MAC check runs in constant time "
                    "cannot be seen without timing many records",
                    name);
    else if (!versions_known(in->scan, TP_VER_SSL3, TP_VER_TLS12))
        vuln_answer(out, TP_VULN_UNKNOWN, "a protocol version's support is unknown");
    else
        vuln_answer(out, TP_VULN_NO, "no CBC suite accepted");
}

void vuln_sweet32(struct vuln_ctx *ctx, const struct vuln_input *in, struct vuln_answer *out)
{
    (void)ctx;
    /* CVE-2016-2183 (3DES), CVE-2016-6329 (Blowfish): birthday collisions
     * of 64-bit blocks after some 32 GiB under one key. */
    by_suite(in, TP_SF_BLOCK64, TP_VER_SSL3, TP_VER_TLS12, "64-bit block cipher suite", out);
}

void vuln_freak(struct vuln_ctx *ctx, const struct vuln_input *in, struct vuln_answer *out)
{
    const char *name = NULL;
    (void)ctx;
    /* CVE-2015-0204: RSA_EXPORT suites (512-bit ephemeral RSA). */
    if (in->scan == NULL) {
        vuln_answer(out, TP_VULN_UNKNOWN, NEEDS_ENUM);
        return;
    }
    for (size_t i = 0; i < in->scan->n_suites; i++) {
        const struct tp_scan_suite *su = &in->scan->suites[i];
        const struct tp_suite_info *info =
            su->version == TP_VER_SSL2 ? NULL : tp_suite_by_code((uint16_t)su->code);
        if (info != NULL && (info->flags & TP_SF_EXPORT) && info->kx != NULL &&
            strncmp(info->kx, "RSA", 3) == 0) {
            vuln_answer(out, TP_VULN_YES, "an RSA export suite is accepted: %s", su->name);
            return;
        }
    }
    (void)name;
    if (!versions_known(in->scan, TP_VER_SSL3, TP_VER_TLS12))
        vuln_answer(out, TP_VULN_UNKNOWN, "a protocol version's support is unknown");
    else
        vuln_answer(out, TP_VULN_NO, "no RSA export suite accepted");
}

void vuln_logjam(struct vuln_ctx *ctx, const struct vuln_input *in, struct vuln_answer *out)
{
    (void)ctx;
    /* CVE-2015-4000: DHE_EXPORT suites (512-bit groups) let a man in the
     * middle downgrade; the paper also puts groups under 1024 bits within
     * reach of precomputation, 1024-bit ones within a state's. */
    if (in->scan == NULL) {
        vuln_answer(out, TP_VULN_UNKNOWN, NEEDS_ENUM);
        return;
    }
    unsigned smallest = 0;
    for (size_t i = 0; i < in->scan->n_suites; i++) {
        const struct tp_scan_suite *su = &in->scan->suites[i];
        const struct tp_suite_info *info =
            su->version == TP_VER_SSL2 ? NULL : tp_suite_by_code((uint16_t)su->code);
        if (info == NULL || info->kx == NULL || strstr(info->kx, "DHE") == NULL ||
            strstr(info->kx, "ECDHE") != NULL)
            continue;
        if (info->flags & TP_SF_EXPORT) {
            vuln_answer(out, TP_VULN_YES, "a DHE export suite is accepted: %s", su->name);
            return;
        }
        if (su->kx_bits != 0 && (smallest == 0 || su->kx_bits < smallest))
            smallest = su->kx_bits;
    }
    if (smallest != 0 && smallest < 1024)
        vuln_answer(out, TP_VULN_YES, "a %u-bit Diffie-Hellman group is used", smallest);
    else if (!versions_known(in->scan, TP_VER_SSL3, TP_VER_TLS12))
        vuln_answer(out, TP_VULN_UNKNOWN, "a protocol version's support is unknown");
    else if (smallest == 1024)
        vuln_answer(out, TP_VULN_NO,
                    "no export DHE suite; but a 1024-bit group, within reach of a state's "
                    "precomputation (see the key exchange findings)");
    else
        vuln_answer(out, TP_VULN_NO, "no export DHE suite and no DH group under 1024 bits");
}

void vuln_drown(struct vuln_ctx *ctx, const struct vuln_input *in, struct vuln_answer *out)
{
    (void)ctx;
    /* CVE-2016-0800: SSLv2 on any server with the same RSA key decrypts
     * TLS sessions. Other hosts sharing the key are not visible from here. */
    if (in->scan == NULL) {
        vuln_answer(out, TP_VULN_UNKNOWN, NEEDS_ENUM);
        return;
    }
    enum tp_tri ssl2 = version_supported(in->scan, TP_VER_SSL2);
    if (ssl2 == TP_TRI_YES)
        vuln_answer(out, TP_VULN_YES, "SSL 2.0 is accepted on this port");
    else if (ssl2 == TP_TRI_NO)
        vuln_answer(out, TP_VULN_NO,
                    "SSL 2.0 refused on this port (another server sharing this RSA key with "
                    "SSL 2.0 would still expose it)");
    else
        vuln_answer(out, TP_VULN_UNKNOWN, "SSL 2.0 support is unknown");
}

void vuln_crime(struct vuln_ctx *ctx, const struct vuln_input *in, struct vuln_answer *out)
{
    (void)ctx;
    /* CVE-2012-4929: TLS-level compression leaks secrets by length (RFC
     * 9325 Sec. 3.3). */
    if (in->scan == NULL) {
        vuln_answer(out, TP_VULN_UNKNOWN, NEEDS_ENUM);
        return;
    }
    for (size_t i = 0; i < in->scan->n_features; i++) {
        const struct tp_scan_feature *f = &in->scan->features[i];
        if (strcmp(f->id, "compression") != 0)
            continue;
        if (f->value == TP_TRI_YES)
            vuln_answer(out, TP_VULN_YES, "TLS compression (DEFLATE) is accepted");
        else if (f->value == TP_TRI_NO)
            vuln_answer(out, TP_VULN_NO, "TLS compression refused");
        else
            vuln_answer(out, TP_VULN_UNKNOWN, "compression: %s",
                        f->detail != NULL ? f->detail : "unknown");
        return;
    }
    vuln_answer(out, TP_VULN_UNKNOWN, "compression was not probed");
}

bool vuln_refusal_in_doubt(const struct vuln_input *in, bool (*keep)(uint16_t code),
                           const char *why, struct vuln_answer *out)
{
    if (in->scan == NULL)
        return false;
    for (size_t i = 0; i < in->scan->n_suites; i++) {
        const struct tp_scan_suite *su = &in->scan->suites[i];
        if (su->version < TP_VER_TLS10 || su->version > TP_VER_TLS12 || su->code > UINT16_MAX)
            continue;
        if (keep != NULL && !keep((uint16_t)su->code))
            continue;
        vuln_answer(out, TP_VULN_UNKNOWN,
                    "our hello was refused (%s), yet the scan had %s accepted: the refusal is "
                    "of the hello's shape (an extension the server cannot take?), not an answer",
                    why, su->name != NULL ? su->name : "a suite");
        return true;
    }
    return false;
}
