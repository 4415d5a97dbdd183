/* ske.c: ServerKeyExchange (RFC 8422 Sec. 5.4, RFC 5246 Sec. 7.4.3,
 * RFC 4279 Sec. 3, RFC 2246 Sec. 7.4.3). See ske.h. */
#include "wire/ske.h"

#include <string.h>

#include "wire/reader.h"
#include "wire/registry.h"

#include "util/banned.h"

tp_ske_kx tp_ske_kx_from_suite_kx(const char *kx)
{
    tp_ske_kx out = {.params = TP_SKE_NONE};
    if (kx == NULL)
        return out;
    if (strncmp(kx, "ECDHE", 5) == 0 || strncmp(kx, "ECDH_anon", 9) == 0)
        out.params = TP_SKE_ECDHE;
    else if (strncmp(kx, "DHE", 3) == 0 || strncmp(kx, "DH_anon", 7) == 0)
        out.params = TP_SKE_DHE;
    else if (strncmp(kx, "RSA_EXPORT", 10) == 0)
        out.params = TP_SKE_RSA;
    out.anonymous = strstr(kx, "_anon") != NULL;
    out.psk_hint = strcmp(kx, "PSK") == 0 || strstr(kx, "_PSK") != NULL;
    return out;
}

uint32_t tp_bignum_bits(const uint8_t *p, size_t len)
{
    size_t i = 0;
    while (i < len && p[i] == 0)
        i++;
    if (i == len)
        return 0;
    uint32_t bits = (uint32_t)(len - i - 1) * 8;
    for (uint8_t b = p[i]; b != 0; b >>= 1)
        bits++;
    return bits;
}

static tp_status opaque16(tp_reader *rd, const char *field, const uint8_t **p, size_t *n)
{
    tp_reader v;
    TP_TRY(tp_rd_sub_u16(rd, field, 1, 0xffff, &v));
    *p = v.base;
    *n = v.len;
    return TP_OK;
}

static tp_status parse_ecdh(tp_reader *rd, tp_ske *out)
{
    tp_reader pt;
    TP_TRY(tp_rd_u8(rd, "ECParameters curve_type", &out->curve_type));
    /* RFC 8422 Sec. 5.4: explicit_prime(1) and explicit_char2(2) are
     * deprecated; only named_curve(3) is defined. */
    if (out->curve_type != 3)
        return tp_fail(rd->err, out->curve_type == 1 || out->curve_type == 2
                                    ? TP_E_UNSUPPORTED : TP_E_PARSE,
                       "ECParameters curve_type %u is not named_curve(3)", out->curve_type);
    TP_TRY(tp_rd_u16(rd, "ECParameters namedcurve", &out->group));
    TP_TRY(tp_rd_sub_u8(rd, "ECPoint point", 1, 0xff, &pt));
    out->point = pt.base;
    out->point_len = pt.len;
    return TP_OK;
}

static tp_status parse_dh(tp_reader *rd, tp_ske *out)
{
    TP_TRY(opaque16(rd, "ServerDHParams dh_p", &out->dh_p, &out->dh_p_len));
    TP_TRY(opaque16(rd, "ServerDHParams dh_g", &out->dh_g, &out->dh_g_len));
    TP_TRY(opaque16(rd, "ServerDHParams dh_Ys", &out->dh_ys, &out->dh_ys_len));
    out->dh_p_bits = tp_bignum_bits(out->dh_p, out->dh_p_len);
    if (out->dh_p_bits == 0)
        return tp_fail(rd->err, TP_E_PARSE, "ServerDHParams dh_p is zero");
    return TP_OK;
}

static tp_status parse_rsa(tp_reader *rd, tp_ske *out)
{
    const uint8_t *mod, *exp;
    size_t mod_len, exp_len;
    TP_TRY(opaque16(rd, "ServerRSAParams rsa_modulus", &mod, &mod_len));
    TP_TRY(opaque16(rd, "ServerRSAParams rsa_exponent", &exp, &exp_len));
    out->rsa_modulus_bits = tp_bignum_bits(mod, mod_len);
    if (out->rsa_modulus_bits == 0)
        return tp_fail(rd->err, TP_E_PARSE, "ServerRSAParams rsa_modulus is zero");
    return TP_OK;
}

