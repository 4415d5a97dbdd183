/* handshake.c: findings about the negotiated handshake (protocol version,
 * cipher suite, key exchange, handshake signature, renegotiation, EMS,
 * OCSP stapling, client authentication), and the entry point that runs
 * every rule, the certificate rules of certs.c included.
 *
 * Classes and citations follow shared/data/grading.md: what a standard says
 * MUST NOT becomes high or critical, SHOULD NOT medium, discouraged low. */
#include "grade/grade.h"

#include <stdio.h>
#include <string.h>

#include "grade/checks.h"
#include "wire/registry.h"
#include "util/banned.h"

static const char *version_label(uint16_t version)
{
    const char *name = tp_version_name(version);
    return name != NULL ? name : "TLS 1.2 or earlier";
}

/* Only TLS <= 1.2 has renegotiation, EMS and cipher suites that name their
 * key exchange; 0 (unknown) is neither. */
static bool version_before_tls13(uint16_t version)
{
    return version != 0 && tp_version_tls_equivalent(version) < TP_VER_TLS13;
}

/* Our offer includes TLS 1.3 unless the user capped it with --tls-max or
 * replaced the whole offer with --priority (which we cannot interpret). */
static bool offered_tls13(const struct tp_config *cfg)
{
    return cfg->priority == NULL && (cfg->tls_max == 0 || cfg->tls_max >= TP_VER_TLS13);
}

static bool cert_refused(const struct tp_report *r);

static tp_status check_failed(const struct grade_ctx *ctx)
{
    const struct tp_report *r = ctx->report;
    if (r->handshake.completed || r->failure.stage != TP_STAGE_TLS)
        return TP_OK;
    if (cert_refused(r))
        return TP_OK; /* check_client_cert says why */
    const char *why = r->failure.message != NULL ? r->failure.message : "no reason recorded";
    if (r->failure.alert_name != NULL)
        return tp_report_add_finding(ctx->report, "tls-failed",
                                     "handshake did not complete: %s (alert %s)", why,
                                     r->failure.alert_name);
    return tp_report_add_finding(ctx->report, "tls-failed", "handshake did not complete: %s",
                                 why);
}

/* RFC 6176 Sec. 3, RFC 7568 Sec. 3, RFC 8996 Sec. 4-5, RFC 9325 Sec. 3.1.1. */
static tp_status check_version(const struct grade_ctx *ctx)
{
    struct tp_report *r = ctx->report;
    switch (r->handshake.version) {
    case TP_VER_SSL2:
        return tp_report_add_finding(r, "protocol-sslv2",
                                     "server negotiated SSLv2, which RFC 6176 prohibits");
    case TP_VER_SSL3:
        return tp_report_add_finding(r, "protocol-sslv3",
                                     "server negotiated SSLv3, which RFC 7568 prohibits");
    case TP_VER_TLS10:
        return tp_report_add_finding(r, "protocol-tls10",
                                     "server negotiated TLSv1.0, which RFC 8996 forbids");
    case TP_VER_TLS11:
        return tp_report_add_finding(r, "protocol-tls11",
                                     "server negotiated TLSv1.1, which RFC 8996 forbids");
    case TP_VER_TLS12:
        /* A server that supports 1.3 MUST pick it when offered (RFC 8446
         * Sec. 4.2.1), so choosing 1.2 over our 1.3 offer means no 1.3. */
        if (!offered_tls13(ctx->cfg))
            return TP_OK;
        return tp_report_add_finding(r, "protocol-no-tls13",
                                     "server chose TLSv1.2 although TLSv1.3 was offered: it "
                                     "does not support TLS 1.3");
    default:
        return TP_OK;
    }
}

/* The negotiated suite, or NULL when unknown or not a real suite. */
static const struct tp_suite_info *negotiated_suite(const struct tp_report *r)
{
    if (r->handshake.cipher_code == 0)
        return NULL; /* TLS_NULL_WITH_NULL_NULL is never negotiated: 0 means unknown */
    const struct tp_suite_info *suite = tp_suite_by_code(r->handshake.cipher_code);
    if (suite == NULL || (suite->flags & (TP_SF_SCSV | TP_SF_GREASE)) != 0)
        return NULL;
    return suite;
}

