/* test_text.c: UTF-8 validation (RFC 3629 Sec. 3-4), sanitising for JSON and
 * escaping for the terminal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/text.h"
#include "util/banned.h"

#define S(lit) (lit), (sizeof(lit) - 1)
#define FFFD "\xEF\xBF\xBD"

static const struct {
    const char *bytes;
    size_t len;
    const char *why;
} invalid[] = {
    {S("\x80"), "lone continuation byte"},
    {S("\xBF"), "lone continuation byte"},
    {S("\xC0\x80"), "overlong NUL (C0)"},
    {S("\xC1\xBF"), "overlong 2-byte (C1)"},
    {S("\xE0\x80\x80"), "overlong 3-byte NUL"},
    {S("\xE0\x9F\xBF"), "overlong U+07FF"},
    {S("\xF0\x80\x80\x80"), "overlong 4-byte NUL"},
    {S("\xF0\x8F\xBF\xBF"), "overlong U+FFFF"},
    {S("\xED\xA0\x80"), "surrogate U+D800"},
    {S("\xED\xBF\xBF"), "surrogate U+DFFF"},
    {S("\xF4\x90\x80\x80"), "U+110000"},
    {S("\xF5\x80\x80\x80"), "F5 lead byte"},
    {S("\xF8\x88\x80\x80\x80"), "5-byte form"},
    {S("\xFE"), "FE"},
    {S("\xFF"), "FF"},
    {S("\xC3"), "truncated 2-byte"},
    {S("\xE2\x82"), "truncated 3-byte"},
    {S("\xF0\x9F\x98"), "truncated 4-byte"},
    {S("\xE2\x28\xA1"), "bad continuation"},
    {S("a\0b"), "embedded NUL"},
    {S("ok\xC3"), "truncated at the end"},
};

static const struct {
    const char *bytes;
    size_t len;
} valid[] = {
    {S("")},
    {S("plain ASCII ~!")},
    {S("caf\xC3\xA9")},                /* U+00E9 */
    {S("\xC2\x80")},                   /* U+0080, smallest 2-byte */
    {S("\xDF\xBF")},                   /* U+07FF */
    {S("\xE0\xA0\x80")},               /* U+0800, smallest 3-byte */
    {S("\xED\x9F\xBF")},               /* U+D7FF, just below the surrogates */
    {S("\xEE\x80\x80")},               /* U+E000, just above them */
    {S("\xEF\xBF\xBF")},               /* U+FFFF */
    {S("\xF0\x90\x80\x80")},           /* U+10000, smallest 4-byte */
    {S("\xF4\x8F\xBF\xBF")},           /* U+10FFFF, the last code point */
    {S("\xE6\x97\xA5\xE6\x9C\xAC")},   /* Japanese */
    {S("\xF0\x9F\x94\x92 locked")},    /* emoji */
};

static void test_valid_utf8(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        assert_true(tp_utf8_valid(valid[i].bytes, valid[i].len));
        char *copy = tp_utf8_sanitize(valid[i].bytes, valid[i].len);
        assert_non_null(copy);
        assert_int_equal(strlen(copy), valid[i].len);
        assert_memory_equal(copy, valid[i].bytes, valid[i].len);
        free(copy);
    }
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        if (tp_utf8_valid(invalid[i].bytes, invalid[i].len))
            fail_msg("accepted: %s", invalid[i].why);
        char *clean = tp_utf8_sanitize(invalid[i].bytes, invalid[i].len);
        assert_non_null(clean);
        assert_true(tp_utf8_valid(clean, strlen(clean)));
        assert_non_null(strstr(clean, FFFD));
        free(clean);
    }
}

/* The length bounds the input: bytes past it are never looked at. */
static void test_length_is_respected(void **state)
{
    (void)state;
    assert_true(tp_utf8_valid("ok\xFF", 2));
    assert_false(tp_utf8_valid("\xC3\xA9", 1));
    char *s = tp_utf8_sanitize("\xC3\xA9", 1);
    assert_non_null(s);
    assert_string_equal(s, FFFD);
    free(s);
}

/* Each invalid byte becomes one U+FFFD; valid neighbours are kept. */
static void test_sanitize_exact(void **state)
{
    (void)state;
    char *s = tp_utf8_sanitize(S("a\xC0\x80z"));
    assert_string_equal(s, "a" FFFD FFFD "z");
    free(s);
    s = tp_utf8_sanitize(S("\xED\xA0\x80!"));
    assert_string_equal(s, FFFD FFFD FFFD "!");
    free(s);
    s = tp_utf8_sanitize(S("x\0y"));
    assert_string_equal(s, "x" FFFD "y");
    free(s);
    s = tp_utf8_sanitize(S("caf\xC3\xA9\xFF"));
    assert_string_equal(s, "caf\xC3\xA9" FFFD);
    free(s);
    /* Worst case: every byte replaced, 3 bytes out for 1 in. */
    char all_bad[64];
    memset(all_bad, 0xFF, sizeof all_bad);
    s = tp_utf8_sanitize(all_bad, sizeof all_bad);
    assert_int_equal(strlen(s), 3 * sizeof all_bad);
    free(s);
}

static void expect_escape(const char *in, const char *out)
{
    char *got = tp_term_escape(in);
    assert_non_null(got);
    assert_string_equal(got, out);
    free(got);
}

static void test_term_escape(void **state)
{
    (void)state;
    expect_escape("", "");
    expect_escape("plain", "plain");
    expect_escape("caf\xC3\xA9", "caf\xC3\xA9");
    expect_escape("\xF0\x9F\x94\x92", "\xF0\x9F\x94\x92");
    expect_escape("\xC2\xA0", "\xC2\xA0"); /* U+00A0 is past the C1 range */
    /* C0 controls, DEL and the escape character itself. */
    expect_escape("a\x1b[31mred", "a\\x1b[31mred");
    expect_escape("line\nbreak\r\t", "line\\x0abreak\\x0d\\x09");
    expect_escape("\x01\x1f", "\\x01\\x1f");
    expect_escape("del\x7f", "del\\x7f");
    /* C1 controls U+0080..U+009F (CSI is U+009B). */
    expect_escape("\xC2\x9B" "31m", "\\xc2\\x9b31m");
    expect_escape("\xC2\x80\xC2\x9F", "\\xc2\\x80\\xc2\\x9f");
    /* A backslash is doubled so that escapes stay unambiguous. */
    expect_escape("a\\x41", "a\\\\x41");
    /* Invalid UTF-8, byte by byte. */
    expect_escape("\xFF", "\\xff");
    expect_escape("\xC0\x80", "\\xc0\\x80");
    expect_escape("\xED\xA0\x80", "\\xed\\xa0\\x80");
    expect_escape("\xF4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");
    expect_escape("ok\xE2\x82", "ok\\xe2\\x82");
    expect_escape("\xE2\x28\xA1", "\\xe2(\\xa1");
}

/* The worst case (every byte escaped, 4 bytes out) fits. */
static void test_term_escape_worst_case(void **state)
{
    (void)state;
    char in[129];
    memset(in, 0x1b, 128);
    in[128] = '\0';
    char *out = tp_term_escape(in);
    assert_non_null(out);
    assert_int_equal(strlen(out), 4 * 128);
    free(out);
    memcpy(in, "\xC2\x85\xC2\x85", 4);
    memset(in + 4, 0x85, 124);
    out = tp_term_escape(in);
    assert_int_equal(strlen(out), 4 * 128);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_utf8),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_length_is_respected),
        cmocka_unit_test(test_sanitize_exact),
        cmocka_unit_test(test_term_escape),
        cmocka_unit_test(test_term_escape_worst_case),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
