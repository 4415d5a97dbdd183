/* PLACEHOLDER: replaced by the real implementation (helper task). */
#include "tls/tls.h"
tp_status tls_global_init(tp_error *err) { (void)err; return TP_OK; }
void tls_global_finish(void) {}
tp_status tls_handshake_report(int fd, const struct tp_config *cfg, const char *sni,
                               tp_deadline deadline, struct tp_report *report, tp_error *err)
{
    (void)fd; (void)cfg; (void)sni; (void)deadline; (void)report;
    return tp_fail(err, TP_E_UNSUPPORTED, "not implemented yet");
}