static const char *suite_label(const struct tp_report *r, const struct tp_suite_info *suite)
{
    const char *name = tp_suite_name(suite);
    if (name == NULL)
        name = r->handshake.cipher_name;
    return name != NULL ? name : "unnamed suite";
}

/* Suite flags that are a finding by themselves, with why. */
static const struct suite_flag_rule {
    uint32_t flags; /* any of */
    const char *id;
    const char *why;
} suite_flag_rules[] = {
    /* RFC 9325 Sec. 4.1 */
    {TP_SF_NULL, "cipher-null", "encrypts nothing (NULL cipher)"},
    /* RFC 5246 App. A.5 */
    {TP_SF_ANON, "cipher-anon",
     "uses anonymous key exchange: nothing authenticates the server"},
    /* RFC 9325 Sec. 4.1; RFC 8446 App. D.5 */
    {TP_SF_EXPORT, "cipher-export", "is an export-grade suite (deliberately weakened)"},
    /* RFC 7465 Sec. 2 */
    {TP_SF_RC4, "cipher-rc4", "uses RC4, which RFC 7465 prohibits"},
    /* RFC 9325 Sec. 4.1; CVE-2016-2183 */
    {TP_SF_BLOCK64, "cipher-64bit-block", "uses a 64-bit block cipher, open to SWEET32"},
    /* RFC 9325 Sec. 4.1; obsolete-kex Sec. 4 */
    {TP_SF_STATIC_RSA, "cipher-static-rsa",
     "uses static RSA key transport: no forward secrecy"},
    /* RFC 9325 Sec. 4.1; obsolete-kex Sec. 2 */
    {TP_SF_STATIC_DH, "cipher-static-dh", "uses static (EC)DH key exchange: no forward secrecy"},
    /* RFC 9147 Sec. 4.5.3 */
    {TP_SF_CCM8, "cipher-ccm8", "uses CCM_8, whose 64-bit tag weakens integrity"},
    {TP_SF_NON_IANA | TP_SF_DRAFT, "cipher-non-standard",
     "is not a standard IANA code point (draft or vendor suite)"},
};

static tp_status check_suite_flags(const struct grade_ctx *ctx)
{
    const struct tp_suite_info *suite = negotiated_suite(ctx->report);
    if (suite == NULL)
        return TP_OK;
    for (size_t i = 0; i < sizeof suite_flag_rules / sizeof suite_flag_rules[0]; i++) {
        const struct suite_flag_rule *rule = &suite_flag_rules[i];
        if ((suite->flags & rule->flags) == 0)
            continue;
        TP_TRY(tp_report_add_finding(ctx->report, rule->id, "negotiated suite %s (0x%04X) %s",
                                     suite_label(ctx->report, suite),
                                     ctx->report->handshake.cipher_code, rule->why));
    }
    return TP_OK;
}

/* RFC 9325 Sec. 4.1: at least 112 bits. NULL and export suites already
 * have their own (worse-named) finding. */
static tp_status check_suite_strength(const struct grade_ctx *ctx)
{
    const struct tp_suite_info *suite = negotiated_suite(ctx->report);
    if (suite == NULL || (suite->flags & (TP_SF_NULL | TP_SF_EXPORT)) != 0 ||
        suite->strength_bits >= 112)
        return TP_OK;
    return tp_report_add_finding(ctx->report, "cipher-weak-strength",
                                 "negotiated suite %s (0x%04X) gives %u bits of security "
                                 "(< 112)",
                                 suite_label(ctx->report, suite),
                                 ctx->report->handshake.cipher_code, suite->strength_bits);
}

/* RFC 9325 Sec. 4.1 (SHOULD NOT); obsolete-kex Sec. 3 (MUST NOT in TLS 1.2).
 * Every suite with finite-field DHE key exchange predates TLS 1.3, which
 * negotiates FFDHE groups separately and is not affected. */
