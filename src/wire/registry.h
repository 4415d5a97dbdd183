/* registry.h: TLS name registries (cipher suites, groups, signature schemes,
 * extensions) and link presets, generated at build time from the CSV files
 * by src/data/gen_registry.py. Lookups are by wire value or by name; every
 * result points into static tables and must not be freed. */
#ifndef TP_REGISTRY_H
#define TP_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Protocol versions by their wire value (SSLv2 uses 0x0002 on the wire but
 * we number it 0x0200 so the order of values is the order of versions). */
enum {
    TP_VER_SSL2 = 0x0200,
    TP_VER_SSL3 = 0x0300,
    TP_VER_TLS10 = 0x0301,
    TP_VER_TLS11 = 0x0302,
    TP_VER_TLS12 = 0x0303,
    TP_VER_TLS13 = 0x0304,
    /* DTLS by its wire value too (RFC 6347 Sec. 4.1, RFC 9147 Sec. 5.3):
     * these sort above and in reverse of TLS, so compare DTLS versions
     * through tp_version_tls_equivalent(), never with < or >. */
    TP_VER_DTLS10 = 0xFEFF,
    TP_VER_DTLS12 = 0xFEFD,
    TP_VER_DTLS13 = 0xFEFC,
};

/* "SSLv2" ... "TLSv1.3", "DTLSv1.0" ... "DTLSv1.3"; NULL for an unknown
 * value. */
const char *tp_version_name(uint16_t version);
/* Whether version is one of the TP_VER_DTLS* values. */
bool tp_version_is_dtls(uint16_t version);
/* The TLS version a DTLS version is built on (DTLS 1.0 on TLS 1.1, RFC
 * 4347 Sec. 1; DTLS 1.2 on TLS 1.2, RFC 6347 Sec. 1; DTLS 1.3 on TLS 1.3,
 * RFC 9147 Sec. 1), so that ordered comparisons and the rules about
 * renegotiation or EMS apply alike; any other version unchanged. */
uint16_t tp_version_tls_equivalent(uint16_t version);
/* Parse "1.0".."1.3", "tls1.2", "TLSv1.2", "ssl3", "SSLv3"; 0 if unknown. */
uint16_t tp_version_parse(const char *text);

/* Suite flags, from the `flags` column. */
#define TP_SF_SSL2 (1u << 0)
#define TP_SF_TLS13 (1u << 1)
#define TP_SF_SCSV (1u << 2)
#define TP_SF_GREASE (1u << 3)
#define TP_SF_EXPORT (1u << 4)
#define TP_SF_NULL (1u << 5)
#define TP_SF_ANON (1u << 6)
#define TP_SF_RC4 (1u << 7)
#define TP_SF_RC2 (1u << 8)
#define TP_SF_DES (1u << 9)
#define TP_SF_3DES (1u << 10)
#define TP_SF_IDEA (1u << 11)
#define TP_SF_SEED (1u << 12)
#define TP_SF_CAMELLIA (1u << 13)
#define TP_SF_ARIA (1u << 14)
#define TP_SF_GOST (1u << 15)
#define TP_SF_SM4 (1u << 16)
#define TP_SF_BLOCK64 (1u << 17)
#define TP_SF_CBC (1u << 18)
#define TP_SF_CCM8 (1u << 19)
#define TP_SF_SHA1 (1u << 20)
#define TP_SF_MD5 (1u << 21)
#define TP_SF_AEAD (1u << 22)
#define TP_SF_PFS (1u << 23)
#define TP_SF_STATIC_RSA (1u << 24)
#define TP_SF_STATIC_DH (1u << 25)
#define TP_SF_PSK (1u << 26)
#define TP_SF_SRP (1u << 27)
#define TP_SF_KRB5 (1u << 28)
#define TP_SF_NON_IANA (1u << 29)
#define TP_SF_DRAFT (1u << 30)
#define TP_SF_PRIVATE_USE (1u << 31)

struct tp_suite_info {
    uint32_t code;          /* 2-byte TLS code point, or 3-byte SSLv2 kind */
    uint8_t wire_len;       /* 2, or 3 for SSLv2 kinds */
    const char *iana_name;  /* NULL for non-IANA suites (see alt_name) */
    const char *openssl_name;
    const char *gnutls_name;
    const char *alt_name;   /* IANA-style name of a non-IANA suite */
    const char *kx, *auth, *enc, *mode;
    uint16_t key_bits, strength_bits, block_bits;
    const char *mac;
    uint16_t min_version, max_version;
    char iana_recommended;  /* 'Y', 'N', 'D' or '-' */
    uint32_t flags;         /* TP_SF_* */
};

