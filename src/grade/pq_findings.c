/* pq_findings.c: the enum-* findings of the post-quantum phase (scan/pq.h):
 * no ML-KEM key exchange on a TLS 1.3 server, a post-quantum share of the
 * wrong size, a server or path that cannot take a hello over one MTU. */
#include <string.h>

#include "grade/policy_int.h"
#include "report/model.h"

#include "util/banned.h"

static const char *feature_detail(const struct tp_scan *scan, const char *id)
{
    for (size_t i = 0; i < scan->n_features; i++)
        if (scan->features[i].id != NULL && strcmp(scan->features[i].id, id) == 0)
            return scan->features[i].detail != NULL ? scan->features[i].detail : "";
    return "";
}

tp_status pol_find_pq(const struct tp_scan *scan, struct tp_report *report)
{
    /* Key exchange recorded today is open to a future quantum computer
     * ("harvest now, decrypt later"); browsers offer X25519MLKEM768 by
     * default, so a server that accepts it protects them at no cost. */
    if (pol_version_supported(scan, TP_VER_TLS13) == TP_TRI_YES &&
        pol_feature(scan, "post_quantum") == TP_TRI_NO)
        TP_TRY(tp_report_add_finding(report, "enum-pq-none",
                                     "no post-quantum key exchange (harvest now, decrypt "
                                     "later): %s",
                                     feature_detail(scan, "post_quantum")));
    for (size_t i = 0; i < scan->n_groups; i++) {
        const struct tp_scan_group *g = &scan->groups[i];
        if (g->probed && g->share_bytes != 0 && g->share_bytes != g->share_bytes_expected)
            TP_TRY(tp_report_add_finding(report, "enum-pq-share-size",
                                         "%s: the server's key share has %u bytes, the draft "
                                         "gives %u",
                                         g->name != NULL ? g->name : "a group",
                                         (unsigned)g->share_bytes,
                                         (unsigned)g->share_bytes_expected));
    }
    if (pol_feature(scan, "large_client_hello") == TP_TRI_NO)
        TP_TRY(tp_report_add_finding(report, "enum-large-hello",
                                     "cannot take a ClientHello over one MTU, so browsers' "
                                     "post-quantum hellos fail: %s",
                                     feature_detail(scan, "large_client_hello")));
    return TP_OK;
}
