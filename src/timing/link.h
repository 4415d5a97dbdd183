/* link.h: a constrained link (NB-IoT, LTE-M, satellite, ...) as plain data,
 * from a built-in preset (src/data/link-profiles.csv) or from a spec such as
 * "bw=20k,rtt=1600ms,mtu=1430,loss=1%,setup=2s".
 *
 * Spec keys (comma-separated key=value, each at most once):
 *   bw     both directions' bandwidth, bit/s with optional k, M or G (20k)
 *   dl/ul  downlink (server->client) / uplink bandwidth; not with bw
 *   rtt    round-trip time, with unit ms or s (1600ms, 1.6s)       required
 *   setup  radio set-up once per connection, ms or s (default 0)
 *   mtu    IP MTU in bytes, 576..65535 (default 1500)
 *   frame  link frame payload in bytes, 8..65535 (default none)
 *   loss   packet loss in percent, 0..50% (default 0%)
 *   duty   duty cycle in percent, 0.01..100% (default none)
 *   duplex "half" or "full" (default full)
 *   lose   DTLS flights known lost once, by number from 1 as --dtls
 *          --timing lists them, joined by + (lose=4+5); the DTLS model
 *          only (a benchmark's known loss pattern)
 * A bandwidth (bw, or both dl and ul) is required. */
#ifndef TP_TIMING_LINK_H
#define TP_TIMING_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

struct tp_link {
    char name[32];         /* preset name, or "custom" for a spec */
    char description[128]; /* preset description, or the spec text */
    double dl_bps;         /* network -> device (server -> client), bit/s */
    double ul_bps;         /* device -> network (client -> server), bit/s */
    uint32_t rtt_ms;       /* small-packet round trip once the radio is up */
    uint32_t setup_ms;     /* radio wake-up / bearer set-up, once per connection */
    uint32_t mtu;          /* IP MTU; 0 = no IP layer (LoRaWAN) */
    uint32_t frame_payload; /* link frame payload bytes; 0 = not framed */
    double loss;           /* per packet (per frame when framed), 0..0.5 */
    double duty_cycle;     /* fraction of time a sender may transmit; 0 = unlimited */
    bool half_duplex;      /* one channel shared by both directions */
    uint32_t lost_flights; /* bit n-1: DTLS flight n lost once (lose=) */
    bool tls_practical;    /* false: the preset's data says TLS is not viable */
};

/* Fill link from a preset by name (case-insensitive). An unknown name fails
 * with TP_E_USAGE and a message listing every preset. */
TP_MUST_CHECK tp_status tp_link_from_preset(struct tp_link *link, const char *name,
                                            tp_error *err);

/* Parse a spec (see above). Errors are TP_E_USAGE and name the key. */
TP_MUST_CHECK tp_status tp_link_parse_spec(struct tp_link *link, const char *spec, tp_error *err);

/* What --link takes: a spec when arg contains '=', else a preset name. */
TP_MUST_CHECK tp_status tp_link_from_arg(struct tp_link *link, const char *arg, tp_error *err);

#endif
