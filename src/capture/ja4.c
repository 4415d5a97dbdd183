/* ja4.c: JA4 client fingerprint and the SHA-256 it needs (see ja4.h).
 * SHA-256 is here because capture/ must not include GnuTLS, and the hash
 * input is a few hundred bytes of our own text, not secret material. */
#include "capture/ja4.h"

#include <stdio.h>
#include <string.h>

#include "util/banned.h"

/* Codes kept per list; a ClientHello's lists are far shorter. */
#define JA4_MAX 512
#define JA4_TEXT (JA4_MAX * 5 + 1)

bool tp_is_grease(uint16_t v)
{
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* ---- SHA-256, FIPS 180-4 Sec. 6.2 ---- */

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};

static uint32_t ror(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

static void sha256_block(uint32_t h[8], const uint8_t *p)
{
    uint32_t w[64];
    for (size_t i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (size_t i = 16; i < 64; i++) {
        uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
    for (size_t i = 0; i < 64; i++) {
        uint32_t t1 = k + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i] +
                      w[i];
        uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        k = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += k;
}

void tp_sha256(const uint8_t *data, size_t len, uint8_t out[32])
{
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    size_t full = len / 64;
    for (size_t i = 0; i < full; i++)
        sha256_block(h, data + 64 * i);
    uint8_t tail[128] = {0};
    size_t rest = len - 64 * full;
    memcpy(tail, data + 64 * full, rest);
    tail[rest] = 0x80;
    size_t blocks = rest + 1 + 8 <= 64 ? 1 : 2;
    uint64_t bits = (uint64_t)len * 8;
    for (size_t i = 0; i < 8; i++)
        tail[64 * blocks - 1 - i] = (uint8_t)(bits >> (8 * i));
    for (size_t i = 0; i < blocks; i++)
        sha256_block(h, tail + 64 * i);
    for (size_t i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(h[i] >> 8);
        out[4 * i + 3] = (uint8_t)h[i];
    }
}

/* ---- JA4 ---- */

/* Insertion sort: a ClientHello's lists are short (tens of codes), and
 * glibc's qsort() may allocate. */
static void sort_u16(uint16_t *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint16_t x = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

/* Codes without GREASE (and without skip_a/skip_b when >= 0), optionally
 * sorted, into out; returns how many. */
static size_t filtered(const uint16_t *in, size_t n, int skip_a, int skip_b, bool sort,
                       uint16_t out[JA4_MAX])
{
    size_t k = 0;
    for (size_t i = 0; i < n && k < JA4_MAX; i++) {
        if (tp_is_grease(in[i]) || (int)in[i] == skip_a || (int)in[i] == skip_b)
            continue;
        out[k++] = in[i];
    }
    if (sort)
        sort_u16(out, k);
    return k;
}

/* "0a0a,1301,..." into out (size >= 5 * n: n <= JA4_MAX); returns the
 * length. By hand: this runs for every handshake of a capture. */
static size_t join_hex(const uint16_t *v, size_t n, char *out, size_t size)
{
    static const char hex[] = "0123456789abcdef";
    size_t used = 0;
    for (size_t i = 0; i < n && used + 6 <= size; i++) {
        if (i > 0)
            out[used++] = ',';
        out[used++] = hex[v[i] >> 12];
        out[used++] = hex[(v[i] >> 8) & 0xf];
        out[used++] = hex[(v[i] >> 4) & 0xf];
        out[used++] = hex[v[i] & 0xf];
    }
    out[used] = '\0';
    return used;
}

static void hash12(const char *text, size_t len, char out[13])
{
    static const char hex[] = "0123456789abcdef";
    if (len == 0) {
        memcpy(out, "000000000000", 13);
        return;
    }
    uint8_t digest[32];
    tp_sha256((const uint8_t *)text, len, digest);
    for (size_t i = 0; i < 6; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 0xf];
    }
    out[12] = '\0';
}

static const char *version_code(uint16_t v)
{
    switch (v) {
    case 0x0304: return "13";
    case 0x0303: return "12";
    case 0x0302: return "11";
    case 0x0301: return "10";
    case 0x0300: return "s3";
    case 0x0002:
    case 0x0200: return "s2";
    case 0xfeff: return "d1";
    case 0xfefd: return "d2";
    case 0xfefc: return "d3";
    default: return "00";
    }
}

static bool alnum(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static void alpn_code(const uint8_t *alpn, size_t len, char out[3])
{
    static const char hex[] = "0123456789abcdef";
    if (alpn == NULL || len == 0) {
        memcpy(out, "00", 3);
        return;
    }
    uint8_t first = alpn[0], last = alpn[len - 1];
    if (alnum(first) && alnum(last)) {
        out[0] = (char)first;
        out[1] = (char)last;
    } else {
        out[0] = hex[first >> 4];
        out[1] = hex[last & 0x0f];
    }
    out[2] = '\0';
}

void tp_ja4(const struct tp_ja4_input *in, char out[TP_JA4_LEN], char *raw, size_t raw_size)
{
    static uint16_t none[1];
    uint16_t buf[JA4_MAX];
    char suites_text[JA4_TEXT], ext_text[2 * JA4_TEXT + 2];
    uint16_t version = in->legacy_version;
    bool have_sv = false;
    for (size_t i = 0; i < in->n_versions; i++)
        if (!tp_is_grease(in->versions[i]) && (!have_sv || in->versions[i] > version)) {
            version = in->versions[i];
            have_sv = true;
        }
    size_t n_suites = filtered(in->suites ? in->suites : none, in->n_suites, -1, -1, true, buf);
    size_t suites_len = join_hex(buf, n_suites, suites_text, JA4_TEXT);
    size_t n_ext_all = filtered(in->extensions ? in->extensions : none, in->n_extensions, -1, -1,
                                false, buf);
    size_t n_ext = filtered(in->extensions ? in->extensions : none, in->n_extensions, 0x0000,
                            0x0010, true, buf);
    size_t used = join_hex(buf, n_ext, ext_text, JA4_TEXT);
    size_t n_sig = filtered(in->sigalgs ? in->sigalgs : none, in->n_sigalgs, -1, -1, false, buf);
    if (n_sig > 0) {
        ext_text[used++] = '_';
        used += join_hex(buf, n_sig, ext_text + used, JA4_TEXT);
    }
    char a[11], alpn[3], b[13], c[13];
    alpn_code(in->alpn, in->alpn_len, alpn);
    snprintf(a, sizeof a, "%c%s%c%02zu%02zu%s", in->quic ? 'q' : 't', version_code(version),
             in->has_sni ? 'd' : 'i', n_suites > 99 ? 99 : n_suites,
             n_ext_all > 99 ? 99 : n_ext_all, alpn);
    hash12(suites_text, suites_len, b);
    hash12(ext_text, n_ext == 0 && n_sig == 0 ? 0 : used, c);
    snprintf(out, TP_JA4_LEN, "%s_%s_%s", a, b, c);
    if (raw != NULL && raw_size > 0)
        snprintf(raw, raw_size, "%s_%s_%s", a, suites_text, ext_text);
}
