/* audit.c: --read (see audit.h). */
#include "capture/audit.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "capture/ja4.h"
#include "capture/offer.h"
#include "capture/packet.h"
#include "capture/pcapfile.h"
#include "capture/tcpstream.h"
#include "report/timing_model.h"
#include "timing/timeline.h"
#include "util/clock.h"
#include "wire/certificate.h"
#include "wire/clienthello.h"
#include "wire/record.h"
#include "wire/registry.h"
#include "wire/serverhello.h"
#include "wire/ssl2.h"
#include "util/banned.h"

#define PROGRESS_EVERY 65536u
/* A SSL 2.0 CLIENT-HELLO is one record of at most 2^15 bytes. */
#define SSL2_MAX_RECORD (2u + 32767u)

/* The offer findings (offer.h), then the choice findings, in catalog
 * order. */
enum rule {
    R_OFFER_SSLV2 = TP_OFFER_RULE_SSLV2,
    R_OFFER_NO_TLS13 = TP_OFFER_RULE_NO_TLS13,
    R_CHOSE_SSLV3 = TP_OFFER_RULE_COUNT,
    R_CHOSE_TLS10,
    R_CHOSE_TLS11,
    R_CHOSE_EXPORT,
    R_CHOSE_NULL,
    R_CHOSE_ANON,
    R_CHOSE_RC4,
    R_CHOSE_64BIT,
    R_COUNT
};

static const struct {
    const char *id;
    const char *what;   /* "negotiated ..." */
} chose_rules[R_COUNT - TP_OFFER_RULE_COUNT] = {
    [R_CHOSE_SSLV3 - TP_OFFER_RULE_COUNT] = {"protocol-sslv3", "SSL 3.0 negotiated"},
    [R_CHOSE_TLS10 - TP_OFFER_RULE_COUNT] = {"protocol-tls10", "TLS 1.0 negotiated"},
    [R_CHOSE_TLS11 - TP_OFFER_RULE_COUNT] = {"protocol-tls11", "TLS 1.1 negotiated"},
    [R_CHOSE_EXPORT - TP_OFFER_RULE_COUNT] = {"cipher-export", "export-grade suite negotiated"},
    [R_CHOSE_NULL - TP_OFFER_RULE_COUNT] = {"cipher-null", "NULL-encryption suite negotiated"},
    [R_CHOSE_ANON - TP_OFFER_RULE_COUNT] = {"cipher-anon", "anonymous suite negotiated"},
    [R_CHOSE_RC4 - TP_OFFER_RULE_COUNT] = {"cipher-rc4", "RC4 negotiated"},
    [R_CHOSE_64BIT - TP_OFFER_RULE_COUNT] = {"cipher-64bit-block", "64-bit block cipher negotiated"},
};

static const char *rule_id(enum rule r)
{
    return (int)r < (int)TP_OFFER_RULE_COUNT ? tp_offer_rule_id((enum tp_offer_rule)r)
                              : chose_rules[r - TP_OFFER_RULE_COUNT].id;
}

static const char *rule_what(enum rule r)
{
    return (int)r < (int)TP_OFFER_RULE_COUNT ? tp_offer_rule_what((enum tp_offer_rule)r)
                              : chose_rules[r - TP_OFFER_RULE_COUNT].what;
}

struct rule_hits {
    uint64_t count;
    char first[400]; /* the first handshake that raised it, with detail */
};

struct audit;

/* Describing a certificate (GnuTLS parse, names, key) costs far more than
 * the rest of a handshake's analysis, and a capture mostly repeats the same
 * chains: the last CERT_CACHE descriptions are kept with their DER, found
 * by a cheap hash and confirmed by comparing the bytes (hashing every
 * certificate with SHA-256 for the key cost a tenth of the run). */
#define CERT_CACHE 64
/* Longer certificates are described every time rather than remembered. */
#define CERT_MEMO_MAX (16u * 1024u)

struct cert_memo {
    bool used;
    uint64_t hash;
    uint8_t *der;
    size_t len;
    char *subject, *issuer, *key_type;
    unsigned key_bits;
    char sha256[65];
};

