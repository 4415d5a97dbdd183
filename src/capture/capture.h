/* capture.h: the probe's own packets, live (--capture), with libpcap.
 *
 * Order of operations (libpcap's pcap_create(3PCAP) life cycle, and the
 * OpenBSD tcpdump privsep rule "open with privilege, parse without"):
 *   1. pcap_create on the interface; snaplen, immediate mode, nanosecond
 *      timestamps; pcap_activate (warnings kept as a note, errors fail);
 *   2. a BPF filter on the remote end: "tcp and host R and port P" for
 *      every address the target resolved to (the local port is not known
 *      before connect(), and net/ picks it then);
 *   3. -w FILE opened (pcap_dump_open), while still privileged;
 *   4. privileges dropped: supplementary groups, gid and uid of --user
 *      (default nobody) when running as root, else every capability;
 *   5. after connect(), tp_live_tighten() narrows the filter to the 5-tuple
 *      (setting a filter on an open handle needs no privilege); packets
 *      already buffered are checked against the 5-tuple again when parsed;
 *   6. tp_live_collect() reads and decodes what was captured.
 * Without the privilege to capture (not root, no CAP_NET_RAW) tp_live_open
 * returns TP_OK with *out NULL and a one-line note: the caller falls back to
 * the hook timings. */
#ifndef TP_CAPTURE_CAPTURE_H
#define TP_CAPTURE_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "report/timing_model.h"
#include "util/err.h"

struct tp_live;

struct tp_live_opts {
    const char *interface;    /* NULL: the interface of the route to the first address */
    const char *write_file;   /* -w FILE, or NULL */
    const char *user;         /* NULL: "nobody" */
};

struct tp_live_remote {
    const struct sockaddr *addr; /* port ignored */
    socklen_t len;
};

/* Open the capture (steps 1-4). TP_E_USAGE for an interface that does not
 * exist or an unknown --user; TP_E_IO for a -w file that cannot be
 * written. res gets interface, filter and any note. */
TP_MUST_CHECK tp_status tp_live_open(const struct tp_live_opts *opts,
                                     const struct tp_live_remote *remotes, size_t n_remotes,
                                     uint16_t port, struct tp_live **out,
                                     struct tp_capture_result *res, tp_error *err);

/* Step 5, with the connected socket fd. */
TP_MUST_CHECK tp_status tp_live_tighten(struct tp_live *lc, int fd, struct tp_capture_result *res,
                                        tp_error *err);

/* Step 6: read what arrived, waiting up to wait_ms of quiet for the last
 * packets (the FIN exchange), and describe it in res. t0_wall_ns is the
 * run's start on the wall clock (packet times are reported from it). */
TP_MUST_CHECK tp_status tp_live_collect(struct tp_live *lc, uint64_t t0_wall_ns,
                                        uint32_t wait_ms, struct tp_capture_result *res,
                                        tp_error *err);

/* NULL is a no-op. Closes the -w file. */
void tp_live_destroy(struct tp_live *lc);

/* The interface whose address the kernel would use to reach addr ("lo" for
 * 127.0.0.1). TP_E_IO when there is no route. */
TP_MUST_CHECK tp_status tp_route_interface(const struct sockaddr *addr, socklen_t len, char *out,
                                           size_t size, tp_error *err);

/* Wall clock, ns since the epoch (capture timestamps use it). */
uint64_t tp_wall_ns(void);

#endif