static tp_status check_suite_dhe(const struct grade_ctx *ctx)
{
    const struct tp_suite_info *suite = negotiated_suite(ctx->report);
    if (suite == NULL || suite->kx == NULL ||
        (strcmp(suite->kx, "DHE") != 0 && strcmp(suite->kx, "DHE_PSK") != 0))
        return TP_OK;
    return tp_report_add_finding(ctx->report, "cipher-dhe-tls12",
                                 "negotiated suite %s (0x%04X) uses finite-field DHE in %s",
                                 suite_label(ctx->report, suite),
                                 ctx->report->handshake.cipher_code,
                                 version_label(ctx->report->handshake.version));
}

/* RFC 9325 Sec. 4.2: CBC only with encrypt_then_mac (RFC 7366). */
static tp_status check_suite_cbc(const struct grade_ctx *ctx)
{
    const struct tp_suite_info *suite = negotiated_suite(ctx->report);
    if (suite == NULL || (suite->flags & TP_SF_CBC) == 0 ||
        ctx->report->handshake.encrypt_then_mac != TP_TRI_NO)
        return TP_OK;
    return tp_report_add_finding(ctx->report, "cipher-cbc-no-etm",
                                 "negotiated CBC suite %s (0x%04X) without encrypt_then_mac "
                                 "(RFC 7366): MAC-then-encrypt is open to padding oracles "
                                 "(Lucky13)",
                                 suite_label(ctx->report, suite),
                                 ctx->report->handshake.cipher_code);
}

/* RFC 9325 Sec. 4.5: DH groups of at least 2048 bits. */
static tp_status check_dh_bits(const struct grade_ctx *ctx)
{
    unsigned bits = ctx->report->handshake.dh_bits;
    if (bits == 0 || bits >= 2048)
        return TP_OK;
    return tp_report_add_finding(ctx->report, "kex-dh-small",
                                 "Diffie-Hellman group is %u bits (< 2048)", bits);
}

static bool group_is_ec(const struct tp_group_info *group)
{
    return group->type != NULL && strncmp(group->type, "ec-", 3) == 0;
}

/* RFC 9325 Sec. 4.5: no curves under 224 bits (112-bit security);
 * RFC 8422 Sec. 5.1.1 deprecates NamedCurve 1-22. The small-curve finding
 * already covers a small deprecated curve, so only one is raised. */
static tp_status check_group(const struct grade_ctx *ctx)
{
    const struct tp_handshake *hs = &ctx->report->handshake;
    if (hs->group_code == 0)
        return TP_OK;
    const struct tp_group_info *group = tp_group_by_code(hs->group_code);
    if (group == NULL)
        return TP_OK;
    if (group_is_ec(group) && group->security_bits != 0 && group->security_bits < 112)
        return tp_report_add_finding(ctx->report, "kex-ec-small",
                                     "key exchange group %s (0x%04X) gives %u bits of security "
                                     "(< 112: curve under 224 bits)",
                                     group->iana_name, group->code, group->security_bits);
    if ((group->status & TP_GS_DEPRECATED_RFC8422) != 0)
        return tp_report_add_finding(ctx->report, "kex-group-deprecated",
                                     "key exchange group %s (0x%04X) is deprecated by RFC 8422 "
                                     "Sec. 5.1.1",
                                     group->iana_name, group->code);
    return TP_OK;
}

/* RFC 9155 Sec. 2-5: no MD5 or SHA-1 in handshake signatures. */
static tp_status check_sig_scheme(const struct grade_ctx *ctx)
{
    const struct tp_handshake *hs = &ctx->report->handshake;
    if (hs->sig_scheme_code == 0)
        return TP_OK;
    const struct tp_sigscheme_info *scheme = tp_sigscheme_by_code(hs->sig_scheme_code);
    if (scheme == NULL || (scheme->status & TP_SS_WEAK_HASH) == 0)
        return TP_OK;
    return tp_report_add_finding(ctx->report, "sig-sha1-handshake",
                                 "server signed the handshake with %s (0x%04X, %s hash)",
                                 scheme->name, scheme->code,
                                 scheme->hash != NULL ? scheme->hash : "weak");
}

