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
#include "scan/plan.h"
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
                          const char *sni, tp_deadline deadline, unsigned ask, bool fin,
                          struct tp_other_chain *out, bool *found, bool *answered)
{
    tp_error err = {0};
    int fd = -1;
    *found = false;
    *answered = true;
    tp_status status = net_connect_addr(addr, cfg->connect_timeout_ms, deadline, &fd, &err);
    if (status == TP_OK && cfg->starttls != TP_STARTTLS_NONE)
        status = net_starttls(fd, cfg->starttls, sni != NULL ? sni : cfg->host, deadline, &err);
    if (status == TP_OK)
        status = fin ? tls_other_chain_flight(fd, cfg, sni, deadline, ask, out, answered, &err)
                     : tls_other_chain(fd, cfg, sni, deadline, ask, out, &err);
    if (fd >= 0)
        close(fd);
    *found = status == TP_OK;
    return status == TP_E_NOMEM ? status : TP_OK;
}

/* The chain comes with the server's flight. With fin, first with our FIN
 * right behind the hello (a server serving one connection at a time,
 * openssl s_server, is then not held a round trip while --enum's probes
 * queue behind it), again without when nothing at all came back (a proxy
 * that gave up on the FIN: a connection more). */
static tp_status ask(const struct tp_config *cfg, const struct tp_addr *addr, const char *sni,
                     tp_deadline deadline, unsigned families, bool fin,
                     struct tp_other_chain *out, bool *found)
{
    bool answered = true;
    if (!fin)
        return ask_once(cfg, addr, sni, deadline, families, false, out, found, &answered);
    TP_TRY(ask_once(cfg, addr, sni, deadline, families, true, out, found, &answered));
    if (*found || answered)
        return TP_OK;
    tp_other_chain_finish(out);
    memset(out, 0, sizeof *out);
    return ask_once(cfg, addr, sni, deadline, families, false, out, found, &answered);
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
    /* The FIN pays only beside --enum and behind a slow link (the
     * report's own connect shows it, as the scan's half-closed probes go
     * by their connect: scan/plan.h); elsewhere the handshakes stay whole. */
    const struct tp_attempt *last =
        report->n_attempts > 0 ? &report->attempts[report->n_attempts - 1] : NULL;
    bool fin = cfg->enumerate && last != NULL && last->elapsed_ms >= PLAN_SLOW_LINK_MS;
    while ((seen & TLS_KEYS_ALL) != TLS_KEYS_ALL && !tp_deadline_passed(deadline)) {
        struct tp_other_chain chain = {0};
        bool found = false;
        unsigned want = TLS_KEYS_ALL & ~seen;
        tp_status status =
            ask(cfg, addr, sni, tp_deadline_min_ms(deadline, share_ms), want, fin, &chain, &found);
        unsigned family = found ? tls_key_family(chain.certs[0].key_type) : 0;
        if (status != TP_OK || !found || leaf_known(report, chain.certs[0].sha256) ||
            (family & want) == 0) {
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
