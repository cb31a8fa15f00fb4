/*
 * Copyright (C) cclink authors
 *
 * The CONNECT entrance's proxy authentication (cclink_connect_auth_file):
 * an htpasswd file read at configuration time and again when it changes
 * (looked at at most once a second per worker, never read per request),
 * and Proxy-Authorization: Basic credentials checked against it with
 * nginx's own ngx_crypt(), as auth_basic_user_file does.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_crypt.h>

#include "cclink_connect_parse.h"
#include "ngx_stream_cclink_connect_auth.h"


/* the largest decoded "user:password" looked at */
#define NGX_STREAM_CCLINK_CONNECT_CRED_MAX  512


typedef struct {
    ngx_str_t                       user;
    u_char                         *hash;      /* NUL-terminated */
} ngx_stream_cclink_connect_user_t;


/* the auth file, as last read by this process */
struct ngx_stream_cclink_connect_auth_s {
    ngx_str_t                       path;
    ngx_pool_t                     *pool;      /* of users */
    ngx_array_t                    *users;
    ngx_file_uniq_t                 uniq;
    time_t                          mtime;
    off_t                           size;
    time_t                          checked;
};


static ngx_int_t ngx_stream_cclink_connect_auth_load(
    ngx_stream_cclink_connect_auth_t *auth, ngx_log_t *log);
static void ngx_stream_cclink_connect_auth_free(void *data);


ngx_stream_cclink_connect_auth_t *
ngx_stream_cclink_connect_auth_create(ngx_conf_t *cf, ngx_str_t *path)
{
    ngx_pool_cleanup_t                *cln;
    ngx_stream_cclink_connect_auth_t  *auth;

#if !(NGX_CRYPT)
    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "\"cclink_connect_auth_file\" needs an nginx "
                       "built with crypt support");
    return NULL;
#endif

    auth = ngx_pcalloc(cf->pool, sizeof(ngx_stream_cclink_connect_auth_t));
    if (auth == NULL) {
        return NULL;
    }

    auth->path = *path;

    if (ngx_conf_full_name(cf->cycle, &auth->path, 1) != NGX_OK) {
        return NULL;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    cln->handler = ngx_stream_cclink_connect_auth_free;
    cln->data = auth;

    if (ngx_stream_cclink_connect_auth_load(auth, cf->log) != NGX_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "cannot read the auth file \"%V\"", &auth->path);
        return NULL;
    }

    auth->checked = ngx_time();

    return auth;
}


/*
 * Proxy-Authorization: Basic, checked against the auth file with
 * ngx_crypt() as auth_basic_user_file is. The file is read again when it
 * changes, looked at at most once a second.
 */

