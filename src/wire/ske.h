/* ske.h: parse ServerKeyExchange far enough for a verdict on the key
 * exchange parameters.
 *
 * ECDHE (RFC 8422 Sec. 5.4):
 *     struct { ECCurveType curve_type; NamedCurve namedcurve; } ECParameters;  (named_curve(3))
 *     struct { ECParameters curve_params; ECPoint public; } ServerECDHParams;
 *     opaque point<1..2^8-1>;
 * DHE (RFC 5246 Sec. 7.4.3):
 *     struct { opaque dh_p<1..2^16-1>; opaque dh_g<1..2^16-1>;
 *              opaque dh_Ys<1..2^16-1>; } ServerDHParams;
 * RSA_EXPORT (RFC 2246 Sec. 7.4.3):
 *     struct { opaque rsa_modulus<1..2^16-1>; opaque rsa_exponent<1..2^16-1>; } ServerRSAParams;
 * PSK variants (RFC 4279 Sec. 2-4, RFC 5489 Sec. 2) put
 *     opaque psk_identity_hint<0..2^16-1>;
 * before the params and carry no signature: DHE_PSK and ECDHE_PSK add the
 * ServerDHParams / ServerECDHParams after it, plain PSK and RSA_PSK send
 * the hint alone (RFC 4279 Sec. 2: "struct { select (KeyExchangeAlgorithm)
 * { case psk: opaque psk_identity_hint<0..2^16-1>; }; } ServerKeyExchange").
 * Then, unless anonymous or PSK, digitally-signed params: in TLS 1.2
 * (RFC 5246 Sec. 4.7) SignatureAndHashAlgorithm algorithm + opaque
 * signature<0..2^16-1>; before TLS 1.2 only the opaque signature.
 *
 * The key exchange is not in the message: the caller says which one, from
 * the negotiated suite (tp_ske_kx_from_suite_kx()). Pointers in the result
 * BORROW the caller's buffer. */
#ifndef TP_SKE_H
#define TP_SKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

typedef enum tp_ske_params {
    TP_SKE_NONE = 0, /* no parameters: nothing to parse, or (PSK, RSA_PSK) the hint alone */
    TP_SKE_ECDHE,
    TP_SKE_DHE,
    TP_SKE_RSA,      /* RSA_EXPORT temporary key */
} tp_ske_params;

typedef struct tp_ske_kx {
    tp_ske_params params;
    bool psk_hint;   /* PSK variant: identity hint first, no signature */
    bool anonymous;  /* no signature */
} tp_ske_kx;

/* Map the registry's kx column ("ECDHE", "DHE_EXPORT", "DH_anon",
 * "ECDHE_PSK", "PSK", "RSA_PSK", "RSA_EXPORT", ...) to what to parse;
 * params is TP_SKE_NONE for key exchanges without parameters, and then
 * only a PSK one (psk_hint) has a parsable ServerKeyExchange. */
tp_ske_kx tp_ske_kx_from_suite_kx(const char *kx);

typedef struct tp_ske {
    tp_ske_params params;
    /* PSK key exchanges: the identity hint, possibly empty (RFC 4279 Sec.
     * 5.2: "If no hint is provided ... the ServerKeyExchange message MAY
     * be omitted" or carry an empty one). Not terminated. */
    bool has_psk_hint;
    const uint8_t *psk_hint;
    size_t psk_hint_len;
    /* ECDHE */
    uint8_t curve_type;        /* 3: named_curve */
    uint16_t group;
    const uint8_t *point;
    size_t point_len;
    /* DHE */
    const uint8_t *dh_p, *dh_g, *dh_ys;
    size_t dh_p_len, dh_g_len, dh_ys_len;
    uint32_t dh_p_bits;        /* bit length of p, leading zeros excluded */
    /* RSA_EXPORT */
    uint32_t rsa_modulus_bits;
    /* signature, when present */
    bool has_signature;
    bool has_sigalg;           /* TLS 1.2 */
    uint16_t sigalg;
    const uint8_t *signature;
    size_t signature_len;
} tp_ske;

/* Parse a ServerKeyExchange body (after the handshake header). version is
 * the negotiated version (it decides the signature layout). Explicit-curve
 * ECDHE parameters (RFC 8422 Sec. 5.4 deprecates them) are TP_E_UNSUPPORTED
 * with out->curve_type set. */
TP_MUST_CHECK tp_status tp_ske_parse(const uint8_t *body, size_t len, tp_ske_kx kx,
                                     uint16_t version, tp_ske *out, tp_error *err);

/* The RFC 7919 named group (256 ffdhe2048 .. 260 ffdhe8192) whose prime
 * is p (big-endian, as dh_p), 0 for any other prime. */
uint16_t tp_ffdhe_group_of_prime(const uint8_t *p, size_t len);

/* Bit length of a big-endian unsigned integer (0 for zero). */
uint32_t tp_bignum_bits(const uint8_t *p, size_t len);

#endif
