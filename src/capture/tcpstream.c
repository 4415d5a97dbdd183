/* tcpstream.c: see tcpstream.h. A hash table of streams (chained), an LRU
 * list for eviction, and per direction a sorted list of segments waiting
 * for a hole to fill. Offsets are taken relative to the next expected
 * sequence number with 32-bit wraparound (RFC 9293 Sec. 3.4): a segment is
 * "behind" when (int32_t)(seq - next) <= 0. */
#include "capture/tcpstream.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util/banned.h"

#define DEFAULT_MAX_STREAMS 4096
#define DEFAULT_MAX_BUFFERED (256u * 1024u)
#define DEFAULT_IDLE_NS (300ull * 1000000000ull)
#define MAX_BUCKETS (1u << 20)

struct pending {
    struct pending *next;
    uint32_t seq, len;
    uint64_t ts_ns;
    uint8_t data[];
};

struct direction {
    bool known;           /* next is valid */
    bool isn_known;       /* a SYN was seen: isn is valid */
    uint32_t isn;
    uint32_t next;        /* next sequence number to deliver */
    bool fin_known, closed;
    uint32_t fin_seq;
    bool stopped;         /* truncated or ignored: deliver nothing more */
    struct pending *queue;
};

struct stream {
    struct tp_tcp_stream pub;
    struct direction dir[2];
    size_t buffered;      /* bytes charged to this stream's queues */
    bool ignored;
    uint32_t hash;
    struct stream *hnext, *older, *newer;
};

struct tp_tcp_table {
    struct tp_tcp_limits limits;
    struct tp_tcp_callbacks cb;
    struct stream **buckets;
    size_t n_buckets;
    struct stream *oldest, *newest;
    uint64_t now_ns, next_id;
    struct tp_tcp_stats stats;
};

const char *tp_tcp_end_name(enum tp_tcp_end end)
{
    static const char *const names[] = {"open", "fin", "rst", "evicted", "flushed"};
    return (unsigned)end < sizeof names / sizeof names[0] ? names[end] : "unknown";
}

void tp_tcp_limits_default(struct tp_tcp_limits *limits)
{
    limits->max_streams = DEFAULT_MAX_STREAMS;
    limits->max_buffered = DEFAULT_MAX_BUFFERED;
    limits->idle_ns = DEFAULT_IDLE_NS;
}

tp_status tp_tcp_create(const struct tp_tcp_limits *limits, const struct tp_tcp_callbacks *cb,
                        struct tp_tcp_table **out, tp_error *err)
{
    struct tp_tcp_table *t = calloc(1, sizeof *t);
    *out = NULL;
    if (t == NULL)
        return tp_fail(err, TP_E_NOMEM, "reassembly: out of memory");
    if (limits != NULL)
        t->limits = *limits;
    else
        tp_tcp_limits_default(&t->limits);
    if (t->limits.max_streams == 0)
        t->limits.max_streams = 1;
    if (cb != NULL)
        t->cb = *cb;
    t->n_buckets = 64;
    while (t->n_buckets < t->limits.max_streams && t->n_buckets < MAX_BUCKETS)
        t->n_buckets *= 2;
    t->buckets = calloc(t->n_buckets, sizeof *t->buckets);
    if (t->buckets == NULL) {
        free(t);
        return tp_fail(err, TP_E_NOMEM, "reassembly: out of memory");
    }
    *out = t;
    return TP_OK;
}

static size_t addr_len(int family)
{
    return family == AF_INET6 ? 16 : 4;
}

/* FNV-1a over both endpoints, in an order that does not depend on the
 * direction, so both directions land in one bucket. */
static uint32_t hash_tuple(const struct tp_segment *s)
{
    size_t n = addr_len(s->family);
    const uint8_t *a = s->src, *b = s->dst;
    uint16_t pa = s->sport, pb = s->dport;
    int c = memcmp(a, b, n);
    if (c > 0 || (c == 0 && pa > pb)) {
        a = s->dst;
        b = s->src;
        pa = s->dport;
        pb = s->sport;
    }
    uint32_t h = 2166136261u;
    const uint8_t ports[4] = {(uint8_t)(pa >> 8), (uint8_t)pa, (uint8_t)(pb >> 8), (uint8_t)pb};
    for (size_t i = 0; i < n; i++)
        h = (h ^ a[i]) * 16777619u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 16777619u;
    for (size_t i = 0; i < 4; i++)
        h = (h ^ ports[i]) * 16777619u;
    return (h ^ (uint32_t)s->family) * 16777619u;
}

