/*
 * Copyright (C) cclink authors
 *
 * The DNS responder's wire format: one query in, one reply (or "forward",
 * or "drop") out, following RFC 1035, 2308, 6891, 7766 and 8482 as
 * summarised in cclink_dns.h. No nginx dependencies.
 */

#include <string.h>

#include "cclink_common.h"
#include "cclink_dns.h"


#define CCLINK_DNS_QR             0x8000
#define CCLINK_DNS_OPCODE         0x7800
#define CCLINK_DNS_AA             0x0400
#define CCLINK_DNS_TC             0x0200
#define CCLINK_DNS_RD             0x0100
#define CCLINK_DNS_CD             0x0010

#define CCLINK_DNS_MAX_LABELS     128


typedef struct {
    const uint8_t   *p;
    size_t           len;
    uint16_t         id;
    uint16_t         flags;
    uint16_t         qdcount;
    uint16_t         ancount;
    uint16_t         nscount;
    uint16_t         arcount;
    size_t           qname_len;      /* wire form, root label included */
    uint64_t         labels[4];      /* bit i: a label starts at byte i */
    uint16_t         qtype;
    uint16_t         qclass;
    int              hostname;       /* labels are letters, digits, -, _ */
    int              edns;
    uint16_t         udp_size;
    uint8_t          version;
    int              dnssec_ok;
} cclink_dns_query_t;


typedef struct {
    uint8_t         *out;
    size_t           n;
    int              full;           /* a write did not fit */
} cclink_dns_writer_t;


/* what a reply holds */
typedef struct {
    int              rcode;          /* extended included */
    int              aa;
    uint16_t         type;           /* of the answer records */
    uint16_t         an;
    uint16_t         ns;             /* 1: the zone's SOA */
    size_t           zoff;           /* the zone in the question's name */
} cclink_dns_plan_t;


static size_t cclink_dns_limit(const cclink_dns_query_t *q, size_t max);
static cclink_dns_action_e cclink_dns_decide(const cclink_dns_conf_t *conf,
    const cclink_dns_query_t *q, cclink_dns_match_pt match, void *data,
    cclink_dns_result_t *res, cclink_dns_plan_t *plan);
static int cclink_dns_has_children(const cclink_dns_query_t *q,
    const cclink_dns_result_t *res, cclink_dns_match_pt match, void *data);
static void cclink_dns_build(const cclink_dns_conf_t *conf,
    const cclink_dns_query_t *q, size_t qend, size_t limit, uint32_t serial,
    cclink_dns_plan_t *plan, uint8_t *out, cclink_dns_result_t *res);
static uint16_t cclink_dns_u16(const uint8_t *p);
static int cclink_dns_parse_question(cclink_dns_query_t *q, size_t *pos,
    cclink_dns_result_t *res);
static int cclink_dns_parse_additional(cclink_dns_query_t *q, size_t *pos);
static int cclink_dns_skip_name(const cclink_dns_query_t *q, size_t *pos,
    int *root);
static int cclink_dns_find_zone(const cclink_dns_conf_t *conf,
    const cclink_dns_query_t *q, size_t *zoff);
static void cclink_dns_put(cclink_dns_writer_t *w, const void *p, size_t n);
static void cclink_dns_put16(cclink_dns_writer_t *w, uint16_t v);
static void cclink_dns_put32(cclink_dns_writer_t *w, uint32_t v);
static void cclink_dns_header(cclink_dns_writer_t *w,
    const cclink_dns_query_t *q, uint16_t flags, int rcode, uint16_t qd,
    uint16_t an, uint16_t ns, uint16_t ar);
static void cclink_dns_opt(cclink_dns_writer_t *w,
    const cclink_dns_query_t *q, int rcode);
static void cclink_dns_soa(cclink_dns_writer_t *w, size_t zoff,
    uint32_t ttl, uint32_t serial);