/* JA4 hashes its lists with SHA-256, and a capture mostly repeats the same
 * few clients' offers: the last JA4_CACHE fingerprints are kept by their
 * input (every field tp_ja4() reads, serialised), confirmed by memcmp. */
#define JA4_CACHE 16

struct ja4_memo {
    uint64_t hash;
    uint8_t *key;
    size_t len;
    char ja4[TP_JA4_LEN];
};

/* One TCP stream while it is open. */
struct stream_state {
    struct audit *a;
    bool decided, is_tls, ssl2;
    uint8_t head[TP_RECORD_HEADER_LEN];
    size_t head_len;
    uint8_t *ssl2_buf;
    size_t ssl2_len;
    tp_tl_builder tl;
    struct tp_audit_hs hs;
    tp_status failed;
};

struct audit {
    const struct tp_audit_hooks *hooks;
    struct tp_audit_sink sink;
    struct tp_audit *out;
    struct tp_report *report;
    uint64_t t0_ns;
    bool have_t0;
    int64_t now;
    struct rule_hits hits[R_COUNT];
    tp_status failed;        /* first failure in a callback: NOMEM or the sink's */
    struct cert_memo memo[CERT_CACHE];
    size_t memo_next;
    struct ja4_memo ja4s[JA4_CACHE];
    size_t ja4_next;
};

static uint64_t bytes_hash(const uint8_t *p, size_t len);

/* ---- the client's offer ---- */

static uint8_t *put_codes(uint8_t *p, const uint16_t *v, size_t n)
{
    uint32_t count = (uint32_t)n;
    memcpy(p, &count, sizeof count);
    if (n > 0)
        memcpy(p + sizeof count, v, n * sizeof *v);
    return p + sizeof count + n * sizeof *v;
}

/* tp_ja4(in) through the memo. */
static tp_status ja4_of(struct audit *a, const struct tp_ja4_input *in, char out[TP_JA4_LEN])
{
    size_t len = 4 + in->alpn_len + 4 * sizeof(uint32_t) +
                 sizeof(uint16_t) * (in->n_suites + in->n_extensions + in->n_versions +
                                     in->n_sigalgs);
    uint8_t *key = malloc(len), *p = key;
    if (key == NULL)
        return TP_E_NOMEM;
    *p++ = (uint8_t)(in->legacy_version >> 8);
    *p++ = (uint8_t)in->legacy_version;
    *p++ = (uint8_t)(in->quic << 1 | in->has_sni);
    *p++ = (uint8_t)in->alpn_len;
    if (in->alpn_len > 0)
        memcpy(p, in->alpn, in->alpn_len);
    p += in->alpn_len;
    p = put_codes(p, in->suites, in->n_suites);
    p = put_codes(p, in->extensions, in->n_extensions);
    p = put_codes(p, in->versions, in->n_versions);
    put_codes(p, in->sigalgs, in->n_sigalgs);
    uint64_t hash = bytes_hash(key, len);
    for (size_t i = 0; i < JA4_CACHE; i++) {
        const struct ja4_memo *m = &a->ja4s[i];
        if (m->key != NULL && m->hash == hash && m->len == len && memcmp(m->key, key, len) == 0) {
            memcpy(out, m->ja4, TP_JA4_LEN);
            free(key);
            return TP_OK;
        }
    }
    struct ja4_memo *m = &a->ja4s[a->ja4_next];
    a->ja4_next = (a->ja4_next + 1) % JA4_CACHE;
    free(m->key);
    *m = (struct ja4_memo){.hash = hash, .key = key, .len = len};
    tp_ja4(in, m->ja4, NULL, 0);
    memcpy(out, m->ja4, TP_JA4_LEN);
    return TP_OK;
}

static tp_status keep_client_hello(struct stream_state *s, const tp_client_hello *ch)
{
    TP_TRY(tp_offer_keep(&s->hs, ch));
    /* JA4 over everything offered (the kept lists may be capped). */
    struct tp_ja4_input in;
    uint16_t *scratch = NULL;
    tp_status status = tp_offer_ja4_input(ch, &in, &scratch);
    if (status == TP_OK)
        status = ja4_of(s->a, &in, s->hs.ja4);
    free(scratch);
    return status;
}

