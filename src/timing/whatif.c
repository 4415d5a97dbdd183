/* whatif.c: "what would shrink it". Each suggestion alters a copy of the
 * measured flights in one way and projects it again on the same link; the
 * saving is the difference. The sizes assumed are the TP_* constants in
 * projection.h and are repeated in each suggestion's text. */
#include "timing/projection.h"

#include <stdio.h>
#include <string.h>

#include "wire/registry.h"

#include "util/banned.h"

struct variant {
    struct tp_flight f[TP_PROJ_MAX_FLIGHTS];
    size_t n;
};

static void shrink(struct tp_flight *f, uint64_t by)
{
    f->bytes = by >= f->bytes ? 0 : f->bytes - (uint32_t)by;
}

static size_t first_of(const struct variant *v, enum tp_dir dir)
{
    for (size_t i = 0; i < v->n; i++)
        if (v->f[i].dir == dir)
            return i;
    return v->n;
}

/* TLS 1.2 -> one round trip fewer: the server's last flight (CCS+Finished,
 * maybe NewSessionTicket) moves into its Certificate flight, as in TLS 1.3
 * (RFC 8446 Sec. 2) and in abbreviated TLS 1.2 (RFC 5246 Sec. 7.3). */
static bool merge_last_server_flight(struct variant *v, size_t cert)
{
    size_t last = v->n;
    for (size_t i = v->n; i > cert + 1; i--) {
        if (v->f[i - 1].dir == TP_DIR_S2C && v->f[i - 1].waits) {
            last = i - 1;
            break;
        }
    }
    if (last == v->n)
        return false;
    v->f[cert].bytes += v->f[last].bytes;
    v->f[cert].records += v->f[last].records;
    memmove(&v->f[last], &v->f[last + 1], (v->n - last - 1) * sizeof v->f[0]);
    v->n--;
    /* A flight that waited for the removed one now follows its own side's. */
    if (last < v->n && last > 0 && v->f[last].dir == v->f[last - 1].dir)
        v->f[last].waits = false;
    return true;
}

struct ctx {
    const struct tp_link *link;
    const struct tp_proj_params *params;
    const struct tp_hs_shape *shape;
    const struct tp_projection *base;
    const struct variant *orig;
    tp_error *err;
};

static uint64_t on_air(const struct tp_projection *p)
{
    return p->wire_bytes[0] + p->wire_bytes[1];
}

static tp_status score(const struct ctx *c, const struct variant *v, struct tp_suggestion *s)
{
    struct tp_projection alt;
    TP_TRY(tp_project(c->link, c->params, v->f, v->n, &alt, c->err));
    s->applicable = true;
    s->saving_ms = c->base->total_ms - alt.total_ms;
    s->saving_bytes = (int64_t)on_air(c->base) - (int64_t)on_air(&alt);
    return TP_OK;
}

static void not_applicable(struct tp_suggestion *s, const char *why)
{
    s->applicable = false;
    snprintf(s->assumption, sizeof s->assumption, "%s", why);
}

static tp_status ecdsa_leaf(const struct ctx *c, struct tp_suggestion *s)
{
    const struct tp_hs_shape *sh = c->shape;
    if (sh->leaf_key != TP_LEAF_RSA || sh->leaf_key_bits < 1024) {
        not_applicable(s, "the leaf key is not RSA");
        return TP_OK;
    }
    uint32_t modulus = sh->leaf_key_bits / 8;
    uint32_t key_saved = modulus + TP_RSA_SPKI_EXTRA - TP_P256_SPKI_BYTES;
    uint32_t sig_saved = modulus > TP_P256_SIG_BYTES ? modulus - TP_P256_SIG_BYTES : 0;
    struct variant v = *c->orig;
    shrink(&v.f[sh->cert_flight], (uint64_t)key_saved + sig_saved);
    snprintf(s->assumption, sizeof s->assumption,
             "leaf key RSA-%u (SPKI %u B, signature %u B) replaced by ECDSA P-256 (SPKI %u B, "
             "signature <= %u B): %u B less in the server flight; the CA's signature on the leaf "
             "is unchanged",
             sh->leaf_key_bits, modulus + TP_RSA_SPKI_EXTRA, modulus, TP_P256_SPKI_BYTES,
             TP_P256_SIG_BYTES, key_saved + sig_saved);
    return score(c, &v, s);
}

