/* offer.c: a client's offer, its JA4 and the offer-* findings (offer.h). */
#include "capture/offer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/registry.h"
#include "util/banned.h"

static const struct {
    const char *id;
    const char *what;
} rules[TP_OFFER_RULE_COUNT] = {
    [TP_OFFER_RULE_SSLV2] = {"offer-sslv2", "client offers SSL 2.0"},
    [TP_OFFER_RULE_SSLV3] = {"offer-sslv3", "client offers SSL 3.0"},
    [TP_OFFER_RULE_EXPORT] = {"offer-export", "client offers export-grade suites"},
    [TP_OFFER_RULE_NULL] = {"offer-null", "client offers NULL-encryption suites"},
    [TP_OFFER_RULE_ANON] = {"offer-anon", "client offers anonymous suites"},
    [TP_OFFER_RULE_RC4] = {"offer-rc4", "client offers RC4 suites"},
    [TP_OFFER_RULE_WEAK] = {"offer-weak-cipher",
                       "client offers DES, 3DES or other 64-bit block suites"},
    [TP_OFFER_RULE_NO_TLS13] = {"offer-no-tls13", "client does not offer TLS 1.3"},
};

const char *tp_offer_rule_id(enum tp_offer_rule r)
{
    return r < TP_OFFER_RULE_COUNT ? rules[r].id : NULL;
}

const char *tp_offer_rule_what(enum tp_offer_rule r)
{
    return r < TP_OFFER_RULE_COUNT ? rules[r].what : NULL;
}

static void keep_codes(struct tp_code_list *list, const tp_u16_list *src)
{
    list->total = src->n;
    list->n = src->n < TP_AU_MAX_CODES ? src->n : TP_AU_MAX_CODES;
    for (size_t i = 0; i < list->n; i++)
        list->v[i] = tp_u16_list_at(src, i);
}

tp_status tp_offer_keep(struct tp_audit_hs *h, const tp_client_hello *ch)
{
    h->has_client_hello = true;
    h->legacy_version = ch->legacy_version;
    keep_codes(&h->suites, &ch->suites);
    keep_codes(&h->versions, &ch->versions);
    keep_codes(&h->groups, &ch->groups);
    keep_codes(&h->sigalgs, &ch->sigalgs);
    h->key_shares.total = ch->n_key_shares;
    h->key_shares.n = ch->n_key_shares;
    memcpy(h->key_shares.v, ch->key_share_groups, ch->n_key_shares * sizeof(uint16_t));
    h->extensions.total = ch->exts.n;
    h->extensions.n = ch->exts.n < TP_AU_MAX_CODES ? ch->exts.n : TP_AU_MAX_CODES;
    for (size_t i = 0; i < h->extensions.n; i++)
        h->extensions.v[i] = ch->exts.ext[i].type;
    if (ch->sni != NULL) {
        free(h->sni);
        h->sni = malloc(ch->sni_len + 1);
        if (h->sni == NULL)
            return TP_E_NOMEM;
        memcpy(h->sni, ch->sni, ch->sni_len);
        h->sni[ch->sni_len] = '\0';
    }
    for (size_t i = 0; i < ch->n_alpn; i++) {
        char name[256];
        memcpy(name, ch->alpn[i], ch->alpn_len[i]);
        name[ch->alpn_len[i]] = '\0';
        TP_TRY(tp_strlist_push(&h->alpn, name));
    }
    return TP_OK;
}

tp_status tp_offer_ja4_input(const tp_client_hello *ch, struct tp_ja4_input *in,
                             uint16_t **scratch)
{
    uint16_t *all = malloc(sizeof(uint16_t) * (ch->suites.n + ch->exts.n + ch->versions.n +
                                               ch->sigalgs.n + 1));
    *scratch = all;
    if (all == NULL)
        return TP_E_NOMEM;
    for (size_t i = 0; i < ch->suites.n; i++)
        all[i] = tp_u16_list_at(&ch->suites, i);
    uint16_t *exts = all + ch->suites.n;
    for (size_t i = 0; i < ch->exts.n; i++)
        exts[i] = ch->exts.ext[i].type;
    uint16_t *versions = exts + ch->exts.n;
    for (size_t i = 0; i < ch->versions.n; i++)
        versions[i] = tp_u16_list_at(&ch->versions, i);
    uint16_t *sigalgs = versions + ch->versions.n;
    for (size_t i = 0; i < ch->sigalgs.n; i++)
        sigalgs[i] = tp_u16_list_at(&ch->sigalgs, i);
    *in = (struct tp_ja4_input){
        .legacy_version = ch->legacy_version,
        .versions = versions, .n_versions = ch->versions.n,
        .suites = all, .n_suites = ch->suites.n,
        .extensions = exts, .n_extensions = ch->exts.n,
        .sigalgs = sigalgs, .n_sigalgs = ch->sigalgs.n,
        .has_sni = ch->sni != NULL,
        .alpn = ch->n_alpn > 0 ? ch->alpn[0] : NULL,
        .alpn_len = ch->n_alpn > 0 ? ch->alpn_len[0] : 0,
    };
    return TP_OK;
}

