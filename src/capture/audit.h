/* audit.h: --read FILE. Every TLS handshake in a pcap or pcapng file,
 * streamed: packets (capture/pcapfile.h) -> TCP segments (packet.h) ->
 * in-order bytes per direction (tcpstream.h) -> TLS records and handshake
 * messages (timing/timeline.h over wire/record.h) -> per handshake: the
 * client's offer and its JA4 (ja4.h), the server's choice, the chain, the
 * flights with their packet times and bytes. Findings are raised when a
 * client offers what it must not (SSL 2.0/3.0, export, RC4, NULL,
 * anonymous, 64-bit block or DES suites) or a server chooses it; one
 * finding per id, counting the handshakes.
 *
 * Memory is bounded by the open streams, not by the file: the reassembly
 * state (records, handshake messages, out-of-order segments) exists only
 * while a stream is open, and each handshake goes to the sink as soon as
 * it is complete or its stream ended (FIN, RST, evicted, end of file),
 * then is freed. What outlives a handshake is a count and, per finding id,
 * a count and the first example. */
#ifndef TP_CAPTURE_AUDIT_H
#define TP_CAPTURE_AUDIT_H

#include <stdint.h>
#include <stdio.h>

#include "report/model.h"
#include "report/timing_model.h"
#include "util/err.h"

/* Where the handshakes go (main chooses the renderer). Both callbacks
 * may be NULL; a failure (TP_E_IO: the report could not be written) stops
 * the audit and is returned. */
struct tp_audit_sink {
    /* The file opened as a capture; file->path is set, nothing else yet. */
    tp_status (*on_open)(void *ctx, const struct tp_audit *file);
    /* One handshake, its findings (hs->findings) included; borrowed until
     * the call returns. file->n_hs counts the handshakes before this one. */
    tp_status (*on_handshake)(void *ctx, const struct tp_audit *file,
                              const struct tp_audit_hs *hs);
    void *ctx;
};

struct tp_audit_hooks {
    /* Describe one DER certificate (tls_describe_der()); NULL: sizes only. */
    tp_status (*describe_cert)(const uint8_t *der, size_t len, int64_t now,
                               struct tp_cert *cert);
    /* Progress, every 65536 packets and at the end; NULL: none. */
    void (*progress)(void *ctx, uint64_t packets, uint64_t handshakes);
    void *ctx;
    struct tp_audit_sink sink;
};

/* Read path, hand every handshake to hooks->sink, fill report->audit
 * (allocated here: the file's totals) and add the findings to report.
 * hooks may be NULL. TP_E_USAGE when the file cannot be opened or is not
 * a capture (the message says which; the sink was not called); a file that
 * ends badly is not a failure: the handshakes before the damage are
 * reported and report->audit->error says what happened. Otherwise
 * TP_E_NOMEM, or the sink's failure. */
TP_MUST_CHECK tp_status tp_audit_file(const char *path, const struct tp_audit_hooks *hooks,
                                      struct tp_report *report, tp_error *err);

/* The same from an open FILE (the audit owns it from then on, as
 * tp_pcap_open_file() does); name is what messages and the report call it. */
TP_MUST_CHECK tp_status tp_audit_stream(FILE *fp, const char *name,
                                        const struct tp_audit_hooks *hooks,
                                        struct tp_report *report, tp_error *err);

#endif
