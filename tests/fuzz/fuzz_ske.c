/* Fuzz target: ServerKeyExchange parsing (src/wire/ske.c). Input: one
 * selector byte (bits 0-1: params, bit 2: anonymous, bit 3: PSK hint,
 * bit 4: TLS 1.2 signature layout), then a ServerKeyExchange body; a DHE
 * prime is then matched against the RFC 7919 groups. */
#include "fuzz.h"

#include "wire/registry.h"
#include "wire/ske.h"

#include "util/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tp_error err = {0};
    tp_ske ske;
    if (size < 1 || size > TP_FUZZ_MAX_INPUT)
        return 0;
    tp_ske_kx kx = {
        .params = (tp_ske_params)(data[0] & 3),
        .anonymous = (data[0] & 4) != 0,
        .psk_hint = (data[0] & 8) != 0,
    };
    uint16_t version = (data[0] & 16) != 0 ? TP_VER_TLS12 : TP_VER_TLS10;
    tp_status status = tp_ske_parse(data + 1, size - 1, kx, version, &ske, &err);
    /* The DTLS scan names a DHE prime's RFC 7919 group (scan/dtls_scan.c). */
    if (status == TP_OK && ske.params == TP_SKE_DHE)
        (void)tp_ffdhe_group_of_prime(ske.dh_p, ske.dh_p_len);
    return 0;
}
