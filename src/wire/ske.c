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
