/* scan_dump.c: a debugging aid, not a test. Runs the --enum engine against
 * HOST PORT and prints struct tp_scan as JSON (report/scan_render.h), so the
 * engine can be checked before and apart from the main renderers.
 *     scan-dump 127.0.0.1 4433 [parallel] */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "net/net.h"
#include "report/scan_render.h"
#include "scan/scan.h"

#include "util/banned.h"

int main(int argc, char **argv)
{
    struct tp_config cfg = {0};
    struct tp_addrlist addrs = {0};
    struct tp_scan scan;
    tp_error err = {0};
    uint32_t port = 0, parallel = TP_DEFAULT_PARALLEL;
    if (argc < 3 || cli_parse_uint(argv[2], 1, 65535, &port) != TP_OK ||
        (argc > 3 && cli_parse_uint(argv[3], 1, 64, &parallel) != TP_OK)) {
        fprintf(stderr, "usage: scan-dump HOST PORT [PARALLEL]\n");
        return 2;
    }
    cfg.parallel = parallel;
    cfg.connect_timeout_ms = TP_DEFAULT_CONNECT_TIMEOUT_MS;
    tp_deadline deadline = tp_deadline_in_ms(TP_DEFAULT_ENUM_TIMEOUT_MS);
    if (net_resolve(argv[1], (uint16_t)port, TP_FAMILY_ANY, deadline, &addrs, &err) != TP_OK) {
        fprintf(stderr, "scan-dump: %s\n", err.msg);
        return 3;
    }
    tp_scan_init(&scan);
    tp_status st = scan_run(&cfg, &addrs.items[0], NULL, deadline, NULL, &scan, &err);
    json_t *root = json_object();
    int rc = 0;
    if (st != TP_OK || root == NULL || scan_render_json(root, &scan) != TP_OK) {
        fprintf(stderr, "scan-dump: %s\n", err.msg);
        rc = 5;
    } else {
        json_dumpf(root, stdout, JSON_INDENT(1));
        putchar('\n');
    }
    json_decref(root);
    tp_scan_finish(&scan);
    net_addrlist_finish(&addrs);
    return rc;
}
