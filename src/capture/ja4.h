/* ja4.h: the JA4 TLS client fingerprint (FoxIO, "JA4: TLS Client
 * Fingerprint", github.com/FoxIO-LLC/ja4, technical details):
 *
 *   JA4 = a "_" b "_" c
 *   a = protocol ("t" TCP, "q" QUIC) + version (highest supported_versions
 *       entry, else legacy_version: "13" "12" "11" "10" "s3" "s2", "00"
 *       unknown) + "d" when SNI is present, else "i" + number of cipher
 *       suites (2 digits, at most 99) + number of extensions (2 digits) +
 *       first and last character of the first ALPN value ("00" without
 *       ALPN; the first and last hex digits when either is not
 *       alphanumeric);
 *   b = first 12 hex digits of SHA-256 over the suites, sorted, as 4-digit
 *       lowercase hex joined by ","  ("000000000000" when none);
 *   c = the same over the extensions, sorted, without SNI (0x0000) and
 *       ALPN (0x0010), then "_" and the signature algorithms in the order
 *       sent (no "_" when there are none).
 * GREASE values (RFC 8701) are ignored everywhere. Pure: no I/O. */
#ifndef TP_CAPTURE_JA4_H
#define TP_CAPTURE_JA4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tp_ja4_input {
    bool quic;
    uint16_t legacy_version;
    const uint16_t *versions, *suites, *extensions, *sigalgs;
    size_t n_versions, n_suites, n_extensions, n_sigalgs;
    bool has_sni;
    const uint8_t *alpn;       /* first ALPN protocol, NULL if none */
    size_t alpn_len;
};

#define TP_JA4_LEN 37 /* 10 + 1 + 12 + 1 + 12 characters and NUL */

/* The fingerprint in out. raw, when not NULL, receives the unhashed form
 * ("JA4_r") truncated to raw_size. */
void tp_ja4(const struct tp_ja4_input *in, char out[TP_JA4_LEN], char *raw, size_t raw_size);

/* RFC 8701: 0x0A0A, 0x1A1A, ..., 0xFAFA. */
bool tp_is_grease(uint16_t v);

/* FIPS 180-4 SHA-256. */
void tp_sha256(const uint8_t *data, size_t len, uint8_t out[32]);

#endif
