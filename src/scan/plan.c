/* plan.c: candidate lists, chunking, elimination bookkeeping, order
 * inference and time-out scaling for --enum. See plan.h. */
#include "scan/plan.h"

#include <stdio.h>
#include <string.h>

#include "wire/registry.h"

#include "util/banned.h"

static bool suite_is_offerable(const struct tp_suite_info *s)
{
    return s->wire_len == 2 && (s->flags & (TP_SF_SSL2 | TP_SF_SCSV | TP_SF_GREASE)) == 0;
}

size_t plan_suite_candidates(uint16_t version, uint16_t *out, size_t cap)
{
    size_t n = 0;
    bool want13 = version >= TP_VER_TLS13;
    for (size_t i = 0; i < tp_suites_count && n < cap; i++) {
        const struct tp_suite_info *s = &tp_suites[i];
        if (!suite_is_offerable(s) || ((s->flags & TP_SF_TLS13) != 0) != want13)
            continue;
        out[n++] = (uint16_t)s->code;
    }
    return n;
}

size_t plan_ssl2_kinds(uint32_t *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < tp_suites_count && n < cap; i++)
        if (tp_suites[i].wire_len == 3)
            out[n++] = tp_suites[i].code;
    return n;
}

static bool group_is_offerable(const struct tp_group_info *g)
{
    return (g->status & (TP_GS_GREASE | TP_GS_EXPLICIT_CURVE)) == 0 && g->type != NULL &&
           strcmp(g->type, "grease") != 0 && strcmp(g->type, "explicit") != 0;
}

static bool group_is_ec(const struct tp_group_info *g)
{
    return strncmp(g->type, "ec-", 3) == 0;
}

static size_t push_unique(uint16_t *out, size_t n, size_t cap, uint16_t code)
{
    if (n < cap && !plan_elim_contains(out, n, code))
        out[n++] = code;
    return n;
}

size_t plan_group_candidates(enum plan_group_use use, uint16_t *out, size_t cap)
{
    /* What browsers and libraries offer first, so an ordinary probe's
     * key exchange looks like a normal client's. */
    static const uint16_t common[] = {0x001d, 0x0017, 0x0018, 0x0019, 0x001e,
                                      0x0100, 0x0101, 0x0102, 0x0103, 0x0104};
    size_t n = 0;
    if (use == PLAN_GROUPS_OFFER)
        for (size_t i = 0; i < sizeof common / sizeof common[0]; i++)
            n = push_unique(out, n, cap, common[i]);
    for (size_t i = 0; i < tp_groups_count; i++) {
        const struct tp_group_info *g = &tp_groups[i];
        if (!group_is_offerable(g))
            continue;
        if (use == PLAN_GROUPS_ECDHE && !group_is_ec(g))
            continue;
        n = push_unique(out, n, cap, g->code);
    }
    return n;
}

size_t plan_sigscheme_candidates(uint16_t *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < tp_sigschemes_count && n < cap; i++) {
        uint16_t c = tp_sigschemes[i].code;
        uint8_t hi = (uint8_t)(c >> 8), lo = (uint8_t)c;
        /* TLS 1.2 uses (hash, signature) pairs 0x01..0x06 (RFC 5246 Sec.
         * 7.4.1.4.1) and the 0x08xx schemes RFC 8446 Sec. 4.2.3 made valid
         * for it; the 0x07xx, 0x09xx, brainpool-tls13 and *_legacy code
         * points are TLS 1.3-only. */
        bool pair = hi >= 0x01 && hi <= 0x06 && lo != 0x20;
        bool tls12_08 = hi == 0x08 && ((lo >= 0x04 && lo <= 0x0b) || lo == 0x40 || lo == 0x41);
        if (pair || tls12_08)
            out[n++] = c;
    }
    return n;
}

unsigned plan_group_bits(uint16_t group)
{
    return tp_group_bits(group);
}