static cclink_dns_action_e cclink_dns_header_only(
    const cclink_dns_query_t *q, int rcode, uint8_t *out,
    cclink_dns_result_t *res);


static const char  *cclink_dns_rcode_names[] = {
    "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"
};


/*
 * The bytes of a question's name: 0 a label character (letters, digits,
 * '-', '_', as cclink_is_label_char()), 1 another printable one, 2 one
 * shown as '?' in the text form (space, controls, 0x7f and above)
 */

#define CCLINK_DNS_C2  2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2

static const uint8_t  cclink_dns_chars[256] = {
    CCLINK_DNS_C2,                                      /* 0x00 */
    CCLINK_DNS_C2,                                      /* 0x10 */
    2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1,     /* " !..-./" */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1,     /* "0-9:;<=>?" */
    1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,     /* "@A-O" */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0,     /* "P-Z[\\]^_" */
    1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,     /* "`a-o" */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2,     /* "p-z{|}~" */
    CCLINK_DNS_C2, CCLINK_DNS_C2, CCLINK_DNS_C2, CCLINK_DNS_C2,
    CCLINK_DNS_C2, CCLINK_DNS_C2, CCLINK_DNS_C2, CCLINK_DNS_C2
};


int
cclink_dns_zone_set(cclink_dns_zone_t *z, const char *text, size_t len)
{
    size_t   i, start, n;
    uint8_t  c;

    if (len && text[len - 1] == '.') {
        len--;
    }

    if (len > CCLINK_DNS_MAX_TEXT - 1) {
        return -1;
    }

    n = 0;
    start = 0;

    for (i = 0; i <= len; i++) {
        if (i < len && text[i] != '.') {
            continue;
        }

        if (i == start) {
            if (len == 0) {
                break;              /* the root zone */
            }

            return -1;              /* an empty label */
        }

        if (i - start > 63) {
            return -1;
        }

        z->wire[n++] = (uint8_t) (i - start);

        for ( /* void */ ; start < i; start++) {
            c = (uint8_t) text[start];
            if (c >= 'A' && c <= 'Z') {
                c = (uint8_t) (c + 32);
            }

            if (c <= ' ' || c >= 0x7f) {
                return -1;
            }

            z->wire[n++] = c;
            z->text[start] = (char) c;
        }

        start = i + 1;

        if (i < len) {
            z->text[i] = '.';
        }
    }

    z->wire[n++] = 0;
    z->wire_len = n;
    z->text[len] = '\0';

    return 0;
}


const char *
cclink_dns_rcode_name(int rcode)
{
    if (rcode >= 0 && rcode <= CCLINK_DNS_REFUSED) {
        return cclink_dns_rcode_names[rcode];
    }

    if (rcode == CCLINK_DNS_BADVERS) {
        return "BADVERS";
    }

    return "OTHER";
}