static tp_status shorter_chain(const struct ctx *c, struct tp_suggestion *s)
{
    const struct tp_hs_shape *sh = c->shape;
    if (sh->intermediate_bytes == 0) {
        not_applicable(s, "the chain has no intermediate that could be left out");
        return TP_OK;
    }
    /* Each entry has a 3-byte length; TLS 1.3 adds 2 for its extensions
     * (RFC 8446 Sec. 4.4.2). */
    uint32_t entry = sh->intermediate_bytes + 3 + (sh->version == TP_VER_TLS13 ? 2 : 0);
    struct variant v = *c->orig;
    shrink(&v.f[sh->cert_flight], entry);
    snprintf(s->assumption, sizeof s->assumption,
             "one intermediate (%u B DER, %u B in the Certificate message) left out, assuming "
             "clients already hold it (provisioned) or it was not needed to reach their anchor",
             sh->intermediate_bytes, entry);
    return score(c, &v, s);
}

static tp_status cert_compression(const struct ctx *c, struct tp_suggestion *s)
{
    const struct tp_hs_shape *sh = c->shape;
    if (sh->version != TP_VER_TLS13) {
        not_applicable(s, "certificate compression (RFC 8879) needs TLS 1.3");
        return TP_OK;
    }
    if (sh->cert_msg_bytes <= 4) {
        not_applicable(s, "no Certificate message");
        return TP_OK;
    }
    /* CompressedCertificate: 4-byte header, algorithm 2, uncompressed
     * length 3, compressed vector length 3 (RFC 8879 Sec. 4). */
    uint64_t body = sh->cert_msg_bytes - 4;
    uint64_t compressed = 4 + 2 + 3 + 3 + (body * TP_CERT_COMPRESSION_PERCENT + 99) / 100;
    struct variant v = *c->orig;
    shrink(&v.f[sh->cert_flight], sh->cert_msg_bytes - compressed);
    snprintf(s->assumption, sizeof s->assumption,
             "Certificate message %u B compressed to %u%% of its body (RFC 8879; typical of "
             "zlib/brotli on DER chains): %llu B; both sides must support it",
             sh->cert_msg_bytes, TP_CERT_COMPRESSION_PERCENT, (unsigned long long)compressed);
    return score(c, &v, s);
}

static tp_status resumption(const struct ctx *c, struct tp_suggestion *s)
{
    const struct tp_hs_shape *sh = c->shape;
    struct variant v = *c->orig;
    size_t ch = first_of(&v, TP_DIR_C2S), cke = v.n;
    shrink(&v.f[sh->cert_flight], (uint64_t)sh->cert_msg_bytes + sh->server_kx_bytes);
    if (sh->version == TP_VER_TLS13) {
        /* pre_shared_key: 4 + 2 + 2 + ticket + 4 + 2 + 1 + 32 (SHA-256 binder),
         * psk_key_exchange_modes: 6 (RFC 8446 Sec. 4.2.9, 4.2.11). */
        uint32_t grow = 47 + TP_TICKET_BYTES + 6;
        if (ch < v.n)
            v.f[ch].bytes += grow;
        snprintf(s->assumption, sizeof s->assumption,
                 "TLS 1.3 PSK resumption: no Certificate (%u B) and no CertificateVerify (%u B); "
                 "the ClientHello grows by %u B (a %u B ticket and its binder); same round trips",
                 sh->cert_msg_bytes, sh->server_kx_bytes, grow, TP_TICKET_BYTES);
        return score(c, &v, s);
    }
    for (size_t i = sh->cert_flight + 1; i < v.n && cke == v.n; i++)
        if (v.f[i].dir == TP_DIR_C2S)
            cke = i;
    if (cke < v.n)
        shrink(&v.f[cke], sh->client_kx_bytes);
    if (ch < v.n)
        v.f[ch].bytes += 4 + TP_TICKET_BYTES; /* session_ticket extension, RFC 5077 */
    merge_last_server_flight(&v, sh->cert_flight);
    snprintf(s->assumption, sizeof s->assumption,
             "TLS 1.2 abbreviated handshake (RFC 5246 Sec. 7.3, ticket RFC 5077): no Certificate "
             "(%u B), ServerKeyExchange (%u B) or ClientKeyExchange (%u B), one round trip fewer; "
             "the ClientHello carries a %u B ticket",
             sh->cert_msg_bytes, sh->server_kx_bytes, sh->client_kx_bytes, TP_TICKET_BYTES);
    return score(c, &v, s);
}