/* RFC 5746; RFC 9325 Sec. 3.5. TLS 1.3 has no renegotiation. */
static tp_status check_renegotiation(const struct grade_ctx *ctx)
{
    const struct tp_handshake *hs = &ctx->report->handshake;
    if (hs->secure_renegotiation != TP_TRI_NO || !version_before_tls13(hs->version))
        return TP_OK;
    return tp_report_add_finding(ctx->report, "reneg-insecure",
                                 "server sent no renegotiation_info (RFC 5746) in %s: "
                                 "renegotiation is open to prefix injection",
                                 version_label(hs->version));
}

/* RFC 7627; RFC 9325 Sec. 3.5. EMS exists for TLS 1.0-1.2 (not SSLv3, which
 * has no extensions); TLS 1.3 always binds the key schedule to the
 * transcript. */
static tp_status check_ems(const struct grade_ctx *ctx)
{
    const struct tp_handshake *hs = &ctx->report->handshake;
    uint16_t tls_version = tp_version_tls_equivalent(hs->version);
    if (hs->extended_master_secret != TP_TRI_NO || tls_version < TP_VER_TLS10 ||
        tls_version > TP_VER_TLS12)
        return TP_OK;
    return tp_report_add_finding(ctx->report, "ems-missing",
                                 "extended_master_secret (RFC 7627) not negotiated in %s: "
                                 "sessions are open to triple-handshake attacks",
                                 version_label(hs->version));
}

/* RFC 6066 Sec. 8 (status_request); RFC 9325 Sec. 7.5 recommends
 * stapling. Without certificates (PSK) there is nothing to staple. */
static tp_status check_ocsp(const struct grade_ctx *ctx)
{
    struct tp_report *r = ctx->report;
    const char *status = r->handshake.ocsp_status;
    char leaf[160];
    grade_cert_label(&ctx->chain, 0, leaf, sizeof leaf);
    if (status != NULL && strcmp(status, "revoked") == 0)
        return tp_report_add_finding(r, "ocsp-revoked",
                                     "stapled OCSP response says %s is revoked", leaf);
    if (status != NULL && strcmp(status, "invalid") == 0)
        return tp_report_add_finding(r, "ocsp-invalid",
                                     "stapled OCSP response for %s does not verify", leaf);
    if (r->handshake.ocsp_stapled == TP_TRI_NO && r->n_certs > 0)
        return tp_report_add_finding(r, "ocsp-not-stapled",
                                     "server stapled no OCSP response for %s", leaf);
    return TP_OK;
}

/* Up to three acceptable CA names, "; "-separated, for a finding. */
static void ca_names_text(const struct tp_strlist *names, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < names->count && i < 3 && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? "; " : "",
                                 names->items[i]);
    if (names->count > 3 && used < size)
        snprintf(buf + used, size - used, "; and %zu more", names->count - 3);
}

/* The server ended a handshake in which it had asked for a certificate. */
static bool cert_refused(const struct tp_report *r)
{
    return r->handshake.client_cert_requested == TP_TRI_YES && !r->handshake.completed &&
           r->failure.stage == TP_STAGE_TLS;
}

/* RFC 8446 Sec. 4.3.2 and 4.4.2.4; RFC 5246 Sec. 7.4.4 and 7.4.6. */
static tp_status check_client_cert(const struct grade_ctx *ctx)
{
    struct tp_report *r = ctx->report;
    const struct tp_handshake *hs = &r->handshake;
    if (hs->client_cert_requested != TP_TRI_YES)
        return TP_OK;
    char cas[512];
    ca_names_text(&hs->client_ca_names, cas, sizeof cas);
    const char *alert = r->failure.alert_name != NULL ? r->failure.alert_name : "a close";
    if (cert_refused(r) && hs->client_cert_sent != TP_TRI_YES)
        return tp_report_add_finding(
            r, "client-cert-required",
            "server requires a client certificate (mutual TLS): it ended the handshake with %s "
            "when none was sent; acceptable CAs: %s; give one with --cert/--key",
            alert, cas[0] ? cas : "any (none listed)");
    if (cert_refused(r))
        return tp_report_add_finding(r, "client-cert-rejected",
                                     "server rejected the --cert certificate with %s "
                                     "(acceptable CAs: %s)",
                                     alert, cas[0] ? cas : "any (none listed)");
    size_t n = hs->client_ca_names.count;
    return tp_report_add_finding(r, "client-cert-requested",
                                 "server requested a client certificate (%zu acceptable CA "
                                 "name%s)%s",
                                 n, n == 1 ? "" : "s",
                                 hs->client_cert_sent == TP_TRI_YES ? "; --cert was accepted"
                                 : hs->completed ? "; it went on without one"
                                                 : "");
}