/* ---- the server's choice ---- */

static void keep_server_hello(struct stream_state *s, const tp_server_hello *sh)
{
    struct tp_audit_hs *h = &s->hs;
    if (sh->is_hrr) {
        h->hello_retry = true;
        return;
    }
    h->has_server_hello = true;
    h->version = sh->version;
    h->suite = sh->cipher_suite;
    h->group = sh->has_key_share ? sh->key_share_group : 0;
    /* RFC 5246 Sec. 7.4.1.3: a non-empty echoed session ID resumes; RFC 8446
     * Sec. 4.2.11: so does the server's pre_shared_key. */
    if (sh->version == TP_VER_TLS13)
        h->resumed = tp_ext_find(&sh->exts, TP_EXT_PRE_SHARED_KEY) != NULL;
}

static tp_status memo_fill(const struct cert_memo *m, struct tp_cert *cert)
{
    TP_TRY(tp_set_str(&cert->subject, m->subject));
    TP_TRY(tp_set_str(&cert->issuer, m->issuer));
    TP_TRY(tp_set_str(&cert->key_type, m->key_type));
    cert->key_bits = m->key_bits;
    memcpy(cert->sha256, m->sha256, sizeof cert->sha256);
    return TP_OK;
}

static void memo_clear(struct cert_memo *m)
{
    free(m->der);
    free(m->subject);
    free(m->issuer);
    free(m->key_type);
    memset(m, 0, sizeof *m);
}

static tp_status memo_keep(struct cert_memo *m, const uint8_t *der, size_t len, uint64_t hash,
                           const struct tp_cert *full)
{
    if ((m->der = malloc(len)) == NULL)
        return TP_E_NOMEM;
    memcpy(m->der, der, len);
    m->len = len;
    m->hash = hash;
    m->key_bits = full->key_bits;
    memcpy(m->sha256, full->sha256, sizeof m->sha256);
    TP_TRY(tp_set_str(&m->subject, full->subject));
    TP_TRY(tp_set_str(&m->issuer, full->issuer));
    TP_TRY(tp_set_str(&m->key_type, full->key_type));
    m->used = true;
    return TP_OK;
}

/* A cache key, not a digest: 64-bit words mixed in (a multiply-xorshift),
 * then the tail bytes. Equal keys are confirmed by memcmp. */
static uint64_t bytes_hash(const uint8_t *p, size_t len)
{
    uint64_t h = 0x9e3779b97f4a7c15u ^ len;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdu;
        h ^= h >> 32;
    }
    for (; i < len; i++)
        h = (h ^ p[i]) * 0x100000001b3u;
    return h ^ (h >> 29);
}

/* What the report shows of one certificate: subject, issuer, key, SHA-256. */
static tp_status describe(struct audit *a, const uint8_t *der, size_t len, struct tp_cert *cert)
{
    uint64_t hash = bytes_hash(der, len);
    for (size_t i = 0; i < CERT_CACHE; i++) {
        const struct cert_memo *m = &a->memo[i];
        if (m->used && m->hash == hash && m->len == len && memcmp(m->der, der, len) == 0)
            return memo_fill(m, cert);
    }
    struct tp_cert full;
    memset(&full, 0, sizeof full);
    tp_status status = a->hooks->describe_cert(der, len, a->now, &full);
    struct cert_memo *m = &a->memo[a->memo_next];
    if (status == TP_OK && len <= CERT_MEMO_MAX) {
        a->memo_next = (a->memo_next + 1) % CERT_CACHE;
        memo_clear(m);
        status = memo_keep(m, der, len, hash, &full);
        if (status == TP_OK)
            status = memo_fill(m, cert);
    } else if (status == TP_OK) {
        /* Too long to remember: described, not kept. */
        cert->subject = full.subject;
        cert->issuer = full.issuer;
        cert->key_type = full.key_type;
        full.subject = full.issuer = full.key_type = NULL;
        cert->key_bits = full.key_bits;
        memcpy(cert->sha256, full.sha256, sizeof cert->sha256);
    } else if (status != TP_E_NOMEM) {
        /* GnuTLS could not parse it: the report shows its size only. */
        status = TP_OK;
    }
    tp_cert_finish(&full);
    return status;
}