/* The stream of s and which side sent s, or NULL. */
static struct stream *lookup(struct tp_tcp_table *t, const struct tp_segment *s, uint32_t h,
                             enum tp_tcp_side *side)
{
    size_t n = addr_len(s->family);
    for (struct stream *st = t->buckets[h & (t->n_buckets - 1)]; st != NULL; st = st->hnext) {
        const struct tp_tcp_stream *p = &st->pub;
        if (st->hash != h || p->family != s->family)
            continue;
        if (p->port[0] == s->sport && p->port[1] == s->dport && !memcmp(p->addr[0], s->src, n) &&
            !memcmp(p->addr[1], s->dst, n)) {
            *side = TP_TCP_CLIENT;
            return st;
        }
        if (p->port[1] == s->sport && p->port[0] == s->dport && !memcmp(p->addr[1], s->src, n) &&
            !memcmp(p->addr[0], s->dst, n)) {
            *side = TP_TCP_SERVER;
            return st;
        }
    }
    return NULL;
}

static void lru_unlink(struct tp_tcp_table *t, struct stream *st)
{
    if (st->older)
        st->older->newer = st->newer;
    else
        t->oldest = st->newer;
    if (st->newer)
        st->newer->older = st->older;
    else
        t->newest = st->older;
    st->older = st->newer = NULL;
}

static void lru_append(struct tp_tcp_table *t, struct stream *st)
{
    st->older = t->newest;
    st->newer = NULL;
    if (t->newest)
        t->newest->newer = st;
    else
        t->oldest = st;
    t->newest = st;
}

static void free_queue(struct stream *st, struct direction *d)
{
    while (d->queue != NULL) {
        struct pending *p = d->queue;
        d->queue = p->next;
        st->buffered -= sizeof *p + p->len;
        free(p);
    }
}

static void truncate_dir(struct stream *st, enum tp_tcp_side side, const char *why)
{
    struct direction *d = &st->dir[side];
    if (d->stopped)
        return;
    d->stopped = true;
    st->pub.half[side].truncated = true;
    st->pub.half[side].truncated_why = why;
    free_queue(st, d);
}

static void end_stream(struct tp_tcp_table *t, struct stream *st, enum tp_tcp_end how)
{
    for (int side = 0; side < 2; side++) {
        struct direction *d = &st->dir[side];
        if (d->queue != NULL)
            truncate_dir(st, (enum tp_tcp_side)side, "data missing: a hole was never filled");
        else if (d->fin_known && !d->closed)
            truncate_dir(st, (enum tp_tcp_side)side, "data missing before the FIN");
        free_queue(st, d);
    }
    st->pub.end = how;
    if (t->cb.on_end != NULL)
        t->cb.on_end(t->cb.ctx, &st->pub);

    struct stream **pp = &t->buckets[st->hash & (t->n_buckets - 1)];
    while (*pp != st)
        pp = &(*pp)->hnext;
    *pp = st->hnext;
    lru_unlink(t, st);
    t->stats.open_streams--;
    if (how == TP_TCP_END_EVICTED)
        t->stats.streams_evicted++;
    free(st);
}

static struct stream *open_stream(struct tp_tcp_table *t, const struct tp_segment *s, uint32_t h,
                                  enum tp_tcp_side *side)
{
    if (t->stats.open_streams >= t->limits.max_streams && t->oldest != NULL)
        end_stream(t, t->oldest, TP_TCP_END_EVICTED);
    struct stream *st = calloc(1, sizeof *st);
    if (st == NULL)
        return NULL;
    /* The SYN-ACK's sender is the server even when the SYN was missed. */
    bool from_server = (s->flags & (TP_TCP_SYN | TP_TCP_ACK)) == (TP_TCP_SYN | TP_TCP_ACK);
    size_t n = addr_len(s->family);
    st->pub.id = ++t->next_id;
    st->pub.family = s->family;
    memcpy(st->pub.addr[from_server], s->src, n);
    memcpy(st->pub.addr[!from_server], s->dst, n);
    st->pub.port[from_server] = s->sport;
    st->pub.port[!from_server] = s->dport;
    st->pub.first_ns = s->ts_ns;
    st->hash = h;
    st->hnext = t->buckets[h & (t->n_buckets - 1)];
    t->buckets[h & (t->n_buckets - 1)] = st;
    lru_append(t, st);
    t->stats.open_streams++;
    t->stats.streams_opened++;
    *side = from_server ? TP_TCP_SERVER : TP_TCP_CLIENT;
    return st;
}

