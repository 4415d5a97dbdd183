/* options.c: the option table, sorted by long name. --help, the man page,
 * the completions and the JSON schema document all follow this table (a
 * test checks that they agree). */
#include "cli/cli.h"
#include "cli/option_ids.h"

#include "util/banned.h"

const char tp_usage_line[] = "tlsprobe [OPTIONS] HOST[:PORT]";

const struct tp_option tp_options[] = {
    {"alpn", 0, TP_ARG_REQUIRED, "LIST",
     "offer these ALPN protocols, comma-separated (e.g. h2,http/1.1)", TP_CAT_TLS, OPT_ALPN},
    {"ca-file", 0, TP_ARG_REQUIRED, "FILE",
     "trust only the PEM certificates in FILE instead of the system store", TP_CAT_VERIFY,
     OPT_CA_FILE},
    {"color", 0, TP_ARG_REQUIRED, "WHEN",
     "colour the text report: auto (default), always or never", TP_CAT_OUTPUT, OPT_COLOR},
    {"connect-timeout", 0, TP_ARG_REQUIRED, "DURATION",
     "give up on one TCP connect after DURATION (default 5s)", TP_CAT_TARGET,
     OPT_CONNECT_TIMEOUT},
    {"fail-on", 0, TP_ARG_REQUIRED, "SEVERITY",
     "exit 1 on a finding at or above SEVERITY: info, low, medium, high (default), critical or "
     "none",
     TP_CAT_OUTPUT, OPT_FAIL_ON},
    {"help", 'h', TP_ARG_NONE, NULL, "show this help and exit", TP_CAT_GENERAL, OPT_HELP},
    {"ipv4", '4', TP_ARG_NONE, NULL, "use IPv4 addresses only", TP_CAT_TARGET, OPT_IPV4},
    {"ipv6", '6', TP_ARG_NONE, NULL, "use IPv6 addresses only", TP_CAT_TARGET, OPT_IPV6},
    {"json", 'j', TP_ARG_NONE, NULL, "print one JSON document (see tlsprobe-json(5))",
     TP_CAT_OUTPUT, OPT_JSON},
    {"no-sni", 0, TP_ARG_NONE, NULL, "send no server_name extension", TP_CAT_TLS, OPT_NO_SNI},
    {"priority", 0, TP_ARG_REQUIRED, "STRING",
     "expert: use this GnuTLS priority string for the offer", TP_CAT_TLS, OPT_PRIORITY},
    {"sni", 0, TP_ARG_REQUIRED, "NAME", "send NAME as server_name (default: the host name)",
     TP_CAT_TLS, OPT_SNI},
    {"timeout", 0, TP_ARG_REQUIRED, "DURATION",
     "bound the whole run, DNS included, by DURATION (default 20s)", TP_CAT_TARGET,
     OPT_TIMEOUT},
    {"tls-max", 0, TP_ARG_REQUIRED, "VERSION", "offer at most VERSION: 1.0, 1.1, 1.2 or 1.3",
     TP_CAT_TLS, OPT_TLS_MAX},
    {"tls-min", 0, TP_ARG_REQUIRED, "VERSION", "accept at least VERSION: 1.0, 1.1, 1.2 or 1.3",
     TP_CAT_TLS, OPT_TLS_MIN},
    {"version", 'V', TP_ARG_NONE, NULL, "show the version and exit", TP_CAT_GENERAL,
     OPT_VERSION},
    {"warn-days", 0, TP_ARG_REQUIRED, "DAYS",
     "flag certificates that expire within DAYS (default 30)", TP_CAT_VERIFY, OPT_WARN_DAYS},
};

const size_t tp_options_count = sizeof tp_options / sizeof tp_options[0];
