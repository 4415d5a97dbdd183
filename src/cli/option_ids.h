/* option_ids.h: getopt_long return values. Options with a short form return
 * that character; long-only options get values above the char range. */
#ifndef TP_OPTION_IDS_H
#define TP_OPTION_IDS_H

enum tp_option_id {
    OPT_HELP = 'h',
    OPT_IPV4 = '4',
    OPT_IPV6 = '6',
    OPT_JSON = 'j',
    OPT_VERSION = 'V',
    OPT_INTERFACE = 'i',
    OPT_WRITE = 'w',
    OPT_ALPN = 256,
    OPT_CA_FILE,
    OPT_COLOR,
    OPT_CONNECT_TIMEOUT,
    OPT_DELAY,
    OPT_ENUM,
    OPT_FAIL_ON,
    OPT_MAX_CONNECTIONS,
    OPT_NO_OTHER_CHAINS,
    OPT_NO_SNI,
    OPT_PARALLEL,
    OPT_POLICY,
    OPT_PRIORITY,
    OPT_SNI,
    OPT_TIMEOUT,
    OPT_TLS_MAX,
    OPT_TLS_MIN,
    OPT_WARN_DAYS,
    OPT_TIMING,
    OPT_REPEAT,
    OPT_RESUME,
    OPT_LINK,
    OPT_CAPTURE,
    OPT_USER,
    OPT_READ,
    OPT_STARTTLS,
    OPT_CERT,
    OPT_KEY,
    OPT_PSK_IDENTITY,
    OPT_PSK_KEY,
    OPT_JOBS,
    OPT_SHARD,
    OPT_TARGETS,
};

#endif