static tp_status keep_certificate(struct stream_state *s, const tp_hs_msg *msg)
{
    struct tp_audit_hs *h = &s->hs;
    tp_certificate c;
    tp_error err = {0};
    if (h->certs != NULL ||
        tp_cert_parse(msg->body, msg->len, h->version == TP_VER_TLS13, &c, &err) != TP_OK)
        return TP_OK;
    h->certs_total = c.n_total;
    h->certs = calloc(c.n > 0 ? c.n : 1, sizeof *h->certs);
    if (h->certs == NULL)
        return TP_E_NOMEM;
    for (size_t i = 0; i < c.n; i++) {
        h->certificate_bytes += c.certs[i].len;
        struct tp_cert *cert = &h->certs[h->n_certs++];
        cert->der_bytes = (uint32_t)c.certs[i].len;
        if (s->a->hooks != NULL && s->a->hooks->describe_cert != NULL)
            TP_TRY(describe(s->a, c.certs[i].der, c.certs[i].len, cert));
    }
    return TP_OK;
}

static tp_status on_message(void *ctx, enum tp_dir dir, const tp_hs_msg *msg, uint64_t t_ns)
{
    struct stream_state *s = ctx;
    tp_error err = {0};
    (void)t_ns;
    if (dir == TP_DIR_C2S && msg->type == TP_HS_CLIENT_HELLO && !s->hs.has_client_hello) {
        tp_client_hello ch;
        if (tp_ch_parse(msg->body, msg->len, &ch, &err) == TP_OK)
            return keep_client_hello(s, &ch);
        return tp_set_strf(&s->hs.note, "ClientHello malformed: %s", err.msg);
    }
    if (dir == TP_DIR_S2C && msg->type == TP_HS_SERVER_HELLO) {
        tp_server_hello sh;
        if (tp_sh_parse(msg->body, msg->len, &sh, &err) == TP_OK)
            keep_server_hello(s, &sh);
        else
            return tp_set_strf(&s->hs.note, "ServerHello malformed: %s", err.msg);
        return TP_OK;
    }
    if (dir == TP_DIR_S2C && msg->type == TP_HS_CERTIFICATE)
        return keep_certificate(s, msg);
    return TP_OK;
}

/* ---- findings ---- */

static void hit(struct audit *a, const struct tp_audit_hs *h, enum rule r, const char *detail)
{
    struct rule_hits *rh = &a->hits[r];
    if (rh->count++ == 0)
        snprintf(rh->first, sizeof rh->first, "stream %llu (%s -> %s)%s%s",
                 (unsigned long long)h->stream, h->client, h->server, detail[0] ? ": " : "",
                 detail);
}

/* Count the hit and list the rule's id among the handshake's findings. */
static tp_status flag(struct audit *a, struct tp_audit_hs *h, enum rule r, const char *detail)
{
    hit(a, h, r, detail);
    return tp_strlist_push(&h->findings, rule_id(r));
}

static tp_status offer_hit(void *ctx, enum tp_offer_rule r, const char *detail)
{
    struct stream_state *s = ctx;
    return flag(s->a, &s->hs, (enum rule)r, detail);
}

static tp_status offer_findings(struct stream_state *s)
{
    /* Only the first hit of a rule keeps its detail (hit()). */
    uint32_t want = 0;
    for (int r = 0; r < TP_OFFER_RULE_COUNT; r++)
        if (s->a->hits[r].count == 0)
            want |= 1u << r;
    return tp_offer_findings(&s->hs, want, offer_hit, s);
}