/* RFC 9325 Sec. 4.1 (forward secrecy), RFC 8446 Sec. 2.2: a PSK used
 * without an (EC)DHE share (TLS 1.3 psk_ke, TLS 1.2 PSK or RSA_PSK)
 * derives every key from the PSK alone. */
static tp_status check_psk(const struct grade_ctx *ctx)
{
    const struct tp_psk *p = &ctx->report->handshake.psk;
    if (p->used != TP_TRI_YES || p->forward_secrecy != TP_TRI_NO)
        return TP_OK;
    return tp_report_add_finding(ctx->report, "psk-no-forward-secrecy",
                                 "the PSK was used with the %s key exchange, without "
                                 "(EC)DHE: whoever learns the key can decrypt recorded "
                                 "sessions",
                                 p->key_exchange != NULL ? p->key_exchange : "PSK");
}

static tp_status check_intolerance(const struct grade_ctx *ctx)
{
    return grade_intolerance(ctx->report, ctx->report->handshake.intolerance, "the handshake");
}

static const struct grade_check {
    const char *name;
    grade_check_fn fn;
} grade_checks[] = {
    {"handshake failure", check_failed},
    {"protocol version", check_version},
    {"cipher suite flags", check_suite_flags},
    {"cipher strength", check_suite_strength},
    {"DHE in TLS <= 1.2", check_suite_dhe},
    {"CBC without ETM", check_suite_cbc},
    {"DH group size", check_dh_bits},
    {"key exchange group", check_group},
    {"handshake signature", check_sig_scheme},
    {"secure renegotiation", check_renegotiation},
    {"extended master secret", check_ems},
    {"OCSP stapling", check_ocsp},
    {"offer intolerance", check_intolerance},
    {"client certificate", check_client_cert},
    {"pre-shared key", check_psk},
    {"DTLS", grade_dtls},
};

/* Run on the negotiated chain and on each other chain the server holds. */
static const struct grade_check cert_checks[] = {
    {"chain trust", grade_cert_trust},
    {"host name", grade_cert_hostname},
    {"validity period", grade_cert_validity},
    {"expiring soon", grade_cert_expiring},
    {"key sizes", grade_cert_keys},
    {"certificate signatures", grade_cert_signatures},
    {"leaf certificate", grade_cert_leaf},
    {"chain shape", grade_chain_shape},
};

static tp_status run_cert_checks(const struct grade_ctx *ctx)
{
    for (size_t i = 0; i < sizeof cert_checks / sizeof cert_checks[0]; i++)
        TP_TRY(cert_checks[i].fn(ctx));
    return TP_OK;
}

tp_status grade_handshake(struct tp_report *report, const struct tp_config *cfg, int64_t now)
{
    if (report == NULL || cfg == NULL)
        return TP_E_INTERNAL;
    struct grade_ctx ctx = {.report = report, .chain = tp_report_chain_view(report),
                            .cfg = cfg, .now = now};
    for (size_t i = 0; i < sizeof grade_checks / sizeof grade_checks[0]; i++)
        TP_TRY(grade_checks[i].fn(&ctx));
    TP_TRY(run_cert_checks(&ctx));
    for (size_t c = 0; c < report->n_other_chains; c++) {
        ctx.chain = tp_other_chain_view(&report->other_chains[c]);
        TP_TRY(run_cert_checks(&ctx));
    }
    tp_report_sort_findings(report);
    return TP_OK;
}
