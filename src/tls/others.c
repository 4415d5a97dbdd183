/* others.c: the server's other certificates, asked for one key type at a
 * time.
 *
 * A server holding an RSA and an ECDSA certificate picks the one the
 * client's signature_algorithms allow (RFC 8446 Sec. 4.2.3 and 4.4.2.2;
 * RFC 5246 Sec. 7.4.1.4.1 and 7.4.2). In TLS 1.2 and older the cipher
 * suite names the key too: ECDHE_ECDSA suites for ECDSA and, by RFC 8422
 * Sec. 5.1.2, EdDSA; RSA, DHE_RSA and ECDHE_RSA for RSA. So an offer
 * narrowed to one family's signature algorithms and suites is sent that
 * family's chain, or refused when the server has none. */
#include "tls/tls_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/trace.h"
#include "util/banned.h"

/* GnuTLS priority keywords of each family (GnuTLS manual, "Priority
 * Strings": SIGN-* and key exchange keywords). SHA-1 stays in so that an
 * old server's certificate is still found and then judged. */
static const struct key_family {
    unsigned bit;
    const char *name;
    const char *sigs;
    const char *kx;
} families_table[] = {
    {TLS_KEYS_RSA, "RSA",
     ":+SIGN-RSA-PSS-RSAE-SHA256:+SIGN-RSA-PSS-RSAE-SHA384:+SIGN-RSA-PSS-RSAE-SHA512"
     ":+SIGN-RSA-PSS-SHA256:+SIGN-RSA-PSS-SHA384:+SIGN-RSA-PSS-SHA512"
     ":+SIGN-RSA-SHA256:+SIGN-RSA-SHA384:+SIGN-RSA-SHA512:+SIGN-RSA-SHA1",
     ":+ECDHE-RSA:+DHE-RSA:+RSA"},
    {TLS_KEYS_ECDSA, "ECDSA",
     ":+SIGN-ECDSA-SECP256R1-SHA256:+SIGN-ECDSA-SECP384R1-SHA384"
     ":+SIGN-ECDSA-SECP521R1-SHA512:+SIGN-ECDSA-SHA256:+SIGN-ECDSA-SHA384"
     ":+SIGN-ECDSA-SHA512:+SIGN-ECDSA-SHA1",
     ":+ECDHE-ECDSA"},
    {TLS_KEYS_EDDSA, "EdDSA", ":+SIGN-EDDSA-ED25519:+SIGN-EDDSA-ED448", ":+ECDHE-ECDSA"},
};
#define N_FAMILIES (sizeof families_table / sizeof families_table[0])

unsigned tls_key_family(const char *key_type)
{
    if (key_type == NULL)
        return 0;
    if (strcasecmp(key_type, "RSA") == 0 || strcasecmp(key_type, "RSA-PSS") == 0)
        return TLS_KEYS_RSA;
    if (strcasecmp(key_type, "EC") == 0 || strcasecmp(key_type, "ECDSA") == 0)
        return TLS_KEYS_ECDSA;
    if (strcasecmp(key_type, "Ed25519") == 0 || strcasecmp(key_type, "Ed448") == 0)
        return TLS_KEYS_EDDSA;
    return 0;
}

static const char *family_name(unsigned bit)
{
    for (size_t i = 0; i < N_FAMILIES; i++)
        if (families_table[i].bit == bit)
            return families_table[i].name;
    return NULL;
}

/* Append text to buf; false when it does not fit. */
static bool append(char *buf, size_t size, const char *text)
{
    size_t used = strlen(buf), n = strlen(text);
    if (used + n >= size)
        return false;
    memcpy(buf + used, text, n + 1);
    return true;
}

/* ":-SIGN-ALL:+SIGN-...:-KX-ALL:+..." for the families in set, and the
 * words for it ("ECDSA/EdDSA signature algorithms"). */
static bool restriction(unsigned set, char *prio, size_t prio_size, char *words,
                        size_t words_size)
{
    bool ok = append(prio, prio_size, ":-SIGN-ALL");
    for (size_t i = 0; i < N_FAMILIES; i++) {
        if (!(set & families_table[i].bit))
            continue;
        ok = ok && append(prio, prio_size, families_table[i].sigs);
        if (words[0] != '\0')
            ok = ok && append(words, words_size, "/");
        ok = ok && append(words, words_size, families_table[i].name);
    }
    ok = ok && append(words, words_size, " signature algorithms") &&
         append(prio, prio_size, ":-KX-ALL");
    for (size_t i = 0; i < N_FAMILIES; i++) {
        if (!(set & families_table[i].bit) || strstr(prio, families_table[i].kx) != NULL)
            continue;
        ok = ok && append(prio, prio_size, families_table[i].kx);
    }
    return ok;
}

static tp_status other_chain(int fd, const struct tp_config *cfg, const char *sni,
                             tp_deadline deadline, unsigned families, struct tls_offer *offer,
                             struct tp_other_chain *out, bool *answered, tp_error *err)
{
    char prio[640] = "", words[96] = "";
    *answered = false;
    if ((families & TLS_KEYS_ALL) == 0 ||
        !restriction(families & TLS_KEYS_ALL, prio, sizeof prio, words, sizeof words))
        return tp_fail(err, TP_E_INTERNAL, "no key type to ask for");
    struct tp_report scratch;
    tp_report_init(&scratch);
    tp_status status = tls_handshake_report_offered(fd, cfg, sni, deadline, prio, offer,
                                                    &scratch, err);
    *answered = scratch.n_certs > 0 || scratch.failure.alert >= 0;
    tp_trace("other chain%s: status %d, %zu certs, alert %d: %s",
             offer != NULL && offer->fin_after_hello ? " (FIN)" : "", (int)status, scratch.n_certs,
             scratch.failure.alert, err->msg);
    /* With our FIN behind the hello the handshake cannot end well: the
     * chain it brought is what was asked for. */
    if (offer != NULL && offer->fin_after_hello && scratch.n_certs > 0 &&
        (status == TP_E_TLS || status == TP_E_TIMEOUT)) {
        tp_error_clear(err);
        status = TP_OK;
    }
    if (status == TP_OK && scratch.n_certs == 0)
        status = tp_fail(err, TP_E_TLS, "the server sent no certificate");
    if (status != TP_OK)
        goto out;
    const char *leaf_type = scratch.certs[0].key_type;
    const char *family = family_name(tls_key_family(leaf_type));
    if (family == NULL)
        family = leaf_type != NULL ? leaf_type : "unknown";
    tp_other_chain_take(out, &scratch);
    if ((status = tp_set_str(&out->selected_by, words)) != TP_OK ||
        (status = tp_set_str(&out->key_type, family)) != TP_OK)
        tp_fail(err, status, "out of memory");
out:
    tp_report_finish(&scratch);
    return status;
}

tp_status tls_other_chain(int fd, const struct tp_config *cfg, const char *sni,
                          tp_deadline deadline, unsigned families, struct tp_other_chain *out,
                          tp_error *err)
{
    bool answered = false;
    return other_chain(fd, cfg, sni, deadline, families, NULL, out, &answered, err);
}

tp_status tls_other_chain_flight(int fd, const struct tp_config *cfg, const char *sni,
                                 tp_deadline deadline, unsigned families,
                                 struct tp_other_chain *out, bool *answered, tp_error *err)
{
    struct tls_offer offer = {.fin_after_hello = true};
    return other_chain(fd, cfg, sni, deadline, families, &offer, out, answered, err);
}
