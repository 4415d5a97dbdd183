/* link.c: see link.h. Spec values are parsed by hand (digits, optional
 * fraction, unit), because strtod also accepts "inf", "nan", hex floats and
 * the locale's decimal point, none of which belongs in a link spec. */
#include "timing/link.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "wire/registry.h"

#include "util/banned.h"

#define SPEC_MAX 256
#define VALID_KEYS "bw, dl, ul, rtt, setup, mtu, frame, loss, duty, duplex, lose"

static void copy_text(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src);
}

static tp_status unknown_preset(const char *name, tp_error *err)
{
    char list[512] = "";
    size_t used = 0;
    for (size_t i = 0; i < tp_links_count && used < sizeof list; i++) {
        int n = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
                         tp_links[i].preset);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    return tp_fail(err, TP_E_USAGE,
                   "unknown link preset '%s'; presets: %s; or a spec such as "
                   "bw=20k,rtt=1600ms",
                   name, list);
}

tp_status tp_link_from_preset(struct tp_link *link, const char *name, tp_error *err)
{
    const struct tp_link_info *info = tp_link_by_name(name);
    if (info == NULL)
        return unknown_preset(name != NULL ? name : "", err);
    memset(link, 0, sizeof *link);
    copy_text(link->name, sizeof link->name, info->preset);
    copy_text(link->description, sizeof link->description, info->description);
    link->dl_bps = info->dl_kbps * 1000.0;
    link->ul_bps = info->ul_kbps * 1000.0;
    link->rtt_ms = info->rtt_ms;
    link->setup_ms = info->setup_ms;
    link->mtu = info->mtu_bytes;
    link->frame_payload = info->frame_payload_bytes;
    link->loss = info->loss_pct / 100.0;
    link->duty_cycle = info->duty_cycle_pct / 100.0;
    link->half_duplex = info->half_duplex;
    link->tls_practical = info->tls_practical;
    return TP_OK;
}

/* A non-negative decimal "123" or "1.25"; *end is left after the digits. At
 * most 12 significant digits so that the value stays exact enough. */
static bool parse_decimal(const char *text, double *out, const char **end)
{
    const char *p = text;
    double value = 0.0, scale = 1.0;
    unsigned digits = 0;
    while (*p >= '0' && *p <= '9') {
        value = value * 10.0 + (*p++ - '0');
        digits++;
    }
    if (*p == '.') {
        p++;
        unsigned frac = 0;
        while (*p >= '0' && *p <= '9') {
            scale /= 10.0;
            value += (*p++ - '0') * scale;
            frac++;
        }
        if (frac == 0)
            return false;
        digits += frac;
    }
    if (digits == 0 || digits > 12)
        return false;
    *out = value;
    *end = p;
    return true;
}

static tp_status parse_bandwidth(const char *key, const char *value, double *bps, tp_error *err)
{
    double v;
    const char *unit;
    if (!parse_decimal(value, &v, &unit))
        return tp_fail(err, TP_E_USAGE, "link %s: '%s' is not a number of bit/s (e.g. 20k)", key,
                       value);
    if (strcmp(unit, "k") == 0)
        v *= 1e3;
    else if (strcmp(unit, "M") == 0)
        v *= 1e6;
    else if (strcmp(unit, "G") == 0)
        v *= 1e9;
    else if (*unit != '\0')
        return tp_fail(err, TP_E_USAGE, "link %s: unit '%s' is not k, M or G (bit/s)", key, unit);
    if (v < 100.0 || v > 100e9)
        return tp_fail(err, TP_E_USAGE, "link %s: %s is outside 100 bit/s .. 100G bit/s", key,
                       value);
    *bps = v;
    return TP_OK;
}

