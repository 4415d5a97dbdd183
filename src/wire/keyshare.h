/* keyshare.h: the key_exchange bytes of a TLS 1.3 KeyShareEntry (RFC 8446
 * Sec. 4.2.8) for the groups whose share tlsprobe builds itself, classical
 * and post-quantum, and the sizes a server's share must have.
 *
 * Post-quantum and hybrid groups concatenate fixed-size parts:
 *   X25519MLKEM768 (0x11EC)      client: ML-KEM-768 ek (1184) || X25519 (32)    = 1216
 *                                server: ML-KEM-768 ct (1088) || X25519 (32)    = 1120
 *   SecP256r1MLKEM768 (0x11EB)   client: P-256 point (65) || ML-KEM-768 ek      = 1249
 *                                server: P-256 point (65) || ML-KEM-768 ct      = 1153
 *   SecP384r1MLKEM1024 (0x11ED)  client: P-384 point (97) || ML-KEM-1024 ek     = 1665
 *                                server: P-384 point (97) || ML-KEM-1024 ct     = 1665
 *     (draft-ietf-tls-ecdhe-mlkem Sec. 4.1: X25519MLKEM768 puts ML-KEM
 *     first, the NIST-curve hybrids put the ECDH share first)
 *   X25519Kyber768Draft00 (0x6399) X25519 (32) || Kyber768 pk (1184) = 1216,
 *     server X25519 || ct (1088) = 1120 (draft-tls-westerbaan-xyber768d00-02 Sec. 3)
 *   SecP256r1Kyber768Draft00 (0x639A) P-256 point || Kyber768 pk = 1249
 *     (draft-kwiatkowski-tls-ecdhe-kyber-01)
 *   MLKEM512/768/1024 (0x0200..0x0202) the ek alone: 800/1184/1568, server
 *     ciphertext 768/1088/1568 (draft-connolly-tls-mlkem-key-agreement Sec. 3)
 *
 * A probe never completes the handshake, so no secret is kept: the X25519
 * part is pseudo-random bytes (RFC 7748 Sec. 5: any 32 bytes are a valid
 * input), the P-256/P-384 parts are the curves' generators (valid points),
 * and the ML-KEM encapsulation key is pseudo-random coefficients below q
 * (FIPS 203 Sec. 7.2: ML-KEM.Encaps's "modulus check" rejects an ek whose
 * 12-bit coefficients are not all < 3329, so plain random bytes would be
 * refused by a conforming server) followed by a 32-byte rho. Pure: the
 * bytes derive from the caller's seed. */
#ifndef TP_KEYSHARE_H
#define TP_KEYSHARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* The largest share built here (SecP384r1MLKEM1024). */
#define TP_KS_MAX_BYTES 1665u
#define TP_KS_MAX_PARTS 2u
#define TP_MLKEM_Q 3329u

enum tp_ks_part {
    TP_KS_X25519,
    TP_KS_P256,
    TP_KS_P384,
    TP_KS_MLKEM512,
    TP_KS_MLKEM768,
    TP_KS_MLKEM1024,
};

typedef struct tp_ks_layout {
    enum tp_ks_part parts[TP_KS_MAX_PARTS]; /* in wire order */
    size_t n_parts;
    size_t client_bytes, server_bytes;      /* the parts' sums */
    bool post_quantum;                      /* some part is ML-KEM / Kyber */
} tp_ks_layout;

/* The layout of group's share; false for a group not built here. */
bool tp_ks_layout_of(uint16_t group, tp_ks_layout *out);
/* Sizes of one part in a client's and in a server's share. */
size_t tp_ks_part_client_bytes(enum tp_ks_part part);
size_t tp_ks_part_server_bytes(enum tp_ks_part part);

/* The uncompressed generator of P-256 (group 0x0017, 65 bytes) or P-384
 * (0x0018, 97 bytes); NULL for another group. */
const uint8_t *tp_ks_ec_generator(uint16_t group, size_t *len);

/* Write group's client share (tp_ks_layout_of(group)->client_bytes bytes)
 * to out[0..cap), deriving the pseudo-random parts from seed; *len gets
 * the size. TP_E_UNSUPPORTED for a group not built here. */
TP_MUST_CHECK tp_status tp_ks_client_share(uint16_t group, const uint8_t seed[32], uint8_t *out,
                                           size_t cap, size_t *len, tp_error *err);

/* FIPS 203 Sec. 7.2 modulus check of an ML-KEM encapsulation key of k
 * polynomials (len == 384 * k + 32): every coefficient < q. */
bool tp_ks_mlkem_ek_ok(const uint8_t *ek, size_t len);

#endif
