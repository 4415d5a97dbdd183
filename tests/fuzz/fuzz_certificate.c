/* Fuzz target: Certificate parsing (src/wire/certificate.c). Input: one
 * selector byte (bit 0: TLS 1.3 layout), then a Certificate body. */
#include "fuzz.h"

#include "wire/certificate.h"

#include "util/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tp_error err = {0};
    tp_certificate cert;
    if (size < 1 || size > TP_FUZZ_MAX_INPUT)
        return 0;
    tp_status status = tp_cert_parse(data + 1, size - 1, (data[0] & 1) != 0, &cert, &err);
    return status == TP_OK ? 0 : 0;
}