static tp_status choice_findings(struct audit *a, struct tp_audit_hs *h)
{
    if (!h->has_server_hello)
        return TP_OK;
    enum rule version_rule = h->version == TP_VER_SSL3    ? R_CHOSE_SSLV3
                             : h->version == TP_VER_TLS10 ? R_CHOSE_TLS10
                             : h->version == TP_VER_TLS11 ? R_CHOSE_TLS11
                                                          : R_COUNT;
    if (version_rule != R_COUNT) {
        TP_TRY(flag(a, h, version_rule, ""));
    }
    const struct tp_suite_info *info = tp_suite_by_code(h->suite);
    if (info == NULL)
        return TP_OK;
    static const struct {
        enum rule r;
        uint32_t flags;
    } by_flag[] = {
        {R_CHOSE_EXPORT, TP_SF_EXPORT}, {R_CHOSE_NULL, TP_SF_NULL},
        {R_CHOSE_ANON, TP_SF_ANON},     {R_CHOSE_RC4, TP_SF_RC4},
        {R_CHOSE_64BIT, TP_SF_BLOCK64 | TP_SF_3DES},
    };
    for (size_t i = 0; i < sizeof by_flag / sizeof by_flag[0]; i++) {
        if (!(info->flags & by_flag[i].flags))
            continue;
        char name[200] = "";
        if (a->hits[by_flag[i].r].count == 0)
            tp_offer_append_suite(name, sizeof name, h->suite);
        TP_TRY(flag(a, h, by_flag[i].r, name));
    }
    return TP_OK;
}

static tp_status add_findings(struct audit *a)
{
    size_t total = a->out->n_hs;
    for (enum rule r = 0; r < R_COUNT; r++) {
        const struct rule_hits *rh = &a->hits[r];
        if (rh->count == 0)
            continue;
        TP_TRY(tp_report_add_finding(a->report, rule_id(r), "%s in %llu of %zu handshakes; first: %s",
                                     rule_what(r), (unsigned long long)rh->count, total,
                                     rh->first));
    }
    return TP_OK;
}

/* ---- streams ---- */

static void endpoint(char *out, size_t size, int family, const uint8_t *addr, uint16_t port)
{
    char text[INET6_ADDRSTRLEN] = "?";
    inet_ntop(family, addr, text, sizeof text);
    snprintf(out, size, family == AF_INET6 ? "[%s]:%u" : "%s:%u", text, (unsigned)port);
}

static struct stream_state *state_new(struct audit *a, const struct tp_tcp_stream *st)
{
    struct stream_state *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->a = a;
    tp_tl_init(&s->tl, a->t0_ns, on_message, s);
    s->hs.stream = st->id;
    endpoint(s->hs.client, sizeof s->hs.client, st->family, st->addr[TP_TCP_CLIENT],
             st->port[TP_TCP_CLIENT]);
    endpoint(s->hs.server, sizeof s->hs.server, st->family, st->addr[TP_TCP_SERVER],
             st->port[TP_TCP_SERVER]);
    return s;
}

static void state_free(struct stream_state *s)
{
    if (s == NULL)
        return;
    tp_tl_finish(&s->tl);
    free(s->ssl2_buf);
    tp_audit_hs_finish(&s->hs);
    free(s);
}

/* The handshake is over (complete, or its stream ended): findings, then
 * the sink, then it is freed. */
static tp_status emit(struct stream_state *s, const struct tp_tcp_stream *st)
{
    struct audit *a = s->a;
    struct tp_audit_hs *h = &s->hs;
    if (!s->ssl2) {
        struct tp_tl_facts facts = {.version = h->version};
        tp_tl_result(&s->tl, &facts, &h->tl);
        if (h->tl.valid)
            h->start_ms = h->tl.flights[0].start_ms;
    }
    if (h->note == NULL && !h->tl.complete) {
        const struct tp_tcp_half *c = &st->half[TP_TCP_CLIENT], *sv = &st->half[TP_TCP_SERVER];
        if (s->ssl2)
            TP_TRY(tp_set_str(&h->note, "SSL 2.0 CLIENT-HELLO: the server's answer is not "
                                        "decoded"));
        else if (c->truncated || sv->truncated)
            TP_TRY(tp_set_strf(&h->note, "incomplete: %s",
                               c->truncated ? c->truncated_why : sv->truncated_why));
        else
            TP_TRY(tp_set_strf(&h->note, "incomplete: the stream ended (%s) before the "
                                         "handshake completed",
                               tp_tcp_end_name(st->end)));
    }
    TP_TRY(offer_findings(s));
    TP_TRY(choice_findings(a, h));
    tp_status status = TP_OK;
    if (a->sink.on_handshake != NULL)
        status = a->sink.on_handshake(a->sink.ctx, a->out, h);
    a->out->n_hs++;
    tp_audit_hs_finish(h);
    return status;
}

