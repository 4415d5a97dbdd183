/* tcpstream.h: TCP stream reassembly for capture files (RFC 9293 sequence
 * space). Segments from tp_decode_packet() go in; each direction's bytes
 * come out in order, exactly once, through a callback, with the timestamp
 * of the segment that carried the first byte of each chunk.
 *
 * - Streams are keyed by the 4-tuple, both directions in one stream. The
 *   client is the sender of the SYN, else of the first segment seen.
 * - Sequence numbers compare modulo 2^32 (RFC 9293 Sec. 3.4), so a stream
 *   may wrap around.
 * - Out-of-order segments wait in a per-stream buffer of at most
 *   max_buffered bytes (list overhead counted); retransmitted bytes are
 *   counted, trimmed and never delivered twice.
 * - A hole that cannot be filled (buffer cap reached, or the direction
 *   ends with data missing) makes that direction truncated: nothing after
 *   the hole is delivered, and the reason is recorded.
 * - A stream ends on RST, after both FINs were delivered, when evicted
 *   (max_streams reached: the least recently active goes; or idle longer
 *   than idle_ns), or at tp_tcp_flush(). Ended streams are freed, so memory
 *   is bounded by open streams, not by the size of the capture. */
#ifndef TP_CAPTURE_TCPSTREAM_H
#define TP_CAPTURE_TCPSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/packet.h"
#include "util/err.h"

enum tp_tcp_side { TP_TCP_CLIENT = 0, TP_TCP_SERVER = 1 }; /* who sent the bytes */

enum tp_tcp_end {
    TP_TCP_END_OPEN = 0, /* still open */
    TP_TCP_END_FIN,      /* both FINs delivered */
    TP_TCP_END_RST,
    TP_TCP_END_EVICTED,  /* table full or idle */
    TP_TCP_END_FLUSHED,  /* end of input */
};

/* "open", "fin", "rst", "evicted", "flushed" */
const char *tp_tcp_end_name(enum tp_tcp_end end);

struct tp_tcp_half {
    uint64_t segments;       /* segments seen in this direction */
    uint64_t delivered;      /* bytes delivered in order */
    uint64_t retransmits;    /* segments that repeated delivered bytes */
    uint64_t overlap_bytes;  /* bytes received more than once */
    uint64_t out_of_order;   /* segments that arrived ahead of a hole */
    bool syn, fin, rst;      /* flags seen from this side */
    bool mid_stream;         /* no SYN: capture began after the start */
    bool truncated;          /* a hole: delivery stopped */
    const char *truncated_why; /* static text when truncated */
};

struct tp_tcp_stream {
    uint64_t id;             /* 1, 2, ... in order of creation */
    int family;
    uint8_t addr[2][16];     /* [side] */
    uint16_t port[2];
    uint64_t first_ns, last_ns;
    uint64_t syn_ns, synack_ns; /* 0 if not seen */
    struct tp_tcp_half half[2];
    enum tp_tcp_end end;
    void *user;              /* for the caller; the table never touches it */
};

struct tp_tcp_callbacks {
    /* In-order bytes from side. Return false to stop delivery for this
     * stream (e.g. not TLS): its buffers are freed, it is tracked until it
     * ends. May be NULL. */
    bool (*on_data)(void *ctx, struct tp_tcp_stream *st, enum tp_tcp_side side,
                    const uint8_t *data, size_t len, uint64_t ts_ns);
    /* The stream ended (st->end says how); it is freed after this returns,
     * so release st->user here. May be NULL. */
    void (*on_end)(void *ctx, struct tp_tcp_stream *st);
    void *ctx;
};

struct tp_tcp_limits {
    size_t max_streams;   /* open streams; default 4096 */
    size_t max_buffered;  /* out-of-order bytes per stream; default 256 KiB */
    uint64_t idle_ns;     /* evict after this long without a segment; 0 = never */
};

/* The defaults above, idle 300 s. */
void tp_tcp_limits_default(struct tp_tcp_limits *limits);

struct tp_tcp_table;

struct tp_tcp_stats {
    uint64_t segments, streams_opened, streams_evicted, open_streams;
};

/* limits may be NULL for the defaults. */
TP_MUST_CHECK tp_status tp_tcp_create(const struct tp_tcp_limits *limits,
                                      const struct tp_tcp_callbacks *cb,
                                      struct tp_tcp_table **out, tp_error *err);

/* Feed one segment (its payload is copied only when it must wait). Fails
 * only on allocation failure. */
TP_MUST_CHECK tp_status tp_tcp_add(struct tp_tcp_table *t, const struct tp_segment *seg,
                                   tp_error *err);

/* End every open stream (TP_TCP_END_FLUSHED), as at the end of a file. */
void tp_tcp_flush(struct tp_tcp_table *t);

void tp_tcp_get_stats(const struct tp_tcp_table *t, struct tp_tcp_stats *out);

/* Flushes, then frees. NULL is a no-op. */
void tp_tcp_destroy(struct tp_tcp_table *t);

#endif