cclink_dns_action_e
cclink_dns_answer(const cclink_dns_conf_t *conf, const uint8_t *query,
    size_t len, size_t max, uint32_t serial, cclink_dns_match_pt match,
    void *data, uint8_t *out, cclink_dns_result_t *res)
{
    size_t               pos, qend;
    cclink_dns_plan_t    plan;
    cclink_dns_query_t   q;

    /* all but the name's room, which the text form fills */

    res->len = 0;
    res->rcode = -1;
    res->tc = 0;
    res->answers = 0;
    res->routed = 0;
    res->qtype = 0;
    res->name[0] = '\0';
    res->name_len = 0;

    /* 1. the header: dropped, or answered with a header only */

    if (len < CCLINK_DNS_HDR) {
        return CCLINK_DNS_DROP;
    }

    memset(&q, 0, sizeof(q));
    q.p = query;
    q.len = len;
    q.id = cclink_dns_u16(query);
    q.flags = cclink_dns_u16(query + 2);
    q.qdcount = cclink_dns_u16(query + 4);
    q.ancount = cclink_dns_u16(query + 6);
    q.nscount = cclink_dns_u16(query + 8);
    q.arcount = cclink_dns_u16(query + 10);

    /* a response: never answered, so that we reflect nothing */

    if (q.flags & CCLINK_DNS_QR) {
        return CCLINK_DNS_DROP;
    }

    if (q.flags & CCLINK_DNS_OPCODE) {
        return cclink_dns_header_only(&q, CCLINK_DNS_NOTIMP, out, res);
    }

    if (q.qdcount != 1) {
        return cclink_dns_header_only(&q, CCLINK_DNS_FORMERR, out, res);
    }

    /* 2. the question, then what follows it */

    pos = CCLINK_DNS_HDR;

    if (cclink_dns_parse_question(&q, &pos, res) != 0) {
        res->name[0] = '\0';
        res->name_len = 0;
        res->qtype = 0;
        return cclink_dns_header_only(&q, CCLINK_DNS_FORMERR, out, res);
    }

    qend = pos;

    memset(&plan, 0, sizeof(plan));

    if (q.ancount || q.nscount
        || cclink_dns_parse_additional(&q, &pos) != 0
        || pos != len)
    {
        plan.rcode = CCLINK_DNS_FORMERR;
    }

    /* 3. what to answer */

    if (plan.rcode == CCLINK_DNS_NOERROR
        && cclink_dns_decide(conf, &q, match, data, res, &plan)
           == CCLINK_DNS_FORWARD)
    {
        return CCLINK_DNS_FORWARD;
    }

    /* 4. the reply */

    cclink_dns_build(conf, &q, qend, cclink_dns_limit(&q, max), serial,
                     &plan, out, res);

    return CCLINK_DNS_REPLY;
}


/* the reply size limit: TCP's, or UDP's with the client's EDNS size */

static size_t
cclink_dns_limit(const cclink_dns_query_t *q, size_t max)
{
    size_t  limit;

    if (max >= CCLINK_DNS_TCP_SIZE) {
        return max;
    }

    limit = CCLINK_DNS_UDP_SIZE;

    if (q->edns && q->udp_size > limit) {
        limit = q->udp_size < CCLINK_DNS_EDNS_SIZE
                ? q->udp_size : CCLINK_DNS_EDNS_SIZE;
    }

    return limit;
}


/*
 * The answer to a well-formed query: BADVERS, REFUSED outside the zones,
 * the records of a routed name, forwarding, the apex, or NXDOMAIN.
 */

static cclink_dns_action_e
cclink_dns_decide(const cclink_dns_conf_t *conf, const cclink_dns_query_t *q,
    cclink_dns_match_pt match, void *data, cclink_dns_result_t *res,
    cclink_dns_plan_t *plan)
{
    int  rc;

    if (q->edns && q->version > 0) {
        plan->rcode = CCLINK_DNS_BADVERS;
        return CCLINK_DNS_REPLY;
    }

    if (q->qclass != CCLINK_DNS_IN
        || cclink_dns_find_zone(conf, q, &plan->zoff) != 0)
    {
        plan->rcode = CCLINK_DNS_REFUSED;
        return CCLINK_DNS_REPLY;
    }

    rc = 0;

    if (q->hostname) {
        rc = match(data, res->name, res->name_len);
    }

    if (rc < 0) {
        plan->rcode = CCLINK_DNS_SERVFAIL;
        return CCLINK_DNS_REPLY;
    }

    if (rc > 0) {
        res->routed = 1;
        plan->aa = 1;

        if (q->qtype == CCLINK_DNS_A
            || (q->qtype == CCLINK_DNS_ANY && conf->na))
        {
            plan->type = CCLINK_DNS_A;
            plan->an = (uint16_t) conf->na;

        } else if (q->qtype == CCLINK_DNS_AAAA
                   || q->qtype == CCLINK_DNS_ANY)
        {
            plan->type = CCLINK_DNS_AAAA;
            plan->an = (uint16_t) conf->naaaa;
        }

        if (plan->an == 0) {
            plan->ns = 1;               /* NODATA: the SOA */
        }

        return CCLINK_DNS_REPLY;
    }

    if (conf->forward) {
        return CCLINK_DNS_FORWARD;
    }

    plan->aa = 1;

    if (plan->zoff != 0) {
        plan->ns = 1;

        /*
         * NXDOMAIN denies every name below too (RFC 8020): a name that a
         * wildcard route covers children of gets NODATA
         */

        rc = cclink_dns_has_children(q, res, match, data);

        if (rc < 0) {
            plan->rcode = CCLINK_DNS_SERVFAIL;
            plan->ns = 0;

        } else if (rc == 0) {
            plan->rcode = CCLINK_DNS_NXDOMAIN;
        }

        return CCLINK_DNS_REPLY;
    }

    /* the zone's apex exists: its SOA, or NODATA */

    if (q->qtype == CCLINK_DNS_SOA || q->qtype == CCLINK_DNS_ANY) {
        plan->type = CCLINK_DNS_SOA;
        plan->an = 1;

    } else {
        plan->ns = 1;
    }

    return CCLINK_DNS_REPLY;
}