/* SSL 2.0 CLIENT-HELLO (draft-hickman-netscape-ssl-00): a 2-byte header
 * with the top bit set, then MSG-CLIENT-HELLO (1). */
static bool looks_ssl2(const uint8_t *h)
{
    return (h[0] & 0x80) != 0 && h[2] == TP_SSL2_MT_CLIENT_HELLO;
}

static bool looks_tls(const uint8_t *h)
{
    return h[0] == TP_CT_HANDSHAKE && h[1] == 3 && h[2] <= 4;
}

static tp_status ssl2_hello(struct stream_state *s, const uint8_t *data, size_t len, bool *more)
{
    size_t need = 2 + (((size_t)s->head[0] & 0x7f) << 8 | s->head[1]);
    *more = true;
    if (s->ssl2_buf == NULL && (s->ssl2_buf = malloc(SSL2_MAX_RECORD)) == NULL)
        return TP_E_NOMEM;
    size_t take = need - s->ssl2_len < len ? need - s->ssl2_len : len;
    memcpy(s->ssl2_buf + s->ssl2_len, data, take);
    s->ssl2_len += take;
    if (s->ssl2_len < need)
        return TP_OK;
    *more = false;
    tp_ssl2_client_hello ch;
    tp_error err = {0};
    struct tp_audit_hs *h = &s->hs;
    h->ssl2_hello = true;
    if (tp_ssl2_ch_parse(s->ssl2_buf + 2, need - 2, &ch, &err) != TP_OK)
        return tp_set_strf(&h->note, "SSL 2.0 CLIENT-HELLO malformed: %s", err.msg);
    h->has_client_hello = true;
    h->legacy_version = ch.version == 0x0002 ? TP_VER_SSL2 : ch.version;
    h->ssl2_kinds = (uint32_t)ch.n_kinds;
    bool v2_kind = ch.version == 0x0002;
    for (size_t i = 0; i < ch.n_kinds; i++) {
        uint32_t kind = tp_ssl2_kind_at(ch.kinds, i);
        if ((kind >> 16) != 0)
            v2_kind = true; /* an SSL 2.0 cipher kind */
        else if (h->suites.n < TP_AU_MAX_CODES)
            h->suites.v[h->suites.n++] = (uint16_t)kind;
        h->suites.total++;
    }
    return v2_kind ? flag(s->a, h, R_OFFER_SSLV2, "SSL 2.0 CLIENT-HELLO") : TP_OK;
}

/* The client's first bytes say whether this is TLS at all: a TLS record
 * header of a handshake record, or an SSL 2.0 CLIENT-HELLO. Returns false
 * when the stream is not TLS (or the server spoke first: STARTTLS is not
 * decoded); *ready once the head is complete. */
static bool take_head(struct stream_state *s, enum tp_tcp_side side, const uint8_t **data,
                      size_t *len, bool *ready)
{
    *ready = false;
    if (side != TP_TCP_CLIENT)
        return false;
    size_t take = TP_RECORD_HEADER_LEN - s->head_len;
    if (take > *len)
        take = *len;
    memcpy(s->head + s->head_len, *data, take);
    s->head_len += take;
    *data += take;
    *len -= take;
    if (s->head_len < 3)
        return true;
    if (looks_ssl2(s->head)) {
        s->ssl2 = true;
    } else if (!looks_tls(s->head)) {
        return false;
    } else if (s->head_len < TP_RECORD_HEADER_LEN) {
        return true;
    }
    s->decided = true;
    s->is_tls = true;
    *ready = true;
    return true;
}