uint32_t plan_link_rtt(uint32_t rtt_ms, bool connect_measured, uint32_t connect_ms)
{
    if (!connect_measured || connect_ms >= PLAN_SLOW_LINK_MS || rtt_ms >= PLAN_SLOW_RELAY_MS)
        return rtt_ms;
    return connect_ms < rtt_ms ? connect_ms : rtt_ms;
}

unsigned plan_parallel(unsigned configured, bool configured_given, uint32_t rtt_ms)
{
    unsigned p = configured != 0 ? configured : 1;
    if (configured_given || rtt_ms < PLAN_SLOW_LINK_MS)
        return p;
    uint32_t want = rtt_ms / PLAN_SLOW_PARALLEL_SPACING_MS;
    if (want > PLAN_SLOW_PARALLEL_MAX)
        want = PLAN_SLOW_PARALLEL_MAX;
    return want > p ? (unsigned)want : p;
}

bool plan_predict_versions(unsigned parallel)
{
    return parallel < PLAN_PREDICT_BELOW;
}

size_t plan_predict(const uint16_t *accepted, size_t n, uint16_t version, uint16_t *out)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const struct tp_suite_info *s = tp_suite_by_code(accepted[i]);
        if (s != NULL && ((s->min_version != 0 && version < s->min_version) ||
                          (s->max_version != 0 && version > s->max_version)))
            continue;
        out[m++] = accepted[i];
    }
    return m;
}

size_t plan_partition(const uint16_t *in, size_t n, const uint16_t *pred, size_t n_pred,
                      uint16_t *hit, uint16_t *miss, size_t *n_miss)
{
    size_t h = 0, m = 0;
    for (size_t i = 0; i < n; i++) {
        if (plan_elim_contains(pred, n_pred, in[i]))
            hit[h++] = in[i];
        else
            miss[m++] = in[i];
    }
    *n_miss = m;
    return h;
}

size_t plan_chunk_count(size_t n, size_t max_chunk, size_t min_chunk, size_t parallel)
{
    if (n == 0)
        return 0;
    if (max_chunk == 0)
        max_chunk = 1;
    if (min_chunk == 0)
        min_chunk = 1;
    size_t needed = (n + max_chunk - 1) / max_chunk;
    size_t spread = parallel > 1 ? n / min_chunk : 1;
    if (spread > parallel)
        spread = parallel;
    size_t chunks = spread > needed ? spread : needed;
    return chunks == 0 ? 1 : chunks;
}

size_t plan_chunk_count_slow(size_t n, size_t max_chunk, size_t min_chunk, size_t parallel)
{
    if (parallel > 1 && n <= PLAN_ALONE_MAX && n <= parallel)
        return n;
    return plan_chunk_count(n, max_chunk, min_chunk, parallel);
}

size_t plan_chunk(const uint16_t *in, size_t n, size_t chunks, size_t index, uint16_t *out)
{
    size_t m = 0;
    if (chunks == 0)
        return 0;
    for (size_t i = index; i < n; i += chunks)
        out[m++] = in[i];
    return m;
}

void plan_reverse(const uint16_t *in, size_t n, uint16_t *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = in[n - 1 - i];
}

bool plan_elim_contains(const uint16_t *codes, size_t n, uint16_t code)
{
    for (size_t i = 0; i < n; i++)
        if (codes[i] == code)
            return true;
    return false;
}

void plan_elim_init(struct plan_elim *e, const uint16_t *codes, size_t n)
{
    memset(e, 0, sizeof *e);
    if (n > PLAN_MAX_CODES)
        n = PLAN_MAX_CODES;
    memcpy(e->remaining, codes, n * sizeof codes[0]);
    e->n_remaining = n;
    e->state = n == 0 ? PLAN_ELIM_DONE : PLAN_ELIM_RUNNING;
}

static void remove_code(struct plan_elim *e, uint16_t code)
{
    size_t w = 0;
    for (size_t i = 0; i < e->n_remaining; i++)
        if (e->remaining[i] != code)
            e->remaining[w++] = e->remaining[i];
    e->n_remaining = w;
}

