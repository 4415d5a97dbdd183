/* banned.h: functions that are easy to misuse, made compile errors (the idea
 * of git's banned.h). Include it LAST in every .c file, after system headers,
 * because the poison also hits their declarations. */
#ifndef TP_BANNED_H
#define TP_BANNED_H
#pragma GCC poison strcpy strcat sprintf vsprintf strtok atoi atol atoll gmtime localtime ctime asctime gets
#endif
