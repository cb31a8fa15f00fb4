/*
 * Copyright (C) cclink authors
 *
 * ngx_stream_cclink_pass_module: the relay's buffers. A direction borrows
 * one from the server's per-worker free list (or maps a new one) when its
 * source becomes readable and gives it back once everything read has been
 * sent on; the preread buffer (the ClientHello) is freed instead.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_stream.h>

#include <sys/mman.h>

#include "ngx_stream_cclink.h"
#include "ngx_stream_cclink_pass_module.h"


/*
 * Buffers come from the server's per-worker free list, or are mapped
 * anew; pages of buffers beyond what the list keeps go back to the
 * system, so that a burst does not stay in the worker's memory.
 */

ngx_int_t
ngx_stream_cclink_pass_get_buf(ngx_stream_session_t *s, ngx_buf_t *b)
{
    u_char                             *p;
    ngx_stream_cclink_pass_srv_conf_t  *pcf;

    pcf = ngx_stream_get_module_srv_conf(s, ngx_stream_cclink_pass_module);

    if (pcf->free) {
        p = (u_char *) pcf->free;
        pcf->free = pcf->free->next;
        pcf->nfree--;

    } else {
        p = mmap(NULL, pcf->buffer_size, PROT_READ|PROT_WRITE,
                 MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);

        if (p == MAP_FAILED) {
            ngx_log_error(NGX_LOG_ALERT, s->connection->log, ngx_errno,
                          "mmap(%uz) for a relay buffer failed",
                          pcf->buffer_size);
            return NGX_ERROR;
        }
    }

    b->start = p;
    b->pos = p;
    b->last = p;
    b->end = p + pcf->buffer_size;

    return NGX_OK;
}


void
ngx_stream_cclink_pass_put_buf(ngx_stream_session_t *s, ngx_buf_t *b)
{
    ngx_stream_cclink_pass_ctx_t       *ctx;
    ngx_stream_cclink_pass_free_t      *f;
    ngx_stream_cclink_pass_srv_conf_t  *pcf;

    if (b->start == NULL) {
        return;
    }

    ctx = ngx_stream_get_module_ctx(s, ngx_stream_cclink_pass_module);

    if (b == &s->upstream->downstream_buf && ctx->preread) {

        /* the preread buffer: sent, counted in s->received, and freed */

        (void) ngx_stream_cclink_hello_bytes(s, 1);
        ctx->preread = 0;

        ngx_memzero(b, sizeof(ngx_buf_t));
        return;
    }

    pcf = ngx_stream_get_module_srv_conf(s, ngx_stream_cclink_pass_module);

    if (pcf->nfree < NGX_STREAM_CCLINK_PASS_KEEP) {
        f = (ngx_stream_cclink_pass_free_t *) b->start;
        f->next = pcf->free;
        pcf->free = f;
        pcf->nfree++;

    } else {
        (void) munmap(b->start, pcf->buffer_size);
    }

    ngx_memzero(b, sizeof(ngx_buf_t));
}