static tp_status feed(struct stream_state *s, enum tp_tcp_side side, const uint8_t *data,
                      size_t len, uint64_t ts_ns, bool *more)
{
    *more = true;
    if (!s->decided) {
        bool ready;
        if (!take_head(s, side, &data, &len, &ready)) {
            *more = false;
            return TP_OK;
        }
        if (!ready)
            return TP_OK;
        s->a->out->tls_streams++;
        /* Replay the head, then go on with the rest of this chunk. */
        if (s->ssl2) {
            uint8_t head[TP_RECORD_HEADER_LEN];
            memcpy(head, s->head, s->head_len);
            TP_TRY(ssl2_hello(s, head, s->head_len, more));
            if (!*more)
                return TP_OK;
        } else {
            TP_TRY(tp_tl_feed(&s->tl, TP_DIR_C2S, ts_ns, s->head, s->head_len));
        }
    }
    if (s->ssl2)
        return len > 0 && side == TP_TCP_CLIENT ? ssl2_hello(s, data, len, more) : TP_OK;
    TP_TRY(tp_tl_feed(&s->tl, side == TP_TCP_CLIENT ? TP_DIR_C2S : TP_DIR_S2C, ts_ns, data, len));
    *more = !tp_tl_done(&s->tl);
    return TP_OK;
}

static bool on_data(void *ctx, struct tp_tcp_stream *st, enum tp_tcp_side side,
                    const uint8_t *data, size_t len, uint64_t ts_ns)
{
    struct audit *a = ctx;
    struct stream_state *s = st->user;
    if (a->failed != TP_OK)
        return false;
    if (s == NULL) {
        if ((s = st->user = state_new(a, st)) == NULL) {
            a->failed = TP_E_NOMEM;
            return false;
        }
    }
    bool more = true;
    tp_status status = feed(s, side, data, len, ts_ns, &more);
    if (status == TP_E_NOMEM) {
        a->failed = status;
        return false;
    }
    if (status != TP_OK && s->hs.note == NULL &&
        tp_set_str(&s->hs.note, "record layer: could not follow the stream") != TP_OK) {
        a->failed = TP_E_NOMEM;
        return false;
    }
    if (more)
        return true;
    /* Delivery stops here for good (tcpstream.h): report and release now
     * rather than when the stream ends, which may be much later. */
    if (s->is_tls && (status = emit(s, st)) != TP_OK)
        a->failed = status;
    state_free(s);
    st->user = NULL;
    return false;
}

static void on_end(void *ctx, struct tp_tcp_stream *st)
{
    struct audit *a = ctx;
    struct stream_state *s = st->user;
    st->user = NULL;
    if (s == NULL)
        return;
    if (s->is_tls && a->failed == TP_OK) {
        tp_status status = emit(s, st);
        if (status != TP_OK)
            a->failed = status;
    }
    state_free(s);
}

/* ---- the file ---- */

static tp_status note_skip(struct tp_audit *out, enum tp_skip skip)
{
    const char *reason = tp_skip_name(skip);
    for (size_t i = 0; i < out->n_skipped; i++)
        if (strcmp(out->skipped[i].reason, reason) == 0) {
            out->skipped[i].count++;
            return TP_OK;
        }
    struct tp_skip_count *grown =
        realloc(out->skipped, (out->n_skipped + 1) * sizeof *out->skipped);
    if (grown == NULL)
        return TP_E_NOMEM;
    out->skipped = grown;
    out->skipped[out->n_skipped++] = (struct tp_skip_count){reason, 1};
    return TP_OK;
}

/* A callback failed (a->failed): say how. */
static tp_status fail_callback(const struct audit *a, tp_error *err)
{
    if (a->failed == TP_E_NOMEM)
        return tp_fail(err, a->failed, "out of memory");
    return tp_fail(err, a->failed, "--read %s: could not write the report", a->out->path);
}