#define TP_GS_WEAK (1u << 0)
#define TP_GS_DEPRECATED_RFC8422 (1u << 1)
#define TP_GS_IANA_DISCOURAGED (1u << 2)
#define TP_GS_IANA_RECOMMENDED (1u << 3)
#define TP_GS_OBSOLETE_DRAFT (1u << 4)
#define TP_GS_EXPLICIT_CURVE (1u << 5)
#define TP_GS_POST_QUANTUM (1u << 6)
#define TP_GS_GREASE (1u << 7)

struct tp_group_info {
    uint16_t code;
    const char *iana_name;
    const char *type;          /* ec-prime, ec-binary, ecx, ffdhe, ml-kem, hybrid, ... */
    uint16_t security_bits;
    uint16_t keyshare_client_bytes, keyshare_server_bytes;
    const char *openssl_name;
    const char *gnutls_name;   /* priority keyword, e.g. "GROUP-SECP256R1" */
    char iana_recommended;
    uint32_t status;           /* TP_GS_* */
};

#define TP_SS_WEAK_HASH (1u << 0)
#define TP_SS_LEGACY_HASH (1u << 1)
#define TP_SS_DSA (1u << 2)
#define TP_SS_TLS13_CLIENT_AUTH_ONLY (1u << 3)
#define TP_SS_IANA_RECOMMENDED (1u << 4)
#define TP_SS_POST_QUANTUM (1u << 5)

struct tp_sigscheme_info {
    uint16_t code;
    const char *name;          /* IANA name, or "legacy:<hash>+<sig>" */
    const char *family, *hash, *params;
    const char *gnutls_names;  /* space-separated priority keywords "SIGN-..." */
    char iana_recommended;
    uint32_t status;           /* TP_SS_* */
};

struct tp_extension_info {
    uint16_t code;
    const char *name;
};

struct tp_link_info {
    const char *preset, *description;
    double dl_kbps, ul_kbps;   /* fractional for LoRaWAN */
    uint32_t rtt_ms, setup_ms, mtu_bytes, frame_payload_bytes;
    double loss_pct, duty_cycle_pct;
    bool half_duplex, tls_practical;
};

extern const struct tp_suite_info tp_suites[];
extern const size_t tp_suites_count;
extern const struct tp_group_info tp_groups[];
extern const size_t tp_groups_count;
extern const struct tp_sigscheme_info tp_sigschemes[];
extern const size_t tp_sigschemes_count;
extern const struct tp_extension_info tp_extensions[];
extern const size_t tp_extensions_count;
extern const struct tp_link_info tp_links[];
extern const size_t tp_links_count;

/* TLS suite by 2-byte code (SSLv2 kinds excluded); NULL if unknown. */
const struct tp_suite_info *tp_suite_by_code(uint16_t code);
/* SSLv2 cipher kind by 3-byte code; NULL if unknown. */
const struct tp_suite_info *tp_ssl2_kind_by_code(uint32_t code);
/* The IANA name, else the alt name, else NULL. */
const char *tp_suite_name(const struct tp_suite_info *suite);

const struct tp_group_info *tp_group_by_code(uint16_t code);
/* A group's key size in bits (ffdhe2048: 2048, x25519: 255, secp384r1:
 * 384), 0 when unknown or post-quantum (no key size in the name). */
unsigned tp_group_bits(uint16_t group);
/* By GnuTLS group name as gnutls_group_get_name() prints it ("SECP256R1",
 * "X25519", "FFDHE2048"), case-insensitive. */
const struct tp_group_info *tp_group_by_gnutls_name(const char *name);

const struct tp_sigscheme_info *tp_sigscheme_by_code(uint16_t code);
/* By GnuTLS name as gnutls_sign_get_name() prints it ("RSA-SHA256",
 * "RSA-PSS-RSAE-SHA256", "ECDSA-SECP256R1-SHA256"), case-insensitive. */
const struct tp_sigscheme_info *tp_sigscheme_by_gnutls_name(const char *name);

const struct tp_extension_info *tp_extension_by_code(uint16_t code);
const struct tp_link_info *tp_link_by_name(const char *preset);

#endif