static tp_status tls13(const struct ctx *c, struct tp_suggestion *s)
{
    if (c->shape->version == TP_VER_TLS13) {
        not_applicable(s, "the handshake already is TLS 1.3");
        return TP_OK;
    }
    struct variant v = *c->orig;
    if (!merge_last_server_flight(&v, c->shape->cert_flight)) {
        not_applicable(s, "no final server flight to save");
        return TP_OK;
    }
    snprintf(s->assumption, sizeof s->assumption,
             "TLS 1.3 full handshake (RFC 8446 Sec. 2): the server finishes in its first flight, "
             "one round trip fewer; bytes assumed unchanged");
    return score(c, &v, s);
}

static tp_status record_limit(const struct ctx *c, struct tp_suggestion *s)
{
    const struct tp_link *link = c->link;
    const struct tp_proj_params *p = c->params;
    uint32_t per_packet = link->mtu == 0 ? link->frame_payload
                                         : link->mtu - (p->ipv6 ? 40u : 20u) - 20u - p->tcp_options;
    if (link->frame_payload != 0 && link->frame_payload < per_packet)
        per_packet = link->frame_payload;
    /* 5-byte header; TLS 1.3 adds the inner type and a 16-byte tag. */
    uint32_t overhead = c->shape->version == TP_VER_TLS13 ? 22 : 5;
    uint32_t limit = per_packet > overhead + 64 ? per_packet - overhead : 64; /* RFC 8449 Sec. 4 */
    struct variant v = *c->orig;
    bool any = false;
    for (size_t i = 0; i < v.n; i++) {
        uint32_t need = (v.f[i].bytes + limit - 1) / limit;
        if (v.f[i].records > 0 && need > v.f[i].records) {
            v.f[i].bytes += (need - v.f[i].records) * overhead;
            v.f[i].records = need;
            any = true;
        }
    }
    if (!any) {
        not_applicable(s, "records already fit one packet or frame");
        return TP_OK;
    }
    snprintf(s->assumption, sizeof s->assumption,
             "record_size_limit %u (RFC 8449) so each record fits one packet/frame: %u B more per "
             "extra record; TCP segments the stream regardless, so the gain is a receiver that "
             "can process each packet without buffering a 16 KB record, not time",
             limit, overhead);
    return score(c, &v, s);
}

tp_status tp_project_whatif(const struct tp_link *link, const struct tp_proj_params *params,
                            const struct tp_flight *flights, size_t n_flights,
                            const struct tp_hs_shape *shape, struct tp_whatif *out, tp_error *err)
{
    static const char *const names[TP_SUGGEST_COUNT] = {
        "ecdsa-leaf", "shorter-chain", "cert-compression", "resumption", "tls13",
        "record-size-limit",
    };
    static tp_status (*const fns[TP_SUGGEST_COUNT])(const struct ctx *, struct tp_suggestion *) = {
        ecdsa_leaf, shorter_chain, cert_compression, resumption, tls13, record_limit,
    };
    struct tp_proj_params defaults;
    tp_proj_params_default(&defaults);
    const struct tp_proj_params *p = params != NULL ? params : &defaults;
    struct tp_projection base;
    TP_TRY(tp_project(link, p, flights, n_flights, &base, err));
    if (shape->cert_flight >= n_flights || flights[shape->cert_flight].dir != TP_DIR_S2C)
        return tp_fail(err, TP_E_INTERNAL, "whatif: cert_flight %zu is not a server flight",
                       shape->cert_flight);

    struct variant orig;
    memcpy(orig.f, flights, n_flights * sizeof flights[0]);
    orig.n = n_flights;
    struct ctx c = {link, p, shape, &base, &orig, err};

    memset(out, 0, sizeof *out);
    uint64_t tls = base.tls_bytes[0] + base.tls_bytes[1];
    out->cert_share = tls ? (double)shape->cert_msg_bytes / (double)tls : 0.0;
    for (int i = 0; i < TP_SUGGEST_COUNT; i++) {
        out->items[i].name = names[i];
        TP_TRY(fns[i](&c, &out->items[i]));
    }
    return TP_OK;
}
