/* text.h: making peer-supplied bytes safe to show. */
#ifndef TP_TEXT_H
#define TP_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* A heap copy of s (len bytes) that is valid UTF-8: each invalid byte
 * becomes U+FFFD. NUL bytes become U+FFFD too, so the result is a C string.
 * NULL on allocation failure. */
char *tp_utf8_sanitize(const char *s, size_t len);

/* A heap copy of the C string s fit for a terminal: valid UTF-8 printable
 * characters are kept; control characters (C0, DEL, C1), and bytes that are
 * not valid UTF-8, become \xHH; a backslash becomes "\\". NULL on
 * allocation failure. */
char *tp_term_escape(const char *s);

/* True if s (len bytes) is valid UTF-8 without NUL. */
bool tp_utf8_valid(const char *s, size_t len);

#endif
