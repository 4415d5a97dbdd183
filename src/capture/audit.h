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
 * Memory: the reassembly state (records, handshake messages, out-of-order
 * segments) exists only for open streams and is freed when a stream ends
 * or its handshake is complete; a finished handshake is kept as a compact
 * summary (about 2 KB) for the report. */
#ifndef TP_CAPTURE_AUDIT_H
#define TP_CAPTURE_AUDIT_H

#include <stdint.h>
#include <stdio.h>

#include "report/model.h"
#include "util/err.h"

struct tp_audit_hooks {
    /* Describe one DER certificate (tls_describe_der()); NULL: sizes only. */
    tp_status (*describe_cert)(const uint8_t *der, size_t len, int64_t now,
                               struct tp_cert *cert);
    /* Progress, every 65536 packets and at the end; NULL: none. */
    void (*progress)(void *ctx, uint64_t packets, uint64_t handshakes);
    void *ctx;
};

/* Read path into report->audit (allocated here) and add findings to
 * report. TP_E_USAGE when the file cannot be opened or is not a capture
 * (the message says which); a file that ends badly is not a failure: the
 * handshakes before the damage are reported and report->audit->error says
 * what happened. TP_E_NOMEM otherwise. */
TP_MUST_CHECK tp_status tp_audit_file(const char *path, const struct tp_audit_hooks *hooks,
                                      struct tp_report *report, tp_error *err);

/* The same from an open FILE (the audit owns it from then on, as
 * tp_pcap_open_file() does); name is what messages and the report call it. */
TP_MUST_CHECK tp_status tp_audit_stream(FILE *fp, const char *name,
                                        const struct tp_audit_hooks *hooks,
                                        struct tp_report *report, tp_error *err);

#endif
