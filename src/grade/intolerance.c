/* intolerance.c: findings for a server that aborts handshakes over an
 * optional part of the ClientHello. A server MUST ignore extensions it does
 * not recognise (RFC 8446 Sec. 4.1.2 and 9.3; RFC 5246 Sec. 7.4.1.4), and
 * one that knows status_request but has no response to staple simply
 * answers without it (RFC 6066 Sec. 8). A server that aborts instead fails
 * every standard client that sends the part: medium, like a broken suite. */
#include <string.h>

#include "grade/grade.h"
#include "util/banned.h"

static const struct {
    uint32_t part;
    const char *id;
} part_ids[] = {
    {TP_OFFER_EXTENDED_MASTER_SECRET, "intolerance-extended-master-secret"},
    {TP_OFFER_STATUS_REQUEST, "intolerance-status-request"},
    {TP_OFFER_RECORD_SIZE_LIMIT, "intolerance-record-size-limit"},
    {TP_OFFER_SESSION_TICKET, "intolerance-session-ticket"},
    {TP_OFFER_ENCRYPT_THEN_MAC, "intolerance-encrypt-then-mac"},
    {TP_OFFER_ALPN, "intolerance-alpn"},
    {TP_OFFER_PADDING, "intolerance-padding"},
    {TP_OFFER_RENEGOTIATION_INFO, "intolerance-renegotiation-info"},
    {TP_OFFER_SUPPORTED_VERSIONS, "intolerance-supported-versions"},
};

static bool has_finding(const struct tp_report *report, const char *id)
{
    for (size_t i = 0; i < report->n_findings; i++)
        if (strcmp(report->findings[i].id, id) == 0)
            return true;
    return false;
}

tp_status grade_intolerance(struct tp_report *report, uint32_t parts, const char *by)
{
    for (size_t i = 0; i < sizeof part_ids / sizeof part_ids[0]; i++) {
        uint32_t part = part_ids[i].part;
        if (!(parts & part) || has_finding(report, part_ids[i].id))
            continue;
        TP_TRY(tp_report_add_finding(report, part_ids[i].id,
                                     "server aborts handshakes whose ClientHello carries %s "
                                     "(%s completed without it): %s",
                                     tp_offer_part_name(part), by,
                                     tp_offer_part_consequence(part)));
    }
    return TP_OK;
}