/*
 * Whether a routed name lies below the question's name, as far as one
 * probe shows: a child label in front of the name ("x.<name>") matched by
 * a wildcard ("*.<name>") or another route. 1, 0, or -1 (matcher error).
 */

static int
cclink_dns_has_children(const cclink_dns_query_t *q,
    const cclink_dns_result_t *res, cclink_dns_match_pt match, void *data)
{
    char  probe[CCLINK_DNS_MAX_TEXT + 1];

    if (!q->hostname || res->name_len + 2 > CCLINK_DNS_MAX_TEXT - 1) {
        return 0;
    }

    probe[0] = 'x';
    probe[1] = '.';
    memcpy(probe + 2, res->name, res->name_len);

    return match(data, probe, res->name_len + 2);
}


/*
 * Header, the question as received, the answer records, the SOA, our
 * OPT; when that exceeds the limit, header, question and OPT with TC.
 */

static void
cclink_dns_build(const cclink_dns_conf_t *conf, const cclink_dns_query_t *q,
    size_t qend, size_t limit, uint32_t serial, cclink_dns_plan_t *plan,
    uint8_t *out, cclink_dns_result_t *res)
{
    size_t               i;
    uint16_t             flags;
    uint32_t             neg;
    cclink_dns_writer_t  w;

    flags = plan->aa ? CCLINK_DNS_AA : 0;
    neg = conf->ttl < CCLINK_DNS_NEG_TTL ? conf->ttl : CCLINK_DNS_NEG_TTL;

    w.out = out;
    w.n = 0;
    w.full = 0;

    cclink_dns_header(&w, q, flags, plan->rcode & 0x0f, 1, plan->an,
                      plan->ns, q->edns ? 1 : 0);
    cclink_dns_put(&w, q->p + CCLINK_DNS_HDR, qend - CCLINK_DNS_HDR);

    for (i = 0; i < plan->an; i++) {
        if (plan->type == CCLINK_DNS_SOA) {
            cclink_dns_soa(&w, plan->zoff, neg, serial);
            continue;
        }

        cclink_dns_put16(&w, 0xc00c);
        cclink_dns_put16(&w, plan->type);
        cclink_dns_put16(&w, CCLINK_DNS_IN);
        cclink_dns_put32(&w, conf->ttl);

        if (plan->type == CCLINK_DNS_A) {
            cclink_dns_put16(&w, 4);
            cclink_dns_put(&w, conf->a[i], 4);

        } else {
            cclink_dns_put16(&w, 16);
            cclink_dns_put(&w, conf->aaaa[i], 16);
        }
    }

    if (plan->ns) {
        cclink_dns_soa(&w, plan->zoff, neg, serial);
    }

    if (q->edns) {
        cclink_dns_opt(&w, q, plan->rcode);
    }

    if (w.full || w.n > limit) {
        w.n = 0;
        w.full = 0;
        cclink_dns_header(&w, q, flags | CCLINK_DNS_TC, plan->rcode & 0x0f,
                          1, 0, 0, q->edns ? 1 : 0);
        cclink_dns_put(&w, q->p + CCLINK_DNS_HDR, qend - CCLINK_DNS_HDR);

        if (q->edns) {
            cclink_dns_opt(&w, q, plan->rcode);
        }

        res->tc = 1;
        plan->an = 0;
    }

    res->len = w.n;
    res->rcode = plan->rcode;
    res->answers = res->routed ? plan->an : 0;
}


