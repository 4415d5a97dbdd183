/* keyshare.c: client key shares for classical, hybrid and pure ML-KEM
 * groups and the sizes of a server's share (see keyshare.h for the
 * layouts and the drafts they come from). */
#include "wire/keyshare.h"

#include <string.h>

#include "wire/handshake.h"

#include "util/banned.h"

/* SEC 1 v2 Sec. 2.3.3 uncompressed encodings of the generators G of P-256
 * and P-384 (SEC 2 v2 Sec. 2.4.2, 2.5.1): valid points for a key share. */
static const uint8_t p256_generator[65] = {
    0x04, 0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63,
    0xa4, 0x40, 0xf2, 0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39,
    0x45, 0xd8, 0x98, 0xc2, 0x96, 0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e,
    0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e, 0x16, 0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e,
    0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5,
};
static const uint8_t p384_generator[97] = {
    0x04, 0xaa, 0x87, 0xca, 0x22, 0xbe, 0x8b, 0x05, 0x37, 0x8e, 0xb1, 0xc7, 0x1e, 0xf3,
    0x20, 0xad, 0x74, 0x6e, 0x1d, 0x3b, 0x62, 0x8b, 0xa7, 0x9b, 0x98, 0x59, 0xf7, 0x41,
    0xe0, 0x82, 0x54, 0x2a, 0x38, 0x55, 0x02, 0xf2, 0x5d, 0xbf, 0x55, 0x29, 0x6c, 0x3a,
    0x54, 0x5e, 0x38, 0x72, 0x76, 0x0a, 0xb7, 0x36, 0x17, 0xde, 0x4a, 0x96, 0x26, 0x2c,
    0x6f, 0x5d, 0x9e, 0x98, 0xbf, 0x92, 0x92, 0xdc, 0x29, 0xf8, 0xf4, 0x1d, 0xbd, 0x28,
    0x9a, 0x14, 0x7c, 0xe9, 0xda, 0x31, 0x13, 0xb5, 0xf0, 0xb8, 0xc0, 0x0a, 0x60, 0xb1,
    0xce, 0x1d, 0x7e, 0x81, 0x9d, 0x7a, 0x43, 0x1d, 0x7c, 0x90, 0xea, 0x0e, 0x5f,
};

struct ks_row {
    uint16_t group;
    enum tp_ks_part parts[TP_KS_MAX_PARTS];
    size_t n_parts;
};

static const struct ks_row ks_rows[] = {
    {TP_GROUP_X25519, {TP_KS_X25519}, 1},
    {TP_GROUP_SECP256R1, {TP_KS_P256}, 1},
    {TP_GROUP_SECP384R1, {TP_KS_P384}, 1},
    {0x0200, {TP_KS_MLKEM512}, 1},
    {0x0201, {TP_KS_MLKEM768}, 1},
    {0x0202, {TP_KS_MLKEM1024}, 1},
    {0x11EB, {TP_KS_P256, TP_KS_MLKEM768}, 2},
    {0x11EC, {TP_KS_MLKEM768, TP_KS_X25519}, 2},
    {0x11ED, {TP_KS_P384, TP_KS_MLKEM1024}, 2},
    /* Kyber768 round 3 keys and ciphertexts have ML-KEM-768's sizes. */
    {0x6399, {TP_KS_X25519, TP_KS_MLKEM768}, 2},
    {0x639A, {TP_KS_P256, TP_KS_MLKEM768}, 2},
};

/* FIPS 203 Sec. 8 Table 2: ek = 384k + 32, ciphertext = 32 (du k + dv). */
static const struct {
    size_t client, server;
    unsigned mlkem_k;
} part_sizes[] = {
    [TP_KS_X25519] = {32, 32, 0},      [TP_KS_P256] = {65, 65, 0},
    [TP_KS_P384] = {97, 97, 0},        [TP_KS_MLKEM512] = {800, 768, 2},
    [TP_KS_MLKEM768] = {1184, 1088, 3}, [TP_KS_MLKEM1024] = {1568, 1568, 4},
};

size_t tp_ks_part_client_bytes(enum tp_ks_part part)
{
    return part_sizes[part].client;
}

size_t tp_ks_part_server_bytes(enum tp_ks_part part)
{
    return part_sizes[part].server;
}