void tp_offer_append_suite(char *buf, size_t size, uint16_t code)
{
    const struct tp_suite_info *info = tp_suite_by_code(code);
    size_t used = strlen(buf);
    char one[128];
    const char *name = info != NULL ? tp_suite_name(info) : NULL;
    if (name != NULL)
        snprintf(one, sizeof one, "%s%s", used ? ", " : "", name);
    else
        snprintf(one, sizeof one, "%s0x%04X", used ? ", " : "", (unsigned)code);
    /* Whole names only; the list ends in "..." when it does not fit. */
    if (used >= 3 && strcmp(buf + used - 3, "...") == 0)
        return;
    if (used + strlen(one) + 5 < size)
        snprintf(buf + used, size - used, "%s", one);
    else
        snprintf(buf + used, size - used, "%s...", used ? ", " : "");
}

static const uint32_t suite_rule_flags[] = {
    [TP_OFFER_RULE_EXPORT] = TP_SF_EXPORT,
    [TP_OFFER_RULE_NULL] = TP_SF_NULL,
    [TP_OFFER_RULE_ANON] = TP_SF_ANON,
    [TP_OFFER_RULE_RC4] = TP_SF_RC4,
    [TP_OFFER_RULE_WEAK] = TP_SF_DES | TP_SF_3DES | TP_SF_BLOCK64 | TP_SF_RC2 | TP_SF_IDEA,
};

static tp_status suite_findings(const struct tp_audit_hs *h, uint32_t detail_mask,
                                tp_offer_hit_fn hit, void *ctx)
{
    /* One registry lookup per suite, then every rule against its flags. */
    char names[TP_OFFER_RULE_WEAK + 1][300];
    size_t count[TP_OFFER_RULE_WEAK + 1] = {0};
    for (int r = TP_OFFER_RULE_EXPORT; r <= TP_OFFER_RULE_WEAK; r++)
        names[r][0] = '\0';
    for (size_t i = 0; i < h->suites.n; i++) {
        const struct tp_suite_info *info = tp_suite_by_code(h->suites.v[i]);
        if (info == NULL)
            continue;
        for (int r = TP_OFFER_RULE_EXPORT; r <= TP_OFFER_RULE_WEAK; r++)
            if (info->flags & suite_rule_flags[r]) {
                if (detail_mask & (1u << r))
                    tp_offer_append_suite(names[r], sizeof names[r], h->suites.v[i]);
                count[r]++;
            }
    }
    for (int r = TP_OFFER_RULE_EXPORT; r <= TP_OFFER_RULE_WEAK; r++)
        if (count[r] > 0)
            TP_TRY(hit(ctx, (enum tp_offer_rule)r, names[r]));
    return TP_OK;
}

tp_status tp_offer_findings(const struct tp_audit_hs *h, uint32_t detail_mask,
                            tp_offer_hit_fn hit, void *ctx)
{
    TP_TRY(suite_findings(h, detail_mask, hit, ctx));
    uint16_t max = h->legacy_version;
    bool sslv3 = h->legacy_version <= TP_VER_SSL3 && h->versions.n == 0;
    for (size_t i = 0; i < h->versions.n; i++) {
        if (tp_is_grease(h->versions.v[i]))
            continue;
        if (h->versions.v[i] > max || i == 0)
            max = h->versions.v[i];
        if (h->versions.v[i] == TP_VER_SSL3)
            sslv3 = true;
    }
    if (sslv3 && !h->ssl2_hello)
        TP_TRY(hit(ctx, TP_OFFER_RULE_SSLV3, ""));
    if (max < TP_VER_TLS13) {
        char v[64];
        snprintf(v, sizeof v, "highest version offered: %s",
                 tp_version_name(max) ? tp_version_name(max) : "unknown");
        TP_TRY(hit(ctx, TP_OFFER_RULE_NO_TLS13, v));
    }
    return TP_OK;
}