static void take_pick(struct plan_elim *e, uint16_t code)
{
    remove_code(e, code);
    e->picked[e->n_picked++] = code;
}

bool plan_elim_may_continue(const struct plan_elim *e)
{
    if (e->state != PLAN_ELIM_RUNNING || e->first_pick_only)
        return false;
    return e->n_remaining >= (e->stop_at_one ? 3u : 2u);
}

void plan_elim_answer(struct plan_elim *e, enum plan_answer answer, uint16_t code,
                      const char *why)
{
    if (e->state != PLAN_ELIM_RUNNING)
        return;
    switch (answer) {
    case PLAN_ANSWER_PICK:
        if (!plan_elim_contains(e->remaining, e->n_remaining, code)) {
            /* RFC 5246 Sec. 7.4.1.3 / RFC 8446 Sec. 4.1.3: the server picks
             * from what was offered. One that does not ignores the offer. */
            if (!plan_elim_contains(e->picked, e->n_picked, code) &&
                e->n_picked < PLAN_MAX_CODES)
                e->picked[e->n_picked++] = code;
            e->state = PLAN_ELIM_INCOMPLETE;
            snprintf(e->why, sizeof e->why, "server chose 0x%04X, which was not offered", code);
            return;
        }
        take_pick(e, code);
        if (e->n_remaining == 0 || e->first_pick_only) {
            e->state = PLAN_ELIM_DONE;
        } else if (e->stop_at_one && e->n_remaining == 1) {
            take_pick(e, e->remaining[0]);
            e->state = PLAN_ELIM_DONE;
        }
        return;
    case PLAN_ANSWER_PICK_DIED:
        if (!plan_elim_contains(e->remaining, e->n_remaining, code)) {
            e->state = PLAN_ELIM_INCOMPLETE;
            snprintf(e->why, sizeof e->why, "server chose 0x%04X, which was not offered", code);
            return;
        }
        /* The ServerHello named the culprit: no split needed, the rest of
         * the offer goes on without it. */
        remove_code(e, code);
        if (e->n_broken < PLAN_MAX_BROKEN)
            e->broken[e->n_broken++] = code;
        if (e->n_remaining == 0)
            e->state = PLAN_ELIM_DONE;
        return;
    case PLAN_ANSWER_REFUSED:
        e->state = PLAN_ELIM_DONE;
        return;
    case PLAN_ANSWER_DIED:
        e->state = PLAN_ELIM_DIED;
        snprintf(e->why, sizeof e->why, "%s", why != NULL ? why : "the offer died");
        return;
    case PLAN_ANSWER_UNKNOWN:
    default:
        e->state = PLAN_ELIM_INCOMPLETE;
        snprintf(e->why, sizeof e->why, "%s", why != NULL ? why : "a probe could not tell");
        return;
    }
}

bool plan_refusal_suspicious(int alert)
{
    switch (alert) {
    case -1: /* a close or a reset with no alert */
    case 47: /* illegal_parameter */
    case 50: /* decode_error */
    case 80: /* internal_error */
        return true;
    default:
        return false;
    }
}

enum plan_kx_family plan_kx_family(uint16_t code)
{
    static const struct {
        const char *kx;
        enum plan_kx_family family;
    } map[] = {
        {"ECDHE", PLAN_KX_ECDHE},         {"DHE", PLAN_KX_DHE},
        {"DHE_EXPORT", PLAN_KX_DHE},      {"DHE_EXPORT1024", PLAN_KX_DHE},
        {"RSA", PLAN_KX_RSA},             {"RSA_EXPORT", PLAN_KX_RSA},
        {"RSA_EXPORT1024", PLAN_KX_RSA},  {"DH", PLAN_KX_STATIC_DH},
        {"DH_EXPORT", PLAN_KX_STATIC_DH}, {"ECDH", PLAN_KX_STATIC_DH},
    };
    const struct tp_suite_info *s = tp_suite_by_code(code);
    if (s == NULL || s->kx == NULL || (s->flags & (TP_SF_PSK | TP_SF_SRP | TP_SF_ANON)) != 0)
        return PLAN_KX_OTHER;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(s->kx, map[i].kx) == 0)
            return map[i].family;
    return PLAN_KX_OTHER;
}