static tp_status parse_signature(tp_reader *rd, uint16_t version, tp_ske *out)
{
    tp_reader sig;
    if (version >= TP_VER_TLS12) {
        TP_TRY(tp_rd_u16(rd, "ServerKeyExchange signature algorithm", &out->sigalg));
        out->has_sigalg = true;
    }
    TP_TRY(tp_rd_sub_u16(rd, "ServerKeyExchange signature", 0, 0xffff, &sig));
    out->has_signature = true;
    out->signature = sig.base;
    out->signature_len = sig.len;
    return TP_OK;
}

tp_status tp_ske_parse(const uint8_t *body, size_t len, tp_ske_kx kx, uint16_t version,
                       tp_ske *out, tp_error *err)
{
    tp_reader rd;
    memset(out, 0, sizeof *out);
    out->params = kx.params;
    tp_rd_init(&rd, body, len, err);
    if (kx.psk_hint) {
        tp_reader hint;
        TP_TRY(tp_rd_sub_u16(&rd, "psk_identity_hint", 0, 0xffff, &hint));
        out->has_psk_hint = true;
        out->psk_hint = hint.base;
        out->psk_hint_len = hint.len;
    }
    switch (kx.params) {
    case TP_SKE_ECDHE:
        TP_TRY(parse_ecdh(&rd, out));
        break;
    case TP_SKE_DHE:
        TP_TRY(parse_dh(&rd, out));
        break;
    case TP_SKE_RSA:
        TP_TRY(parse_rsa(&rd, out));
        break;
    case TP_SKE_NONE:
        /* PSK and RSA_PSK: the hint was all there is. */
        if (!kx.psk_hint)
            return tp_fail(err, TP_E_UNSUPPORTED,
                           "no ServerKeyExchange layout for this key exchange");
        break;
    default:
        return tp_fail(err, TP_E_UNSUPPORTED, "no ServerKeyExchange layout for this key exchange");
    }
    if (!kx.anonymous && !kx.psk_hint)
        TP_TRY(parse_signature(&rd, version, out));
    return tp_rd_expect_end(&rd, "ServerKeyExchange");
}

/* RFC 7919 App. A: each group's p is 2^b - 2^{b-64} + {[2^{b-130} e] +
 * X} * 2^64 - 1: 64 one bits, then the bits of e (the same for every
 * size, ADF85458A2BB4A9A...), ..., then the group's own X adjustment, then
 * 64 one bits. The size, both ends and the 8 bytes before the low ones
 * (where X makes each group differ) tell the five apart; a server's own
 * prime has no reason to look like that. */
uint16_t tp_ffdhe_group_of_prime(const uint8_t *p, size_t len)
{
    static const uint8_t e_bits[8] = {0xAD, 0xF8, 0x54, 0x58, 0xA2, 0xBB, 0x4A, 0x9A};
    static const struct {
        uint16_t group;
        size_t bytes;
        uint8_t tail[8];
    } groups[] = {
        {256, 256, {0x88, 0x6B, 0x42, 0x38, 0x61, 0x28, 0x5C, 0x97}},
        {257, 384, {0x25, 0xE4, 0x1D, 0x2B, 0x66, 0xC6, 0x2E, 0x37}},
        {258, 512, {0xC6, 0x8A, 0x00, 0x7E, 0x5E, 0x65, 0x5F, 0x6A}},
        {259, 768, {0xA4, 0x0E, 0x32, 0x9C, 0xD0, 0xE4, 0x0E, 0x65}},
        {260, 1024, {0xD6, 0x8C, 0x8B, 0xB7, 0xC5, 0xC6, 0x42, 0x4C}},
    };
    /* dh_p may carry leading zero bytes (an unsigned big-endian integer). */
    while (len > 0 && p[0] == 0) {
        p++;
        len--;
    }
    for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++) {
        if (len != groups[i].bytes)
            continue;
        for (size_t k = 0; k < 8; k++)
            if (p[k] != 0xFF || p[len - 1 - k] != 0xFF || p[8 + k] != e_bits[k] ||
                p[len - 16 + k] != groups[i].tail[k])
                return 0;
        return groups[i].group;
    }
    return 0;
}
