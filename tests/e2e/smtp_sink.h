/* A small SMTP server for the tests (tests/e2e/smtp_sink.c). */
#ifndef REGIE_TEST_SMTP_SINK_H
#define REGIE_TEST_SMTP_SINK_H

#include <stddef.h>
#include <sys/types.h>

typedef struct sink_opts {
    int fail_first;        /* answer 451 to the end of DATA of the first N transactions */
    const char *fail_rcpt; /* answer 550 to RCPT of this address */
    int slow_after;        /* after N messages, hold the next MAIL until the client leaves */
    int auth;              /* offer AUTH PLAIN */
} sink_opts;

typedef struct sink {
    pid_t pid;
    int port;
    char *dir;
} sink;

/* Start a sink keeping its messages in dir (made if missing). */
void sink_start(sink *s, const char *dir, sink_opts o);
/* Stop it (SIGKILL) and forget it. */
void sink_stop(sink *s);
/* The messages the sink kept (msg-NNN.eml), read; their number in *n. */
char **sink_messages(const sink *s, size_t *n);
void sink_messages_free(char **v, size_t n);

#endif