static uint16_t
cclink_dns_u16(const uint8_t *p)
{
    return (uint16_t) ((p[0] << 8) | p[1]);
}


/*
 * QNAME (labels only: a pointer in a query's question has nothing before
 * it to point to), QTYPE, QCLASS; also the text form of the name.
 */

static int
cclink_dns_parse_question(cclink_dns_query_t *q, size_t *pos,
    cclink_dns_result_t *res)
{
    size_t          p, n, i;
    uint8_t         l, c, cls, *dst;
    const uint8_t  *src;

    p = *pos;
    n = 0;
    q->hostname = 1;

    for ( ;; ) {
        if (p >= q->len) {
            return -1;
        }

        l = q->p[p];

        if (l & 0xc0) {
            return -1;              /* a pointer or a reserved label type */
        }

        if (p + 1 + l - *pos > CCLINK_DNS_MAX_NAME) {
            return -1;
        }

        q->labels[(p - *pos) >> 6] |= (uint64_t) 1 << ((p - *pos) & 63);

        if (l == 0) {
            p++;
            break;
        }

        if (p + 1 + l > q->len) {
            return -1;
        }

        if (n) {
            res->name[n++] = '.';
        }

        /* copied as is, then looked at again only when not a hostname's */

        src = q->p + p + 1;
        dst = (uint8_t *) res->name + n;
        cls = 0;

        for (i = 0; i < l; i++) {
            c = src[i];
            cls |= cclink_dns_chars[c];
            dst[i] = c;
        }

        if (cls) {
            q->hostname = 0;

            for (i = 0; i < l; i++) {
                if (cclink_dns_chars[dst[i]] == 2) {
                    dst[i] = '?';   /* for logs only */
                }
            }
        }

        n += l;
        p += 1 + l;
    }

    if (n == 0) {
        res->name[n++] = '.';
        q->hostname = 0;
    }

    res->name[n] = '\0';
    res->name_len = n;
    q->qname_len = p - *pos;

    if (p + 4 > q->len) {
        return -1;
    }

    q->qtype = cclink_dns_u16(q->p + p);
    q->qclass = cclink_dns_u16(q->p + p + 2);
    res->qtype = q->qtype;

    *pos = p + 4;

    return 0;
}


/* the additional section: at most one OPT, other records skipped */

static int
cclink_dns_parse_additional(cclink_dns_query_t *q, size_t *pos)
{
    int       root;
    size_t    p, rdlen, o;
    uint16_t  i, type;

    p = *pos;

    for (i = 0; i < q->arcount; i++) {
        if (cclink_dns_skip_name(q, &p, &root) != 0) {
            return -1;
        }

        if (p + 10 > q->len) {
            return -1;
        }

        type = cclink_dns_u16(q->p + p);
        rdlen = cclink_dns_u16(q->p + p + 8);

        if (p + 10 + rdlen > q->len) {
            return -1;
        }

        if (type == CCLINK_DNS_OPT) {
            if (!root || q->edns) {
                return -1;
            }

            q->edns = 1;
            q->udp_size = cclink_dns_u16(q->p + p + 2);
            q->version = q->p[p + 5];
            q->dnssec_ok = (q->p[p + 6] & 0x80) != 0;

            /* options: {code, length, value}, exactly filling RDATA */

            o = 0;

            while (o < rdlen) {
                if (o + 4 > rdlen) {
                    return -1;
                }

                o += 4 + cclink_dns_u16(q->p + p + 12 + o);

                if (o > rdlen) {
                    return -1;
                }
            }
        }

        p += 10 + rdlen;
    }

    *pos = p;

    return 0;
}


