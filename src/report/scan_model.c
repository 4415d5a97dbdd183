#include "report/scan_model.h"

#include <stdlib.h>
#include <string.h>

#include "wire/registry.h"
#include "util/array.h"
#include "util/banned.h"

static const uint16_t scan_versions[TP_SCAN_VERSIONS] = {
    TP_VER_SSL2, TP_VER_SSL3, TP_VER_TLS10, TP_VER_TLS11, TP_VER_TLS12, TP_VER_TLS13,
};

void tp_scan_init(struct tp_scan *scan)
{
    memset(scan, 0, sizeof *scan);
    for (size_t i = 0; i < TP_SCAN_VERSIONS; i++)
        scan->protocols[i].version = scan_versions[i];
}

void tp_verdict_finish(struct tp_verdict *v)
{
    free(v->reason);
    free(v->reference);
    for (size_t i = 0; i < v->n_reasons; i++) {
        free(v->reasons[i].reason);
        free(v->reasons[i].reference);
    }
    free(v->reasons);
    memset(v, 0, sizeof *v);
}

struct tp_verdict_reason *tp_verdict_add_reason(struct tp_verdict *v)
{
    return tp_array_grow_one((void **)&v->reasons, &v->n_reasons,
                             sizeof(struct tp_verdict_reason));
}

void tp_scan_finish(struct tp_scan *scan)
{
    if (scan == NULL)
        return;
    free(scan->policy);
    free(scan->psk_identity_hint);
    for (size_t i = 0; i < TP_SCAN_VERSIONS; i++) {
        free(scan->protocols[i].why);
        tp_verdict_finish(&scan->protocols[i].verdict);
    }
    for (size_t i = 0; i < scan->n_suites; i++) {
        free(scan->suites[i].name);
        free(scan->suites[i].kx_group);
        tp_verdict_finish(&scan->suites[i].verdict);
    }
    free(scan->suites);
    for (size_t i = 0; i < scan->n_groups; i++) {
        free(scan->groups[i].name);
        tp_verdict_finish(&scan->groups[i].verdict);
    }
    free(scan->groups);
    for (size_t i = 0; i < scan->n_sigschemes; i++) {
        free(scan->sigschemes[i].name);
        tp_verdict_finish(&scan->sigschemes[i].verdict);
    }
    free(scan->sigschemes);
    for (size_t i = 0; i < scan->n_features; i++) {
        free(scan->features[i].id);
        free(scan->features[i].detail);
    }
    free(scan->features);
    free(scan->grade);
    for (size_t i = 0; i < scan->n_caps; i++) {
        free(scan->caps[i].grade);
        free(scan->caps[i].reason);
    }
    free(scan->caps);
    tp_scan_init(scan);
}

struct tp_scan_suite *tp_scan_add_suite(struct tp_scan *scan)
{
    return tp_array_grow_one((void **)&scan->suites, &scan->n_suites, sizeof(struct tp_scan_suite));
}

struct tp_scan_group *tp_scan_add_group(struct tp_scan *scan)
{
    return tp_array_grow_one((void **)&scan->groups, &scan->n_groups, sizeof(struct tp_scan_group));
}

struct tp_scan_sigscheme *tp_scan_add_sigscheme(struct tp_scan *scan)
{
    return tp_array_grow_one((void **)&scan->sigschemes, &scan->n_sigschemes,
                    sizeof(struct tp_scan_sigscheme));
}

struct tp_scan_feature *tp_scan_add_feature(struct tp_scan *scan)
{
    return tp_array_grow_one((void **)&scan->features, &scan->n_features,
                    sizeof(struct tp_scan_feature));
}

tp_status tp_scan_set_feature(struct tp_scan *scan, const char *id, enum tp_tri value,
                              const char *detail)
{
    struct tp_scan_feature *f = tp_scan_add_feature(scan);
    if (f == NULL)
        return TP_E_NOMEM;
    f->value = value;
    TP_TRY(tp_set_str(&f->id, id));
    return tp_set_str(&f->detail, detail);
}

struct tp_grade_cap *tp_scan_add_cap(struct tp_scan *scan)
{
    return tp_array_grow_one((void **)&scan->caps, &scan->n_caps, sizeof(struct tp_grade_cap));
}

struct tp_scan_protocol *tp_scan_protocol(struct tp_scan *scan, uint16_t version)
{
    for (size_t i = 0; i < TP_SCAN_VERSIONS; i++)
        if (scan->protocols[i].version == version)
            return &scan->protocols[i];
    return NULL;
}

const char *tp_rating_name(enum tp_rating rating)
{
    switch (rating) {
    case TP_RATING_RECOMMENDED:
        return "recommended";
    case TP_RATING_OK:
        return "ok";
    case TP_RATING_WEAK:
        return "weak";
    case TP_RATING_DEPRECATED:
        return "deprecated";
    case TP_RATING_FORBIDDEN:
        return "forbidden";
    default:
        return "unrated";
    }
}