static void deliver(struct tp_tcp_table *t, struct stream *st, enum tp_tcp_side side,
                    const uint8_t *data, uint32_t len, uint64_t ts_ns)
{
    struct direction *d = &st->dir[side];
    d->next += len;
    st->pub.half[side].delivered += len;
    if (st->ignored || len == 0 || t->cb.on_data == NULL)
        return;
    if (!t->cb.on_data(t->cb.ctx, &st->pub, side, data, len, ts_ns)) {
        st->ignored = true;
        for (int i = 0; i < 2; i++) {
            free_queue(st, &st->dir[i]);
            st->dir[i].stopped = true;
        }
    }
}

/* Bytes at seq that are not ahead of the next expected one: deliver the
 * new part, count the repeated part. */
static void take_in_order(struct tp_tcp_table *t, struct stream *st, enum tp_tcp_side side,
                          uint32_t seq, const uint8_t *data, uint32_t len, uint64_t ts_ns)
{
    struct direction *d = &st->dir[side];
    struct tp_tcp_half *h = &st->pub.half[side];
    uint32_t behind = d->next - seq; /* < 2^31: caller checked */
    if (behind >= len) {
        h->retransmits++;
        h->overlap_bytes += len;
        return;
    }
    if (behind > 0) {
        h->retransmits++;
        h->overlap_bytes += behind;
    }
    deliver(t, st, side, data + behind, len - behind, ts_ns);
}

static void drain(struct tp_tcp_table *t, struct stream *st, enum tp_tcp_side side)
{
    struct direction *d = &st->dir[side];
    while (!d->stopped && d->queue != NULL && (int32_t)(d->queue->seq - d->next) <= 0) {
        struct pending *p = d->queue;
        d->queue = p->next;
        st->buffered -= sizeof *p + p->len;
        take_in_order(t, st, side, p->seq, p->data, p->len, p->ts_ns);
        free(p);
    }
}

static tp_status hold(struct stream *st, enum tp_tcp_side side, size_t max_buffered,
                      uint32_t seq, const uint8_t *data, uint32_t len, uint64_t ts_ns,
                      tp_error *err)
{
    struct direction *d = &st->dir[side];
    struct tp_tcp_half *h = &st->pub.half[side];
    uint32_t offset = seq - d->next;
    struct pending **pp = &d->queue;
    while (*pp != NULL && (*pp)->seq - d->next <= offset) {
        if ((*pp)->seq == seq && (*pp)->len >= len) { /* a repeat of a held segment */
            h->retransmits++;
            h->overlap_bytes += len;
            return TP_OK;
        }
        pp = &(*pp)->next;
    }
    h->out_of_order++;
    size_t charge = sizeof(struct pending) + len;
    if (st->buffered + charge > max_buffered) {
        truncate_dir(st, side, "out-of-order data exceeded the buffer limit");
        return TP_OK;
    }
    struct pending *p = malloc(sizeof *p + len);
    if (p == NULL)
        return tp_fail(err, TP_E_NOMEM, "reassembly: out of memory");
    p->seq = seq;
    p->len = len;
    p->ts_ns = ts_ns;
    memcpy(p->data, data, len);
    p->next = *pp;
    *pp = p;
    st->buffered += charge;
    return TP_OK;
}

static tp_status take_data(struct tp_tcp_table *t, struct stream *st, enum tp_tcp_side side,
                           uint32_t seq, const uint8_t *data, uint32_t len, uint64_t ts_ns,
                           tp_error *err)
{
    struct direction *d = &st->dir[side];
    if (d->stopped || len == 0)
        return TP_OK;
    if ((int32_t)(seq - d->next) > 0)
        return hold(st, side, t->limits.max_buffered, seq, data, len, ts_ns, err);
    take_in_order(t, st, side, seq, data, len, ts_ns);
    drain(t, st, side);
    return TP_OK;
}

/* SYN: fixes the initial sequence number (RFC 9293 Sec. 3.4.1). */
static void take_syn(struct stream *st, enum tp_tcp_side side, const struct tp_segment *s)
{
    struct direction *d = &st->dir[side];
    struct tp_tcp_half *h = &st->pub.half[side];
    if (s->flags & TP_TCP_ACK) {
        if (st->pub.synack_ns == 0)
            st->pub.synack_ns = s->ts_ns;
    } else if (st->pub.syn_ns == 0) {
        st->pub.syn_ns = s->ts_ns;
    }
    if (d->isn_known && d->isn == s->seq) {
        h->retransmits++;
        return;
    }
    h->syn = true;
    d->isn_known = true;
    d->isn = s->seq;
    if (!d->known || h->delivered == 0) {
        d->known = true;
        d->next = s->seq + 1;
        h->mid_stream = false;
    }
}