bool tp_ks_layout_of(uint16_t group, tp_ks_layout *out)
{
    for (size_t i = 0; i < sizeof ks_rows / sizeof ks_rows[0]; i++) {
        const struct ks_row *r = &ks_rows[i];
        if (r->group != group)
            continue;
        memset(out, 0, sizeof *out);
        out->n_parts = r->n_parts;
        for (size_t p = 0; p < r->n_parts; p++) {
            out->parts[p] = r->parts[p];
            out->client_bytes += part_sizes[r->parts[p]].client;
            out->server_bytes += part_sizes[r->parts[p]].server;
            out->post_quantum |= part_sizes[r->parts[p]].mlkem_k != 0;
        }
        return true;
    }
    return false;
}

const uint8_t *tp_ks_ec_generator(uint16_t group, size_t *len)
{
    if (group == TP_GROUP_SECP256R1) {
        *len = sizeof p256_generator;
        return p256_generator;
    }
    if (group == TP_GROUP_SECP384R1) {
        *len = sizeof p384_generator;
        return p384_generator;
    }
    return NULL;
}

/* SplitMix64 (Steele, Lea, Flood 2014): enough to fill a share that is
 * never used for a key; the seed carries the caller's randomness. */
struct ks_rng {
    uint64_t s;
};

static uint64_t ks_next(struct ks_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static void ks_fill(struct ks_rng *r, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)(ks_next(r) >> 24);
}

/* ByteEncode_12 (FIPS 203 Alg. 5) of k * 256 coefficients below q, then
 * rho: the shape of ek = ByteEncode_12(t_hat) || rho (Alg. 13). */
static void mlkem_ek(struct ks_rng *r, unsigned k, uint8_t *out)
{
    size_t coeffs = (size_t)k * 256;
    for (size_t i = 0; i < coeffs; i += 2) {
        uint16_t a = (uint16_t)(ks_next(r) % TP_MLKEM_Q);
        uint16_t b = (uint16_t)(ks_next(r) % TP_MLKEM_Q);
        uint8_t *p = out + 3 * (i / 2);
        p[0] = (uint8_t)a;
        p[1] = (uint8_t)((a >> 8) | ((b & 0x0f) << 4));
        p[2] = (uint8_t)(b >> 4);
    }
    ks_fill(r, out + 384 * (size_t)k, 32);
}

bool tp_ks_mlkem_ek_ok(const uint8_t *ek, size_t len)
{
    if (len < 32 || (len - 32) % 384 != 0 || len == 32)
        return false;
    for (size_t i = 0; i + 3 <= len - 32; i += 3) {
        unsigned a = ek[i] | ((unsigned)(ek[i + 1] & 0x0f) << 8);
        unsigned b = (ek[i + 1] >> 4) | ((unsigned)ek[i + 2] << 4);
        if (a >= TP_MLKEM_Q || b >= TP_MLKEM_Q)
            return false;
    }
    return true;
}

tp_status tp_ks_client_share(uint16_t group, const uint8_t seed[32], uint8_t *out, size_t cap,
                             size_t *len, tp_error *err)
{
    tp_ks_layout lay;
    if (!tp_ks_layout_of(group, &lay))
        return tp_fail(err, TP_E_UNSUPPORTED, "no key share built for group 0x%04x", group);
    if (lay.client_bytes > cap)
        return tp_fail(err, TP_E_INTERNAL, "key share of %zu bytes exceeds %zu", lay.client_bytes,
                       cap);
    struct ks_rng r = {(uint64_t)group << 48};
    for (size_t i = 0; i < 32; i++)
        r.s = (r.s << 8 | r.s >> 56) ^ seed[i];
    size_t at = 0;
    for (size_t p = 0; p < lay.n_parts; p++) {
        enum tp_ks_part part = lay.parts[p];
        size_t n = part_sizes[part].client;
        if (part == TP_KS_X25519)
            ks_fill(&r, out + at, n);
        else if (part == TP_KS_P256)
            memcpy(out + at, p256_generator, n);
        else if (part == TP_KS_P384)
            memcpy(out + at, p384_generator, n);
        else
            mlkem_ek(&r, part_sizes[part].mlkem_k, out + at);
        at += n;
    }
    *len = at;
    return TP_OK;
}
