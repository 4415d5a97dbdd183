/* config.h: everything the command line decides, in one struct passed down
 * (no globals). Filled by cli_parse(); read-only after that. */
#ifndef TP_CONFIG_H
#define TP_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "report/severity.h"

enum tp_color_mode { TP_COLOR_AUTO = 0, TP_COLOR_ALWAYS, TP_COLOR_NEVER };
enum tp_family { TP_FAMILY_ANY = 0, TP_FAMILY_V4, TP_FAMILY_V6 };
enum tp_action { TP_ACTION_REPORT = 0, TP_ACTION_HELP, TP_ACTION_VERSION };

#define TP_DEFAULT_PORT 443
#define TP_DEFAULT_CONNECT_TIMEOUT_MS 5000u
#define TP_DEFAULT_TIMEOUT_MS 20000u
#define TP_DEFAULT_WARN_DAYS 30u

struct tp_config {
    enum tp_action action;

    /* Target, from the HOST[:PORT] operand (net/target.c parses it). */
    char *host;              /* owned; no brackets */
    uint16_t port;
    enum tp_family family;

    /* TLS offer. */
    const char *sni;         /* --sni (argv-owned), NULL = the host name */
    bool no_sni;
    const char *alpn;        /* comma-separated list, argv-owned */
    uint16_t tls_min, tls_max; /* TP_VER_*, 0 = library default */
    const char *priority;    /* expert GnuTLS priority string, argv-owned */

    /* Verification. */
    const char *ca_file;     /* replaces the system trust store */
    uint32_t warn_days;

    /* Deadlines. */
    uint32_t connect_timeout_ms;
    uint32_t timeout_ms;     /* the whole run, DNS included */

    /* Output and exit. */
    bool json;
    enum tp_color_mode color;
    enum tp_severity fail_on;
};

#endif