static void check_fin(struct tp_tcp_table *t, struct stream *st)
{
    for (int side = 0; side < 2; side++) {
        struct direction *d = &st->dir[side];
        if (d->fin_known && !d->closed && !d->stopped && d->next == d->fin_seq) {
            d->closed = true;
            d->next++; /* FIN occupies one sequence number */
        }
    }
    bool done0 = st->dir[0].closed || (st->ignored && st->pub.half[0].fin);
    bool done1 = st->dir[1].closed || (st->ignored && st->pub.half[1].fin);
    if (done0 && done1)
        end_stream(t, st, TP_TCP_END_FIN);
}

static tp_status process(struct tp_tcp_table *t, struct stream *st, enum tp_tcp_side side,
                         const struct tp_segment *s, tp_error *err)
{
    struct direction *d = &st->dir[side];
    struct tp_tcp_half *h = &st->pub.half[side];
    h->segments++;
    st->pub.last_ns = s->ts_ns;
    if (s->flags & TP_TCP_SYN)
        take_syn(st, side, s);
    uint32_t data_seq = s->seq + ((s->flags & TP_TCP_SYN) ? 1u : 0u);
    if (!d->known && (s->payload_len > 0 || (s->flags & TP_TCP_FIN))) {
        d->known = true;
        d->next = data_seq;
        h->mid_stream = true;
    }
    if (s->flags & TP_TCP_FIN) {
        h->fin = true;
        d->fin_known = true;
        d->fin_seq = data_seq + s->wire_payload_len;
    }
    TP_TRY(take_data(t, st, side, data_seq, s->payload, s->payload_len, s->ts_ns, err));
    if (s->flags & TP_TCP_RST) {
        h->rst = true;
        end_stream(t, st, TP_TCP_END_RST);
        return TP_OK;
    }
    check_fin(t, st);
    return TP_OK;
}

static void evict_idle(struct tp_tcp_table *t)
{
    if (t->limits.idle_ns == 0)
        return;
    while (t->oldest != NULL && t->now_ns > t->oldest->pub.last_ns &&
           t->now_ns - t->oldest->pub.last_ns > t->limits.idle_ns)
        end_stream(t, t->oldest, TP_TCP_END_EVICTED);
}

tp_status tp_tcp_add(struct tp_tcp_table *t, const struct tp_segment *s, tp_error *err)
{
    enum tp_tcp_side side = TP_TCP_CLIENT;
    t->stats.segments++;
    if (s->ts_ns > t->now_ns)
        t->now_ns = s->ts_ns;
    evict_idle(t);
    uint32_t h = hash_tuple(s);
    struct stream *st = lookup(t, s, h, &side);
    /* A new SYN on a 4-tuple in use with another ISN: the port was reused. */
    if (st != NULL && (s->flags & (TP_TCP_SYN | TP_TCP_ACK)) == TP_TCP_SYN &&
        st->dir[side].isn_known && st->dir[side].isn != s->seq) {
        end_stream(t, st, TP_TCP_END_EVICTED);
        st = NULL;
    }
    if (st == NULL) {
        if ((s->flags & TP_TCP_RST) && s->payload_len == 0)
            return TP_OK; /* a stray reset opens nothing */
        st = open_stream(t, s, h, &side);
        if (st == NULL)
            return tp_fail(err, TP_E_NOMEM, "reassembly: out of memory");
    } else {
        lru_unlink(t, st);
        lru_append(t, st);
    }
    return process(t, st, side, s, err);
}

void tp_tcp_flush(struct tp_tcp_table *t)
{
    if (t == NULL)
        return;
    while (t->oldest != NULL)
        end_stream(t, t->oldest, TP_TCP_END_FLUSHED);
}

void tp_tcp_get_stats(const struct tp_tcp_table *t, struct tp_tcp_stats *out)
{
    *out = t->stats;
}

void tp_tcp_destroy(struct tp_tcp_table *t)
{
    if (t == NULL)
        return;
    tp_tcp_flush(t);
    free(t->buckets);
    free(t);
}
