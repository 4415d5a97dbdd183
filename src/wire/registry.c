/* registry.c: lookups over the generated tables (registry_data.c).
 * gen_registry.py emits the suites sorted by (wire_len, code) and the
 * groups, signature schemes and extensions sorted by code, without
 * duplicates, so lookups by code are binary searches: --read names every
 * code of every ClientHello in a capture, and a linear scan of ~400 rows
 * was a third of its time. Lookups by name stay linear (rare, at start). */
#include "wire/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/banned.h"

static const struct {
    uint16_t version;
    const char *name;
} version_names[] = {
    {TP_VER_SSL2, "SSLv2"},   {TP_VER_SSL3, "SSLv3"},   {TP_VER_TLS10, "TLSv1.0"},
    {TP_VER_TLS11, "TLSv1.1"}, {TP_VER_TLS12, "TLSv1.2"}, {TP_VER_TLS13, "TLSv1.3"},
    {TP_VER_DTLS10, "DTLSv1.0"}, {TP_VER_DTLS12, "DTLSv1.2"}, {TP_VER_DTLS13, "DTLSv1.3"},
};

bool tp_version_is_dtls(uint16_t version)
{
    return version == TP_VER_DTLS10 || version == TP_VER_DTLS12 || version == TP_VER_DTLS13;
}

uint16_t tp_version_tls_equivalent(uint16_t version)
{
    switch (version) {
    case TP_VER_DTLS10:
        return TP_VER_TLS11;
    case TP_VER_DTLS12:
        return TP_VER_TLS12;
    case TP_VER_DTLS13:
        return TP_VER_TLS13;
    default:
        return version;
    }
}

const char *tp_version_name(uint16_t version)
{
    for (size_t i = 0; i < sizeof version_names / sizeof version_names[0]; i++)
        if (version_names[i].version == version)
            return version_names[i].name;
    return NULL;
}

uint16_t tp_version_parse(const char *text)
{
    static const struct {
        const char *spelling;
        uint16_t version;
    } spellings[] = {
        {"ssl2", TP_VER_SSL2},    {"sslv2", TP_VER_SSL2},    {"ssl3", TP_VER_SSL3},
        {"sslv3", TP_VER_SSL3},   {"1.0", TP_VER_TLS10},     {"tls1.0", TP_VER_TLS10},
        {"tlsv1.0", TP_VER_TLS10}, {"1.1", TP_VER_TLS11},    {"tls1.1", TP_VER_TLS11},
        {"tlsv1.1", TP_VER_TLS11}, {"1.2", TP_VER_TLS12},    {"tls1.2", TP_VER_TLS12},
        {"tlsv1.2", TP_VER_TLS12}, {"1.3", TP_VER_TLS13},    {"tls1.3", TP_VER_TLS13},
        {"tlsv1.3", TP_VER_TLS13},
    };
    if (text == NULL)
        return 0;
    for (size_t i = 0; i < sizeof spellings / sizeof spellings[0]; i++)
        if (strcasecmp(text, spellings[i].spelling) == 0)
            return spellings[i].version;
    return 0;
}

/* Keys compared by the searches below: the row types differ, the key
 * fields do not. */
struct suite_key {
    uint8_t wire_len;
    uint32_t code;
};

static int cmp_suite(const void *key, const void *row)
{
    const struct suite_key *k = key;
    const struct tp_suite_info *s = row;
    if (k->wire_len != s->wire_len)
        return k->wire_len < s->wire_len ? -1 : 1;
    return (k->code > s->code) - (k->code < s->code);
}

static int cmp_group(const void *key, const void *row)
{
    uint16_t k = *(const uint16_t *)key, c = ((const struct tp_group_info *)row)->code;
    return (k > c) - (k < c);
}

static int cmp_sigscheme(const void *key, const void *row)
{
    uint16_t k = *(const uint16_t *)key, c = ((const struct tp_sigscheme_info *)row)->code;
    return (k > c) - (k < c);
}

static int cmp_extension(const void *key, const void *row)
{
    uint16_t k = *(const uint16_t *)key, c = ((const struct tp_extension_info *)row)->code;
    return (k > c) - (k < c);
}