static tp_status parse_time(const char *key, const char *value, uint32_t min_ms, uint32_t max_ms,
                            uint32_t *ms, tp_error *err)
{
    double v;
    const char *unit;
    if (!parse_decimal(value, &v, &unit))
        return tp_fail(err, TP_E_USAGE, "link %s: '%s' is not a time (e.g. 1600ms or 1.6s)", key,
                       value);
    if (strcmp(unit, "s") == 0)
        v *= 1000.0;
    else if (strcmp(unit, "ms") != 0)
        return tp_fail(err, TP_E_USAGE, "link %s: '%s' needs a unit, ms or s", key, value);
    v = (double)(uint64_t)(v + 0.5); /* round to whole ms */
    if (v < min_ms || v > max_ms)
        return tp_fail(err, TP_E_USAGE, "link %s: %s is outside %u ms .. %u s", key, value, min_ms,
                       max_ms / 1000);
    *ms = (uint32_t)v;
    return TP_OK;
}

static tp_status parse_bytes(const char *key, const char *value, uint32_t min, uint32_t max,
                             uint32_t *out, tp_error *err)
{
    double v;
    const char *unit;
    if (!parse_decimal(value, &v, &unit) || *unit != '\0' || v != (double)(uint64_t)v)
        return tp_fail(err, TP_E_USAGE, "link %s: '%s' is not a whole number of bytes", key,
                       value);
    if (v < min || v > max)
        return tp_fail(err, TP_E_USAGE, "link %s: %s is outside %u .. %u bytes", key, value, min,
                       max);
    *out = (uint32_t)v;
    return TP_OK;
}

/* "4" or "4+5": flight numbers 1..32, as a bit set (bit n-1 for flight n). */
static tp_status parse_flights(const char *key, const char *value, uint32_t *mask,
                               tp_error *err)
{
    const char *p = value;
    *mask = 0;
    for (;;) {
        unsigned n = 0;
        size_t digits = 0;
        while (p[digits] >= '0' && p[digits] <= '9' && digits < 3) {
            n = n * 10u + (unsigned)(p[digits] - '0');
            digits++;
        }
        if (digits == 0 || n < 1 || n > 32 || (p[digits] != '\0' && p[digits] != '+'))
            return tp_fail(err, TP_E_USAGE,
                           "link %s: '%s' is not flight numbers 1..32 joined by + (e.g. 4+5)",
                           key, value);
        *mask |= 1u << (n - 1u);
        if (p[digits] == '\0')
            return TP_OK;
        p += digits + 1;
    }
}

static tp_status parse_percent(const char *key, const char *value, double min, double max,
                               double *fraction, tp_error *err)
{
    double v;
    const char *unit;
    if (!parse_decimal(value, &v, &unit) || strcmp(unit, "%") != 0)
        return tp_fail(err, TP_E_USAGE, "link %s: '%s' is not a percentage (e.g. 1%%)", key,
                       value);
    if (v < min || v > max)
        return tp_fail(err, TP_E_USAGE, "link %s: %s is outside %g%% .. %g%%", key, value, min,
                       max);
    *fraction = v / 100.0;
    return TP_OK;
}

enum spec_key {
    K_BW, K_DL, K_UL, K_RTT, K_SETUP, K_MTU, K_FRAME, K_LOSS, K_DUTY, K_DUPLEX, K_LOSE, K_N
};

static const char *const key_names[K_N] = {
    [K_BW] = "bw",     [K_DL] = "dl",       [K_UL] = "ul",       [K_RTT] = "rtt",
    [K_SETUP] = "setup", [K_MTU] = "mtu",   [K_FRAME] = "frame", [K_LOSS] = "loss",
    [K_DUTY] = "duty", [K_DUPLEX] = "duplex", [K_LOSE] = "lose",
};

