/* chains.c: the server's other certificates, after the report's handshake.
 *
 * The report's handshake offers every key type and is sent one chain; a
 * server with an RSA and an ECDSA certificate (two ssl_certificate lines in
 * nginx, -cert and -dcert in openssl s_server) holds another, which clients
 * of the other kind get, and which may lack its intermediate unnoticed.
 * Each further handshake offers only the key types not yet seen
 * (tls_other_chain); it stops at the first that finds nothing new, so a
 * server with one certificate costs one more connection. */
#include <string.h>
#include <unistd.h>

#include "net/starttls.h"
#include "run/run_int.h"
#include "tls/tls.h"
#include "util/banned.h"

/* Was a chain with this leaf already reported (the negotiated one or an
 * earlier other one)? A server may ignore the narrowed offer and send its
 * one certificate regardless. */
static bool leaf_known(const struct tp_report *report, const char *sha256)
{
    if (sha256[0] == '\0')
        return true; /* not comparable: do not report it twice */
    if (report->n_certs > 0 && strcmp(report->certs[0].sha256, sha256) == 0)
        return true;
    for (size_t i = 0; i < report->n_other_chains; i++) {
        const struct tp_other_chain *c = &report->other_chains[i];
        if (c->n_certs > 0 && strcmp(c->certs[0].sha256, sha256) == 0)
            return true;
    }
    return false;
}

/* One connection and handshake offering only the families in ask. TP_OK
 * with *found set when the server sent a chain; *found false when it sent
 * none or could not be reached; TP_E_NOMEM. */
static tp_status ask_once(const struct tp_config *cfg, const struct tp_addr *addr,
                          const char *sni, tp_deadline deadline, unsigned ask,
                          struct tp_other_chain *out, bool *found)
{
    tp_error err = {0};
    int fd = -1;
    *found = false;
    tp_status status = net_connect_addr(addr, cfg->connect_timeout_ms, deadline, &fd, &err);
    if (status == TP_OK && cfg->starttls != TP_STARTTLS_NONE)
        status = net_starttls(fd, cfg->starttls, sni != NULL ? sni : cfg->host, deadline, &err);
    if (status == TP_OK)
        status = tls_other_chain(fd, cfg, sni, deadline, ask, out, &err);
    if (fd >= 0)
        close(fd);
    *found = status == TP_OK;
    return status == TP_E_NOMEM ? status : TP_OK;
}

tp_status run_other_chains(const struct tp_config *cfg, const struct tp_addr *addr,
                           const char *sni, tp_deadline deadline, struct tp_report *report)
{
    if (cfg->no_other_chains || !report->handshake.completed || report->n_certs == 0)
        return TP_OK;
    unsigned seen = tls_key_family(report->certs[0].key_type);
    /* Each handshake gets at most a third of the run, as the report's own
     * does beside --enum: a server that stalls on an offer it cannot meet
     * must not eat the whole run. */
    uint32_t share_ms = cfg->timeout_ms / 3u;
    while ((seen & TLS_KEYS_ALL) != TLS_KEYS_ALL && !tp_deadline_passed(deadline)) {
        struct tp_other_chain chain = {0};
        bool found = false;
        unsigned ask = TLS_KEYS_ALL & ~seen;
        tp_status status = ask_once(cfg, addr, sni, tp_deadline_min_ms(deadline, share_ms), ask,
                                    &chain, &found);
        unsigned family = found ? tls_key_family(chain.certs[0].key_type) : 0;
        if (status != TP_OK || !found || leaf_known(report, chain.certs[0].sha256) ||
            (family & ask) == 0) {
            tp_other_chain_finish(&chain);
            return status;
        }
        struct tp_other_chain *slot = tp_report_add_other_chain(report);
        if (slot == NULL) {
            tp_other_chain_finish(&chain);
            return TP_E_NOMEM;
        }
        *slot = chain;
        seen |= family;
    }
    return TP_OK;
}