const struct tp_suite_info *tp_suite_by_code(uint16_t code)
{
    struct suite_key key = {2, code};
    return bsearch(&key, tp_suites, tp_suites_count, sizeof tp_suites[0], cmp_suite);
}

const struct tp_suite_info *tp_ssl2_kind_by_code(uint32_t code)
{
    struct suite_key key = {3, code};
    return bsearch(&key, tp_suites, tp_suites_count, sizeof tp_suites[0], cmp_suite);
}

const char *tp_suite_name(const struct tp_suite_info *suite)
{
    if (suite == NULL)
        return NULL;
    return suite->iana_name != NULL ? suite->iana_name : suite->alt_name;
}

const struct tp_group_info *tp_group_by_code(uint16_t code)
{
    return bsearch(&code, tp_groups, tp_groups_count, sizeof tp_groups[0], cmp_group);
}

const struct tp_group_info *tp_group_by_gnutls_name(const char *name)
{
    if (name == NULL)
        return NULL;
    for (size_t i = 0; i < tp_groups_count; i++) {
        const char *kw = tp_groups[i].gnutls_name;
        if (kw == NULL || strncmp(kw, "GROUP-", 6) != 0)
            continue;
        if (strcasecmp(kw + 6, name) == 0)
            return &tp_groups[i];
    }
    return NULL;
}

const struct tp_sigscheme_info *tp_sigscheme_by_code(uint16_t code)
{
    return bsearch(&code, tp_sigschemes, tp_sigschemes_count, sizeof tp_sigschemes[0],
                   cmp_sigscheme);
}

/* Does the space-separated keyword list contain "SIGN-" + name? */
static bool keyword_list_has(const char *list, const char *name)
{
    size_t name_len = strlen(name);
    const char *p = list;
    while (p != NULL && *p != '\0') {
        const char *end = strchr(p, ' ');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == name_len + 5 && strncmp(p, "SIGN-", 5) == 0 &&
            strncasecmp(p + 5, name, name_len) == 0)
            return true;
        p = end ? end + 1 : NULL;
    }
    return false;
}

const struct tp_sigscheme_info *tp_sigscheme_by_gnutls_name(const char *name)
{
    if (name == NULL)
        return NULL;
    for (size_t i = 0; i < tp_sigschemes_count; i++)
        if (tp_sigschemes[i].gnutls_names != NULL &&
            keyword_list_has(tp_sigschemes[i].gnutls_names, name))
            return &tp_sigschemes[i];
    return NULL;
}

const struct tp_extension_info *tp_extension_by_code(uint16_t code)
{
    return bsearch(&code, tp_extensions, tp_extensions_count, sizeof tp_extensions[0],
                   cmp_extension);
}

const struct tp_link_info *tp_link_by_name(const char *preset)
{
    if (preset == NULL)
        return NULL;
    for (size_t i = 0; i < tp_links_count; i++)
        if (strcasecmp(tp_links[i].preset, preset) == 0)
            return &tp_links[i];
    return NULL;
}

unsigned tp_group_bits(uint16_t group)
{
    const struct tp_group_info *g = tp_group_by_code(group);
    if (g == NULL || g->iana_name == NULL)
        return 0;
    /* X25519MLKEM768, MLKEM1024: the digits are not a key size; their
     * strength is the registry's security_bits. */
    if (g->status & TP_GS_POST_QUANTUM)
        return 0;
    if (strcmp(g->iana_name, "x25519") == 0)
        return 255;
    /* ffdhe2048, secp384r1, sect571k1, brainpoolP512r1, x448: the first run
     * of digits is the size. */
    const char *p = g->iana_name;
    while (*p != '\0' && (*p < '0' || *p > '9'))
        p++;
    unsigned bits = 0;
    for (; *p >= '0' && *p <= '9' && bits < 100000; p++)
        bits = bits * 10 + (unsigned)(*p - '0');
    if (bits >= 160)
        return bits;
    return (unsigned)g->security_bits * 2u;
}