const char *plan_kx_family_name(enum plan_kx_family f)
{
    static const char *const names[PLAN_KX_COUNT] = {
        [PLAN_KX_ECDHE] = "ECDHE",
        [PLAN_KX_DHE] = "DHE",
        [PLAN_KX_RSA] = "RSA key transport",
        [PLAN_KX_STATIC_DH] = "static DH/ECDH",
        [PLAN_KX_OTHER] = "PSK/SRP/anonymous/other",
    };
    return (unsigned)f < PLAN_KX_COUNT ? names[f] : "unknown";
}

void plan_poison_split(const uint16_t *codes, size_t n, unsigned level, enum plan_style style,
                       struct plan_split *out)
{
    memset(out, 0, sizeof *out);
    if (n > PLAN_MAX_CODES)
        n = PLAN_MAX_CODES;
    out->step = PLAN_SPLIT_GIVE_UP;
    if (n == 0)
        return;
    if (level == 0) {
        size_t w = 0;
        for (int f = 0; f < PLAN_KX_COUNT; f++) {
            size_t start = w;
            for (size_t i = 0; i < n; i++)
                if (plan_kx_family(codes[i]) == (enum plan_kx_family)f)
                    out->codes[w++] = codes[i];
            if (w > start)
                out->part_len[out->n_parts++] = w - start;
        }
        if (out->n_parts > 1) {
            out->step = PLAN_SPLIT_FAMILIES;
            return;
        }
        out->n_parts = 0;
        memset(out->part_len, 0, sizeof out->part_len);
    }
    /* One family (or already split by family): only a server that refuses
     * cleanly lets a death point at a suite; for one that closes on every
     * refusal a death is just that. */
    if (style == PLAN_STYLE_UNKNOWN) {
        out->step = PLAN_SPLIT_NEED_STYLE;
        return;
    }
    if (style != PLAN_STYLE_CLEAN || level >= PLAN_SPLIT_MAX_LEVEL)
        return;
    memcpy(out->codes, codes, n * sizeof codes[0]);
    if (n == 1) {
        out->step = PLAN_SPLIT_CULPRIT;
        out->n_parts = 1;
        out->part_len[0] = 1;
        return;
    }
    out->step = PLAN_SPLIT_HALVES;
    out->n_parts = 2;
    out->part_len[0] = n / 2;
    out->part_len[1] = n - n / 2;
}

const uint16_t *plan_split_part(const struct plan_split *s, size_t index, size_t *n)
{
    size_t off = 0;
    *n = 0;
    if (index >= s->n_parts)
        return s->codes;
    for (size_t i = 0; i < index; i++)
        off += s->part_len[i];
    *n = s->part_len[index];
    return s->codes + off;
}

enum tp_tri plan_server_order(bool have_forward, uint16_t forward, bool have_reverse,
                              uint16_t reverse, size_t n_accepted)
{
    if (!have_forward || !have_reverse || n_accepted < 2)
        return TP_TRI_UNKNOWN;
    return forward == reverse ? TP_TRI_YES : TP_TRI_NO;
}

uint32_t plan_probe_timeout_ms(bool measured, uint32_t rtt_ms, uint32_t service_ms)
{
    if (!measured)
        return PLAN_INITIAL_TIMEOUT_MS;
    uint64_t t = 4ull * rtt_ms + 500u;
    if (t < PLAN_MIN_TIMEOUT_MS)
        t = PLAN_MIN_TIMEOUT_MS;
    if (t < 2ull * service_ms)
        t = 2ull * service_ms;
    if (t > PLAN_MAX_TIMEOUT_MS)
        t = PLAN_MAX_TIMEOUT_MS;
    return (uint32_t)t;
}