static tp_status read_packets(struct audit *a, struct tp_pcap *pc, struct tp_tcp_table *t,
                              tp_error *err)
{
    int linktype = tp_pcap_linktype(pc);
    for (;;) {
        struct tp_raw_packet pkt;
        bool end = false;
        tp_error perr = {0};
        if (tp_pcap_next(pc, &pkt, &end, &perr) != TP_OK) {
            /* The packets before the damage stand; say what happened. */
            return tp_set_strf(&a->out->error, "%s (after %llu packets)", perr.msg,
                               (unsigned long long)a->out->packets);
        }
        if (end)
            return TP_OK;
        a->out->packets++;
        if (!a->have_t0) {
            a->t0_ns = pkt.ts_ns;
            a->have_t0 = true;
        }
        struct tp_segment seg;
        enum tp_skip skip;
        if (tp_decode_packet(linktype, pkt.data, pkt.caplen, pkt.wire_len, pkt.ts_ns, &seg,
                             &skip, NULL) != TP_OK) {
            TP_TRY(note_skip(a->out, skip));
            continue;
        }
        a->out->segments++;
        if (tp_tcp_add(t, &seg, err) != TP_OK)
            return TP_E_NOMEM;
        if (a->failed != TP_OK)
            return fail_callback(a, err);
        if (a->hooks != NULL && a->hooks->progress != NULL &&
            a->out->packets % PROGRESS_EVERY == 0)
            a->hooks->progress(a->hooks->ctx, a->out->packets, a->out->n_hs);
    }
}

static tp_status audit_run(const char *path, FILE *fp, const struct tp_audit_hooks *hooks,
                           struct tp_report *report, tp_error *err)
{
    struct tp_pcap *pc = NULL;
    struct tp_tcp_table *t = NULL;
    tp_error open_err = {0};
    report->audit = calloc(1, sizeof *report->audit);
    if (report->audit == NULL)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    tp_audit_init(report->audit);
    struct audit a = {.hooks = hooks, .out = report->audit, .report = report,
                      .now = tp_wall_seconds()};
    if (hooks != NULL)
        a.sink = hooks->sink;
    tp_status status = tp_set_str(&a.out->path, path);
    if (status != TP_OK)
        return tp_fail(err, status, "out of memory");
    if ((fp != NULL ? tp_pcap_open_file(fp, &pc, &open_err)
                    : tp_pcap_open_path(path, &pc, &open_err)) != TP_OK)
        return tp_fail(err, TP_E_USAGE, "--read %s: %s", path, open_err.msg);
    if (a.sink.on_open != NULL && (a.failed = a.sink.on_open(a.sink.ctx, a.out)) != TP_OK) {
        status = fail_callback(&a, err);
        goto out;
    }
    struct tp_tcp_callbacks cb = {on_data, on_end, &a};
    struct tp_tcp_limits limits;
    tp_tcp_limits_default(&limits);
    limits.max_buffered = 64u * 1024u;
    if ((status = tp_tcp_create(&limits, &cb, &t, err)) != TP_OK)
        goto out;
    status = read_packets(&a, pc, t, err);
    if (status == TP_OK)
        tp_tcp_flush(t);
    if (status == TP_OK && a.failed != TP_OK)
        status = fail_callback(&a, err);
    if (status != TP_OK)
        goto out;
    struct tp_tcp_stats stats;
    tp_tcp_get_stats(t, &stats);
    a.out->streams = stats.streams_opened;
    if (hooks != NULL && hooks->progress != NULL)
        hooks->progress(hooks->ctx, a.out->packets, a.out->n_hs);
    status = add_findings(&a);
out:
    tp_tcp_destroy(t);
    tp_pcap_destroy(pc);
    for (size_t i = 0; i < CERT_CACHE; i++)
        memo_clear(&a.memo[i]);
    for (size_t i = 0; i < JA4_CACHE; i++)
        free(a.ja4s[i].key);
    return status;
}

tp_status tp_audit_file(const char *path, const struct tp_audit_hooks *hooks,
                        struct tp_report *report, tp_error *err)
{
    return audit_run(path, NULL, hooks, report, err);
}

tp_status tp_audit_stream(FILE *fp, const char *name, const struct tp_audit_hooks *hooks,
                          struct tp_report *report, tp_error *err)
{
    return audit_run(name, fp, hooks, report, err);
}
