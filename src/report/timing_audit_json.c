/* timing_audit_json.c: one element of --read's "handshakes" array, written
 * straight as text (schema in man/tlsprobe-json.5.scd).
 *
 * A capture holds tens of thousands of handshakes of a few hundred values
 * each; building each one as a jansson tree (an allocation and a hash per
 * value) and dumping it cost five times the rest of --read. So this file
 * writes the text itself, laid out exactly as json_dumpf() with
 * render_json()'s flags would (JSON_INDENT(2), insertion order, reals with
 * ten significant digits): the document reads the same whichever way each
 * part was written, and tests/unit/report/test_audit_json.c checks that
 * jansson reads every element back and dumps it to the same bytes. The
 * "timing" object is the schema of timeline_keys() in timing_json.c, which
 * that test also compares. */
#include "report/timing_render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/registry.h"
#include "util/text.h"
#include "util/banned.h"

/* Writer: the buffer, the depth, and whether the current container is
 * still empty (jansson prints an empty one as [] or {}). */
struct jw {
    struct tp_textbuf *b;
    unsigned depth;
    bool empty;
    bool nomem;
};

static bool grow_slow(struct jw *w, size_t more)
{
    struct tp_textbuf *b = w->b;
    size_t cap = b->cap > 0 ? b->cap : 16384;
    while (cap < b->len + more)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (p == NULL) {
        w->nomem = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

/* Inlined: nearly every call copies a few constant bytes, which then
 * compile to moves rather than a call to memcpy(). */
#define HOT static inline __attribute__((always_inline))

HOT bool grow(struct jw *w, size_t more)
{
    return w->b->len + more <= w->b->cap || grow_slow(w, more);
}

HOT void raw(struct jw *w, const char *s, size_t n)
{
    if (!grow(w, n))
        return;
    memcpy(w->b->p + w->b->len, s, n);
    w->b->len += n;
}

HOT void lit(struct jw *w, const char *s)
{
    raw(w, s, strlen(s));
}

/* ",\n" (after a sibling) or "\n", then the indentation of depth. */
HOT void newline(struct jw *w, bool comma)
{
    size_t indent = 2 * (size_t)w->depth;
    if (!grow(w, indent + 2))
        return;
    char *p = w->b->p + w->b->len;
    if (comma)
        *p++ = ',';
    *p++ = '\n';
    memset(p, ' ', indent);
    w->b->len = (size_t)(p + indent - w->b->p);
}

static void open_(struct jw *w, char c)
{
    raw(w, &c, 1);
    w->depth++;
    w->empty = true;
}

static void close_(struct jw *w, char c)
{
    w->depth--;
    if (!w->empty)
        newline(w, false);
    raw(w, &c, 1);
    w->empty = false;
}

/* Before an array element. */
HOT void item(struct jw *w)
{
    newline(w, !w->empty);
    w->empty = false;
}

/* Before an object member's value: the key is ours (a literal, ASCII,
 * nothing to escape). */
#define key(w, k) key_text(w, "\"" k "\": ", sizeof("\"" k "\": ") - 1)

HOT void key_text(struct jw *w, const char *text, size_t len)
{
    newline(w, !w->empty);
    w->empty = false;
    raw(w, text, len);
}

static void null_(struct jw *w)
{
    raw(w, "null", 4);
}

static void boolean(struct jw *w, bool v)
{
    lit(w, v ? "true" : "false");
}

static void uint_(struct jw *w, uint64_t v)
{
    char text[24];
    size_t n = sizeof text;
    do {
        text[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    raw(w, text + n, sizeof text - n);
}

/* As jansson's jsonp_dtostr(): "%.10g", ".0" when it reads as an integer,
 * and the exponent without "+" or leading zeros. */
static void real(struct jw *w, double v)
{
    char text[40];
    int n = snprintf(text, sizeof text, "%.10g", v);
    if (n < 0 || (size_t)n >= sizeof text - 3) {
        null_(w);
        return;
    }
    char *e = strchr(text, 'e');
    if (e == NULL && strchr(text, '.') == NULL) {
        memcpy(text + n, ".0", 3);
    } else if (e != NULL) {
        char *start = e + 1, *end = e + 2;
        if (*start == '-')
            start++;
        while (*end == '0')
            end++;
        memmove(start, end, strlen(end) + 1);
    }
    lit(w, text);
}

/* Milliseconds rounded to the microsecond, as timing_json.c's jms().
 * Below 10^7 ms, "%.10g" of k / 1000 prints k's digits with the point
 * before the last three and trailing zeros dropped ("12.5", "0.001", "3.0"
 * once jansson adds ".0"): written by hand, as most of a handshake's reals
 * are these. */
static void ms(struct jw *w, double v)
{
    long long k = (long long)(v * 1000.0 + (v >= 0 ? 0.5 : -0.5));
    if (k <= -10000000000LL || k >= 10000000000LL) {
        real(w, (double)k / 1000.0);
        return;
    }
    char text[24];
    size_t n = 0;
    unsigned long long u = k < 0 ? (unsigned long long)-k : (unsigned long long)k;
    unsigned frac = (unsigned)(u % 1000);
    if (k < 0)
        text[n++] = '-';
    char digits[12];
    size_t d = 0;
    for (unsigned long long whole = u / 1000; d == 0 || whole > 0; whole /= 10)
        digits[d++] = (char)('0' + whole % 10);
    while (d > 0)
        text[n++] = digits[--d];
    text[n++] = '.';
    text[n++] = (char)('0' + frac / 100);
    if (frac % 100 != 0) {
        text[n++] = (char)('0' + frac / 10 % 10);
        if (frac % 10 != 0)
            text[n++] = (char)('0' + frac % 10);
    }
    raw(w, text, n);
}

static void ms_or_null(struct jw *w, double v)
{
    if (v >= 0)
        ms(w, v);
    else
        null_(w);
}

/* A string known to be ASCII without anything to escape (our names). */
static void name(struct jw *w, const char *s)
{
    if (s == NULL) {
        null_(w);
        return;
    }
    raw(w, "\"", 1);
    lit(w, s);
    raw(w, "\"", 1);
}

static void escaped(struct jw *w, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    raw(w, "\"", 1);
    for (const char *run = s;; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        raw(w, run, (size_t)(s - run));
        if (c == '\0')
            break;
        char esc[6] = {'\\', (char)c, 0, 0, 0, 0};
        size_t n = 2;
        switch (c) {
        case '"':
        case '\\':
            break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 0xf];
            n = 6;
        }
        raw(w, esc, n);
        run = s + 1;
    }
    raw(w, "\"", 1);
}

/* A string from a peer or a file: null when absent, else made valid UTF-8
 * (RFC 8259 Sec. 8.1) as timing_json.c's jstr() does, then escaped. */
static void str(struct jw *w, const char *s)
{
    if (s == NULL) {
        null_(w);
        return;
    }
    const char *p = s;
    while (*p != '\0' && (unsigned char)*p < 0x80)
        p++;
    if (*p == '\0') { /* ASCII: the common case, nothing to sanitize */
        escaped(w, s);
        return;
    }
    char *clean = tp_utf8_sanitize(s, strlen(s));
    if (clean == NULL) {
        w->nomem = true;
        return;
    }
    escaped(w, clean);
    free(clean);
}

/* "0xC02F" */
static void code(struct jw *w, uint16_t v)
{
    static const char hex[] = "0123456789ABCDEF";
    char text[8] = {'"', '0', 'x', hex[v >> 12], hex[(v >> 8) & 0xf], hex[(v >> 4) & 0xf],
                    hex[v & 0xf], '"'};
    raw(w, text, sizeof text);
}

static void version(struct jw *w, uint16_t v)
{
    const char *n = tp_version_name(v);
    if (v == 0)
        null_(w);
    else if (n != NULL)
        name(w, n);
    else
        code(w, v);
}

/* ---- the handshake ---- */

typedef const char *(*code_namer)(uint16_t code);

static const char *suite_namer(uint16_t v)
{
    const struct tp_suite_info *s = tp_suite_by_code(v);
    return s != NULL ? tp_suite_name(s) : NULL;
}

static const char *group_namer(uint16_t v)
{
    const struct tp_group_info *g = tp_group_by_code(v);
    return g != NULL ? g->iana_name : NULL;
}

static const char *sig_namer(uint16_t v)
{
    const struct tp_sigscheme_info *s = tp_sigscheme_by_code(v);
    return s != NULL ? s->name : NULL;
}

static const char *ext_namer(uint16_t v)
{
    const struct tp_extension_info *e = tp_extension_by_code(v);
    return e != NULL ? e->name : NULL;
}

/* [{"name": ..., "code": "0x1301"}] (name null when unregistered). */
static void codes(struct jw *w, const struct tp_code_list *l, code_namer namer)
{
    open_(w, '[');
    for (size_t i = 0; i < l->n; i++) {
        item(w);
        open_(w, '{');
        key(w, "name");
        name(w, namer(l->v[i]));
        key(w, "code");
        code(w, l->v[i]);
        close_(w, '}');
    }
    close_(w, ']');
}

static void strlist(struct jw *w, const struct tp_strlist *l)
{
    open_(w, '[');
    for (size_t i = 0; i < l->count; i++) {
        item(w);
        str(w, l->items[i]);
    }
    close_(w, ']');
}

static void client_hello(struct jw *w, const struct tp_audit_hs *h)
{
    if (!h->has_client_hello) {
        null_(w);
        return;
    }
    open_(w, '{');
    key(w, "format");
    name(w, h->ssl2_hello ? "sslv2" : "tls");
    key(w, "legacy_version");
    version(w, h->legacy_version);
    key(w, "versions");
    codes(w, &h->versions, tp_version_name);
    key(w, "cipher_suites");
    codes(w, &h->suites, suite_namer);
    key(w, "cipher_suites_total");
    uint_(w, h->suites.total);
    key(w, "groups");
    codes(w, &h->groups, group_namer);
    key(w, "key_shares");
    codes(w, &h->key_shares, group_namer);
    key(w, "signature_schemes");
    codes(w, &h->sigalgs, sig_namer);
    key(w, "extensions");
    codes(w, &h->extensions, ext_namer);
    key(w, "sni");
    str(w, h->sni);
    key(w, "alpn");
    strlist(w, &h->alpn);
    key(w, "ssl2_cipher_kinds");
    if (h->ssl2_hello)
        uint_(w, h->ssl2_kinds);
    else
        null_(w);
    close_(w, '}');
}

static void server_hello(struct jw *w, const struct tp_audit_hs *h)
{
    if (!h->has_server_hello) {
        null_(w);
        return;
    }
    open_(w, '{');
    key(w, "version");
    version(w, h->version);
    key(w, "cipher_suite");
    open_(w, '{');
    key(w, "name");
    name(w, suite_namer(h->suite));
    key(w, "code");
    code(w, h->suite);
    close_(w, '}');
    key(w, "group");
    name(w, h->group ? group_namer(h->group) : NULL);
    key(w, "group_code");
    if (h->group)
        code(w, h->group);
    else
        null_(w);
    key(w, "hello_retry");
    boolean(w, h->hello_retry);
    key(w, "resumed");
    boolean(w, h->resumed || h->tl.resumed);
    close_(w, '}');
}

static void chain(struct jw *w, const struct tp_audit_hs *h)
{
    /* TLS 1.3 protects the Certificate message: then the chain is unknown. */
    bool seen = h->certs != NULL;
    open_(w, '{');
    key(w, "seen");
    boolean(w, seen);
    key(w, "count");
    if (seen)
        uint_(w, h->certs_total);
    else
        null_(w);
    key(w, "bytes");
    if (seen)
        uint_(w, h->certificate_bytes);
    else
        null_(w);
    key(w, "certificates");
    open_(w, '[');
    for (size_t i = 0; i < h->n_certs; i++) {
        const struct tp_cert *c = &h->certs[i];
        item(w);
        open_(w, '{');
        key(w, "bytes");
        uint_(w, c->der_bytes);
        key(w, "subject");
        str(w, c->subject);
        key(w, "issuer");
        str(w, c->issuer);
        key(w, "key_type");
        str(w, c->key_type);
        key(w, "key_bits");
        if (c->key_bits)
            uint_(w, c->key_bits);
        else
            null_(w);
        key(w, "sha256");
        str(w, c->sha256[0] ? c->sha256 : NULL);
        close_(w, '}');
    }
    close_(w, ']');
    close_(w, '}');
}

static void both(struct jw *w, uint64_t client, uint64_t server)
{
    open_(w, '{');
    key(w, "client");
    uint_(w, client);
    key(w, "server");
    uint_(w, server);
    close_(w, '}');
}

/* timeline_keys(tl, live = false) of timing_json.c. */
static void timeline(struct jw *w, const struct tp_timeline *tl)
{
    open_(w, '{');
    key(w, "version");
    version(w, tl->version);
    key(w, "flights");
    open_(w, '[');
    for (size_t i = 0; i < tl->n_flights; i++) {
        const struct tp_tl_flight *f = &tl->flights[i];
        item(w);
        open_(w, '{');
        key(w, "label");
        str(w, f->label);
        key(w, "direction");
        name(w, f->dir == TP_DIR_C2S ? "client" : "server");
        key(w, "start_ms");
        ms(w, f->start_ms);
        key(w, "end_ms");
        ms(w, f->end_ms);
        key(w, "bytes");
        uint_(w, f->bytes);
        key(w, "records");
        uint_(w, f->records);
        key(w, "post_handshake");
        boolean(w, f->post_handshake);
        close_(w, '}');
    }
    close_(w, ']');
    key(w, "round_trips");
    uint_(w, tl->round_trips);
    key(w, "handshake_ms");
    ms_or_null(w, tl->handshake_ms);
    key(w, "complete");
    boolean(w, tl->complete);
    key(w, "resumed");
    boolean(w, tl->resumed);
    key(w, "hello_retry");
    boolean(w, tl->hello_retry);
    key(w, "total_bytes");
    both(w, tl->bytes[0], tl->bytes[1]);
    key(w, "certificate_bytes");
    uint_(w, tl->certificate_bytes);
    key(w, "certificate_estimated");
    boolean(w, tl->certificate_estimated);
    key(w, "certificate_share");
    real(w, tl->certificate_share);
    close_(w, '}');
}

tp_status audit_handshake_json_text(const struct tp_audit_hs *h, unsigned depth,
                                    struct tp_textbuf *out)
{
    struct jw jw = {.b = out, .depth = depth}, *w = &jw;
    open_(w, '{');
    key(w, "stream");
    open_(w, '{');
    key(w, "id");
    uint_(w, h->stream);
    key(w, "client");
    str(w, h->client);
    key(w, "server");
    str(w, h->server);
    close_(w, '}');
    key(w, "start_ms");
    ms(w, h->start_ms);
    key(w, "complete");
    boolean(w, h->tl.complete);
    key(w, "note");
    str(w, h->note);
    key(w, "ja4");
    str(w, h->ja4[0] ? h->ja4 : NULL);
    key(w, "client_hello");
    client_hello(w, h);
    key(w, "server_hello");
    server_hello(w, h);
    key(w, "chain");
    chain(w, h);
    key(w, "timing");
    timeline(w, &h->tl);
    key(w, "findings");
    strlist(w, &h->findings);
    close_(w, '}');
    return w->nomem ? TP_E_NOMEM : TP_OK;
}