static tp_status apply_key(struct tp_link *link, enum spec_key key, const char *value,
                           tp_error *err)
{
    const char *name = key_names[key];
    switch (key) {
    case K_BW:
        TP_TRY(parse_bandwidth(name, value, &link->dl_bps, err));
        link->ul_bps = link->dl_bps;
        return TP_OK;
    case K_DL:
        return parse_bandwidth(name, value, &link->dl_bps, err);
    case K_UL:
        return parse_bandwidth(name, value, &link->ul_bps, err);
    case K_RTT:
        return parse_time(name, value, 1, 600000, &link->rtt_ms, err);
    case K_SETUP:
        return parse_time(name, value, 0, 600000, &link->setup_ms, err);
    case K_MTU:
        /* 576: the smallest datagram every IPv4 host must accept (RFC 791). */
        return parse_bytes(name, value, 576, 65535, &link->mtu, err);
    case K_FRAME:
        return parse_bytes(name, value, 8, 65535, &link->frame_payload, err);
    case K_LOSS:
        return parse_percent(name, value, 0.0, 50.0, &link->loss, err);
    case K_DUTY:
        return parse_percent(name, value, 0.01, 100.0, &link->duty_cycle, err);
    case K_DUPLEX:
        if (strcmp(value, "half") == 0)
            link->half_duplex = true;
        else if (strcmp(value, "full") == 0)
            link->half_duplex = false;
        else
            return tp_fail(err, TP_E_USAGE, "link duplex: '%s' is not half or full", value);
        return TP_OK;
    case K_LOSE:
        return parse_flights(name, value, &link->lost_flights, err);
    case K_N:
        break;
    }
    return tp_fail(err, TP_E_INTERNAL, "link: key index out of range");
}

static tp_status find_key(const char *text, enum spec_key *key, tp_error *err)
{
    for (int k = 0; k < K_N; k++) {
        if (strcmp(text, key_names[k]) == 0) {
            *key = (enum spec_key)k;
            return TP_OK;
        }
    }
    return tp_fail(err, TP_E_USAGE, "unknown link key '%s'; valid keys: " VALID_KEYS, text);
}

static tp_status parse_item(struct tp_link *link, char *item, bool seen[K_N], tp_error *err)
{
    char *eq = strchr(item, '=');
    if (eq == NULL)
        return tp_fail(err, TP_E_USAGE, "link spec: '%s' is not key=value; valid keys: " VALID_KEYS,
                       item);
    *eq = '\0';
    enum spec_key key = K_N;
    TP_TRY(find_key(item, &key, err));
    if (seen[key])
        return tp_fail(err, TP_E_USAGE, "link %s: given twice", key_names[key]);
    seen[key] = true;
    return apply_key(link, key, eq + 1, err);
}

static tp_status check_complete(const bool seen[K_N], tp_error *err)
{
    if (seen[K_BW] && (seen[K_DL] || seen[K_UL]))
        return tp_fail(err, TP_E_USAGE, "link bw: conflicts with %s (bw sets both directions)",
                       seen[K_DL] ? "dl" : "ul");
    if (!seen[K_BW] && !(seen[K_DL] && seen[K_UL]))
        return tp_fail(err, TP_E_USAGE, "link spec: needs bw=, or both dl= and ul=");
    if (!seen[K_RTT])
        return tp_fail(err, TP_E_USAGE, "link spec: needs rtt= (e.g. rtt=1600ms)");
    return TP_OK;
}

tp_status tp_link_parse_spec(struct tp_link *link, const char *spec, tp_error *err)
{
    char buf[SPEC_MAX];
    bool seen[K_N] = {false};
    if (spec == NULL || strlen(spec) >= sizeof buf)
        return tp_fail(err, TP_E_USAGE, "link spec: longer than %d characters", SPEC_MAX - 1);
    memcpy(buf, spec, strlen(spec) + 1);

    struct tp_link out;
    memset(&out, 0, sizeof out);
    copy_text(out.name, sizeof out.name, "custom");
    copy_text(out.description, sizeof out.description, spec);
    out.mtu = 1500;
    out.tls_practical = true;

    char *item = buf;
    for (;;) {
        char *comma = strchr(item, ',');
        if (comma != NULL)
            *comma = '\0';
        if (*item == '\0')
            return tp_fail(err, TP_E_USAGE, "link spec: empty item in '%s'", spec);
        TP_TRY(parse_item(&out, item, seen, err));
        if (comma == NULL)
            break;
        item = comma + 1;
    }
    TP_TRY(check_complete(seen, err));
    *link = out;
    return TP_OK;
}

tp_status tp_link_from_arg(struct tp_link *link, const char *arg, tp_error *err)
{
    if (arg != NULL && strchr(arg, '=') != NULL)
        return tp_link_parse_spec(link, arg, err);
    return tp_link_from_preset(link, arg, err);
}
