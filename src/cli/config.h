/* config.h: everything the command line decides, in one struct passed down
 * (no globals). Filled by cli_parse(); read-only after that. */
#ifndef TP_CONFIG_H
#define TP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report/severity.h"

enum tp_color_mode { TP_COLOR_AUTO = 0, TP_COLOR_ALWAYS, TP_COLOR_NEVER };
enum tp_family { TP_FAMILY_ANY = 0, TP_FAMILY_V4, TP_FAMILY_V6 };
enum tp_action { TP_ACTION_REPORT = 0, TP_ACTION_HELP, TP_ACTION_VERSION };
/* --starttls: the plaintext dialogue before the ClientHello (net/starttls.h
 * holds the dialects' names, ports and steps). */
enum tp_starttls {
    TP_STARTTLS_NONE = 0,
    TP_STARTTLS_SMTP,
    TP_STARTTLS_LMTP,
    TP_STARTTLS_IMAP,
    TP_STARTTLS_POP3,
    TP_STARTTLS_FTP,
    TP_STARTTLS_XMPP,
    TP_STARTTLS_LDAP,
    TP_STARTTLS_POSTGRES,
    TP_STARTTLS_MYSQL,
    TP_STARTTLS_NNTP,
    TP_STARTTLS_SIEVE,
    TP_STARTTLS_COUNT
};

#define TP_DEFAULT_PORT 443
/* CoAP over DTLS (RFC 7252 Sec. 6.2, coaps); LwM2M uses it too. */
#define TP_DEFAULT_DTLS_PORT 5684
/* --mtu: below every path MTU that matters for IP (RFC 8200 Sec. 5 asks
 * 1280 of IPv6) with room for the UDP/IP headers; GnuTLS fragments
 * handshake messages to fit (RFC 6347 Sec. 4.1.1.1). */
#define TP_DEFAULT_DTLS_MTU 1400u
#define TP_MIN_DTLS_MTU 256u
#define TP_MAX_DTLS_MTU 16384u
#define TP_DEFAULT_CONNECT_TIMEOUT_MS 5000u
#define TP_DEFAULT_TIMEOUT_MS 20000u
#define TP_DEFAULT_WARN_DAYS 30u
/* --enum runs hundreds of probes: its own whole-run bound unless --timeout. */
#define TP_DEFAULT_ENUM_TIMEOUT_MS 120000u
#define TP_DEFAULT_PARALLEL 8u
#define TP_MAX_PARALLEL 64u
#define TP_DEFAULT_POLICY "rfc9325"
#define TP_MAX_REPEAT 1000u
/* RFC 4279 Sec. 5.3: identities up to 2^16-1 bytes, keys up to 2^16-1;
 * real deployments use at most a few dozen bytes of each. */
#define TP_MAX_PSK_IDENTITY 1024u
#define TP_MAX_PSK_KEY 512u
/* --targets: targets probed at once (run/fleet.c). */
#define TP_DEFAULT_JOBS 8u
#define TP_MAX_JOBS 256u
/* --serve (serve/serve.h): the battery has at most this many cases, and a
 * whole battery gets this long unless --timeout. */
#define TP_SERVE_MAX_CASES 16
#define TP_DEFAULT_SERVE_TIMEOUT_MS 300000u
#define TP_DEFAULT_SERVE_WAIT_MS 10000u

struct tp_config {
    enum tp_action action;

    /* Target, from the HOST[:PORT] operand (net/target.c parses it). */
    char *host;              /* owned; no brackets */
    uint16_t port;
    enum tp_family family;
    enum tp_starttls starttls; /* --starttls, TP_STARTTLS_NONE = TLS at once */
    bool dtls;               /* --dtls: DTLS over UDP */
    uint32_t mtu;            /* --mtu, 0 = not given (TP_DEFAULT_DTLS_MTU) */

    /* TLS offer. */
    const char *sni;         /* --sni (argv-owned), NULL = the host name */
    bool no_sni;
    const char *alpn;        /* comma-separated list, argv-owned */
    uint16_t tls_min, tls_max; /* TP_VER_*, 0 = library default */
    const char *priority;    /* expert GnuTLS priority string, argv-owned */

    /* Verification. */
    const char *ca_file;     /* replaces the system trust store */
    uint32_t warn_days;
    bool no_other_chains;    /* --no-other-chains: the negotiated chain only */

    /* Client credentials. The server may ask for a certificate (mutual
     * TLS) or speak only PSK suites (RFC 4279, RFC 8446 Sec. 2.2). */
    const char *cert_file;   /* --cert: PEM chain, leaf first */
    const char *key_file;    /* --key, NULL = the key is in cert_file */
    const char *psk_identity;/* --psk-identity, argv-owned */
    uint8_t *psk_key;        /* --psk-key decoded, owned (cli_config_finish) */
    size_t psk_key_len;

    /* Deadlines. */
    uint32_t connect_timeout_ms;
    uint32_t timeout_ms;     /* the whole run, DNS included */

    /* Enumeration (--enum; scan/scan.h). */
    bool enumerate;
    uint32_t parallel;        /* probes in flight at once, 1..64 */
    bool parallel_given;      /* --parallel was given: a hard cap, never raised */
    uint32_t max_connections; /* TCP connections for the scan, 0 = unlimited */
    uint32_t delay_ms;        /* between connection starts, 0 = none */
    const char *policy;       /* grading policy name (argv-owned or static) */
    bool timeout_given;       /* --timeout was on the command line */
    bool vulns;               /* --vulns: the vulnerability checks (src/vuln/) */
    bool no_vulns;            /* --no-vulns: --enum without them */

    /* Timing and capture (--timing, --read; timing/measure.h, capture/). */
    bool timing;
    uint32_t repeat;          /* handshakes to time, 1..1000 (0 = not given) */
    bool resume;              /* also time a resumed handshake after each full one */
    const char *link;         /* --link preset or spec, argv-owned */
    bool capture;             /* --capture the probe's packets with libpcap */
    const char *interface;    /* -i, NULL = the route's interface */
    const char *write_file;   /* -w FILE */
    const char *capture_user; /* --user, NULL = nobody */
    const char *read_file;    /* --read FILE: audit a capture instead of probing */

    /* Fleets (--targets; run/fleet.c, cli/targets.h). */
    const char *targets_file; /* --targets FILE, "-" = stdin, argv-owned; NULL = HOST */
    uint32_t jobs;            /* targets in flight at once, 1..256 (0 = not given) */
    uint32_t shard_index;     /* --shard K/N: K */
    uint32_t shard_count;     /* --shard K/N: N, 0 = not given */
    bool quiet_progress;      /* no progress lines on a terminal (a fleet's targets) */
    /* Serving (--serve; serve/serve.h): tlsprobe is the server a device
     * connects to, and tests whether it validates certificates. */
    bool serve;
    char *serve_host;         /* owned; the listen address, no brackets */
    uint16_t serve_port;
    const char *hostname;     /* --hostname: the name the certificates are for */
    const char *serve_ca;     /* --serve-ca FILE, NULL = generated */
    const char *serve_ca_key; /* --serve-ca-key FILE */
    bool serve_cases_given;   /* --cases: serve_cases[] holds the pick */
    bool serve_cases[TP_SERVE_MAX_CASES];
    uint32_t serve_connections; /* --connections N, 0 = until the battery is done */
    uint32_t serve_wait_ms;   /* --serve-wait: bound of one connection's handshake */

    /* Output and exit. */
    bool json;
    enum tp_color_mode color;
    enum tp_severity fail_on;
};

#endif