/* a name in a record: labels, ended by the root label or a pointer */

static int
cclink_dns_skip_name(const cclink_dns_query_t *q, size_t *pos, int *root)
{
    size_t   p;
    uint8_t  l;

    p = *pos;
    *root = (p < q->len && q->p[p] == 0);

    for ( ;; ) {
        if (p >= q->len || p - *pos >= CCLINK_DNS_MAX_NAME) {
            return -1;
        }

        l = q->p[p];

        if ((l & 0xc0) == 0xc0) {
            if (p + 2 > q->len) {
                return -1;
            }

            p += 2;
            break;
        }

        if (l & 0xc0) {
            return -1;
        }

        p += 1 + l;

        if (l == 0) {
            break;
        }
    }

    if (p > q->len) {
        return -1;
    }

    *pos = p;

    return 0;
}


/*
 * Finds the longest zone the question's name is in (compared ASCII-case-
 * insensitively, from a label of the name on); *zoff is where the zone
 * starts in the name. Returns 0, or -1 when the name is in none.
 */

static int
cclink_dns_find_zone(const cclink_dns_conf_t *conf,
    const cclink_dns_query_t *q, size_t *zoff)
{
    int             found;
    size_t          off, i, z, n;
    uint8_t         c;
    const uint8_t  *name, *wire;

    name = q->p + CCLINK_DNS_HDR;
    found = 0;

    /* each zone is compared where it would start: at a label, if at all */

    for (z = 0; z < conf->nzones; z++) {
        n = conf->zones[z].wire_len;
        wire = conf->zones[z].wire;

        if (n > q->qname_len) {
            continue;
        }

        off = q->qname_len - n;

        if (!(q->labels[off >> 6] & ((uint64_t) 1 << (off & 63)))
            || (found && off >= *zoff))
        {
            continue;
        }

        /* most names come in lower case: compared as they are first */

        if (memcmp(name + off, wire, n) != 0) {

            for (i = 0; i < n; i++) {
                c = name[off + i];
                if (c >= 'A' && c <= 'Z') {
                    c = (uint8_t) (c + 32);
                }

                if (c != wire[i]) {
                    break;
                }
            }

            if (i != n) {
                continue;
            }
        }

        *zoff = off;
        found = 1;
    }

    return found ? 0 : -1;
}


static void
cclink_dns_put(cclink_dns_writer_t *w, const void *p, size_t n)
{
    if (w->full || n > CCLINK_DNS_MAX_REPLY - w->n) {
        w->full = 1;
        return;
    }

    memcpy(w->out + w->n, p, n);
    w->n += n;
}


static void
cclink_dns_put16(cclink_dns_writer_t *w, uint16_t v)
{
    if (w->full || 2 > CCLINK_DNS_MAX_REPLY - w->n) {
        w->full = 1;
        return;
    }

    w->out[w->n] = (uint8_t) (v >> 8);
    w->out[w->n + 1] = (uint8_t) v;
    w->n += 2;
}


static void
cclink_dns_put32(cclink_dns_writer_t *w, uint32_t v)
{
    if (w->full || 4 > CCLINK_DNS_MAX_REPLY - w->n) {
        w->full = 1;
        return;
    }

    w->out[w->n] = (uint8_t) (v >> 24);
    w->out[w->n + 1] = (uint8_t) (v >> 16);
    w->out[w->n + 2] = (uint8_t) (v >> 8);
    w->out[w->n + 3] = (uint8_t) v;
    w->n += 4;
}