ngx_int_t
ngx_stream_cclink_connect_auth_check(ngx_connection_t *c,
    ngx_stream_cclink_connect_auth_t *auth, const char *value, size_t vlen)
{
#if (NGX_CRYPT)
    long                               n;
    u_char                            *pass, *encrypted, diff;
    size_t                             colon, i, len;
    ngx_int_t                          rc;
    ngx_uint_t                         k;
    ngx_stream_cclink_connect_user_t  *u;
    char                               cred[NGX_STREAM_CCLINK_CONNECT_CRED_MAX];

    if (ngx_time() != auth->checked) {
        auth->checked = ngx_time();
        (void) ngx_stream_cclink_connect_auth_load(auth, c->log);
    }

    if (value == NULL || auth->users == NULL) {
        return NGX_DECLINED;
    }

    n = cclink_connect_basic(value, vlen, cred, sizeof(cred), &colon);
    if (n < 0) {
        return NGX_DECLINED;
    }

    u = auth->users->elts;

    for (k = 0; k < auth->users->nelts; k++) {
        if (u[k].user.len == colon
            && ngx_strncmp(u[k].user.data, cred, colon) == 0)
        {
            break;
        }
    }

    if (k == auth->users->nelts) {
        ngx_log_error(NGX_LOG_INFO, c->log, 0,
                      "cclink connect: unknown user \"%*s\"",
                      ngx_min(colon, 64), cred);
        return NGX_DECLINED;
    }

    len = n - colon - 1;

    pass = ngx_pnalloc(c->pool, len + 1);
    if (pass == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(pass, cred + colon + 1, len);
    pass[len] = '\0';

    rc = ngx_crypt(c->pool, pass, u[k].hash, &encrypted);

    ngx_explicit_memzero(pass, len);
    ngx_explicit_memzero(cred, sizeof(cred));

    if (rc != NGX_OK || encrypted == NULL) {
        return NGX_DECLINED;
    }

    len = ngx_strlen(u[k].hash);

    if (ngx_strlen(encrypted) != len) {
        return NGX_DECLINED;
    }

    diff = 0;

    for (i = 0; i < len; i++) {
        diff |= encrypted[i] ^ u[k].hash[i];
    }

    if (diff) {
        ngx_log_error(NGX_LOG_INFO, c->log, 0,
                      "cclink connect: user \"%V\": password mismatch",
                      &u[k].user);
        return NGX_DECLINED;
    }

    return NGX_OK;

#else

    return NGX_DECLINED;

#endif
}


/*
 * Reads the auth file ("user:hash[:comment]" lines, "#" comments) into a
 * fresh pool when it differs from what was read last. A file that cannot
 * be read keeps the users read before.
 */

static ngx_int_t
ngx_stream_cclink_connect_auth_load(ngx_stream_cclink_connect_auth_t *auth,
    ngx_log_t *log)
{
    u_char                            *p, *end, *line, *colon, *hash_end;
    ssize_t                            n;
    ngx_fd_t                           fd;
    ngx_pool_t                        *pool;
    ngx_file_t                         file;
    ngx_array_t                       *users;
    ngx_file_info_t                    fi;
    ngx_stream_cclink_connect_user_t  *u;

    if (ngx_file_info(auth->path.data, &fi) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                      ngx_file_info_n " \"%V\" failed", &auth->path);
        return NGX_ERROR;
    }

    if (auth->users && ngx_file_uniq(&fi) == auth->uniq
        && ngx_file_mtime(&fi) == auth->mtime
        && ngx_file_size(&fi) == auth->size)
    {
        return NGX_OK;
    }

    if (ngx_file_size(&fi) > 1024 * 1024) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "cclink connect: \"%V\" is larger than 1m",
                      &auth->path);
        return NGX_ERROR;
    }

    fd = ngx_open_file(auth->path.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (fd == NGX_INVALID_FILE) {
        ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                      ngx_open_file_n " \"%V\" failed", &auth->path);
        return NGX_ERROR;
    }

    pool = ngx_create_pool(1024, log);
    if (pool == NULL) {
        goto failed;
    }

    users = ngx_array_create(pool, 4,
                             sizeof(ngx_stream_cclink_connect_user_t));
    p = ngx_pnalloc(pool, ngx_file_size(&fi) + 1);

    if (users == NULL || p == NULL) {
        goto failed;
    }

    ngx_memzero(&file, sizeof(ngx_file_t));
    file.fd = fd;
    file.name = auth->path;
    file.log = log;

    n = ngx_read_file(&file, p, ngx_file_size(&fi), 0);
    if (n == NGX_ERROR) {
        goto failed;
    }

    end = p + n;

    for (line = p; line < end; line = p + 1) {
        for (p = line; p < end && *p != '\n'; p++) {
            /* void */
        }

        if (p > line && *(p - 1) == '\r') {
            *(p - 1) = '\0';
        }

        *p = '\0';

        if (*line == '#' || *line == '\0') {
            continue;
        }

        colon = (u_char *) ngx_strchr(line, ':');
        if (colon == NULL || colon == line) {
            continue;
        }

        *colon = '\0';

        hash_end = (u_char *) ngx_strchr(colon + 1, ':');
        if (hash_end) {
            *hash_end = '\0';
        }

        u = ngx_array_push(users);
        if (u == NULL) {
            goto failed;
        }

        u->user.data = line;
        u->user.len = colon - line;
        u->hash = colon + 1;
    }

    (void) ngx_close_file(fd);

    if (auth->pool) {
        ngx_destroy_pool(auth->pool);
    }

    auth->pool = pool;
    auth->users = users;
    auth->uniq = ngx_file_uniq(&fi);
    auth->mtime = ngx_file_mtime(&fi);
    auth->size = ngx_file_size(&fi);

    return NGX_OK;

failed:

    (void) ngx_close_file(fd);

    if (pool) {
        ngx_destroy_pool(pool);
    }

    return NGX_ERROR;
}


static void
ngx_stream_cclink_connect_auth_free(void *data)
{
    ngx_stream_cclink_connect_auth_t  *auth = data;

    if (auth->pool) {
        ngx_destroy_pool(auth->pool);
        auth->pool = NULL;
    }
}