/*
 * ID and RD copied, opcode and CD too; RA and AD never set. The header
 * starts every reply: written at out[0] (w->n is 0), it always fits.
 */

static void
cclink_dns_header(cclink_dns_writer_t *w, const cclink_dns_query_t *q,
    uint16_t flags, int rcode, uint16_t qd, uint16_t an, uint16_t ns,
    uint16_t ar)
{
    uint8_t  *h;

    flags |= CCLINK_DNS_QR
             | (q->flags & (CCLINK_DNS_OPCODE | CCLINK_DNS_RD | CCLINK_DNS_CD))
             | (uint16_t) (rcode & 0x0f);

    h = w->out;

    h[0] = (uint8_t) (q->id >> 8);
    h[1] = (uint8_t) q->id;
    h[2] = (uint8_t) (flags >> 8);
    h[3] = (uint8_t) flags;
    h[4] = (uint8_t) (qd >> 8);
    h[5] = (uint8_t) qd;
    h[6] = (uint8_t) (an >> 8);
    h[7] = (uint8_t) an;
    h[8] = (uint8_t) (ns >> 8);
    h[9] = (uint8_t) ns;
    h[10] = (uint8_t) (ar >> 8);
    h[11] = (uint8_t) ar;

    w->n = CCLINK_DNS_HDR;
}


/* our OPT: our UDP size, the extended rcode, version 0, DO copied */

static void
cclink_dns_opt(cclink_dns_writer_t *w, const cclink_dns_query_t *q,
    int rcode)
{
    uint8_t  opt[11];

    opt[0] = 0;
    opt[1] = 0;
    opt[2] = CCLINK_DNS_OPT;
    opt[3] = (uint8_t) (CCLINK_DNS_EDNS_SIZE >> 8);
    opt[4] = (uint8_t) CCLINK_DNS_EDNS_SIZE;
    opt[5] = (uint8_t) (rcode >> 4);
    opt[6] = 0;
    opt[7] = q->dnssec_ok ? 0x80 : 0;
    opt[8] = 0;
    opt[9] = 0;
    opt[10] = 0;

    cclink_dns_put(w, opt, sizeof(opt));
}


/*
 * The zone's SOA, owner and MNAME pointing at the zone inside the
 * question: "zone SOA zone hostmaster.zone serial 3600 600 86400 neg"
 */

static void
cclink_dns_soa(cclink_dns_writer_t *w, size_t zoff, uint32_t ttl,
    uint32_t serial)
{
    uint16_t  ptr;

    ptr = (uint16_t) (0xc000 | (CCLINK_DNS_HDR + zoff));

    cclink_dns_put16(w, ptr);
    cclink_dns_put16(w, CCLINK_DNS_SOA);
    cclink_dns_put16(w, CCLINK_DNS_IN);
    cclink_dns_put32(w, ttl);
    cclink_dns_put16(w, 2 + 13 + 20);
    cclink_dns_put16(w, ptr);
    cclink_dns_put(w, "\012hostmaster", 11);
    cclink_dns_put16(w, ptr);
    cclink_dns_put32(w, serial);
    cclink_dns_put32(w, 3600);
    cclink_dns_put32(w, 600);
    cclink_dns_put32(w, 86400);
    cclink_dns_put32(w, ttl);
}


/* a reply of a header only: NOTIMP, or FORMERR for an unparsed question */

static cclink_dns_action_e
cclink_dns_header_only(const cclink_dns_query_t *q, int rcode,
    uint8_t *out, cclink_dns_result_t *res)
{
    cclink_dns_writer_t  w;

    w.out = out;
    w.n = 0;
    w.full = 0;

    cclink_dns_header(&w, q, 0, rcode, 0, 0, 0, 0);

    res->len = w.n;
    res->rcode = rcode;

    return CCLINK_DNS_REPLY;
}
