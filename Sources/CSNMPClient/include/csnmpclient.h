// The narrow C interface between Swift and net-snmp's client library, for
// `virt-agentx check` and `show` over SNMP.
//
// Like cagentx.h, this header includes no net-snmp header (net-snmp-config.h
// defines _GNU_SOURCE, which breaks Swift modules that also see Glibc).
#ifndef CSNMPCLIENT_H
#define CSNMPCLIENT_H

#include <stddef.h>
#include <stdint.h>

/// How a request ended.
enum csnmp_status {
    CSNMP_OK = 0,
    /// No answer within the session's timeout and retries.
    CSNMP_TIMEOUT = 1,
    /// SNMPv3: wrong passphrase, protocol or security level.
    CSNMP_AUTHENTICATION = 2,
    /// SNMPv3: the agent knows no such user.
    CSNMP_UNKNOWN_USER = 3,
    /// Anything else net-snmp reports (name resolution, sockets, encoding).
    CSNMP_FAILURE = 4,
    /// The agent answered with a non-zero error-status.
    CSNMP_ERROR_STATUS = 5,
};

/// Value kinds of a varbind in a response (net-snmp's ASN_* tags).
enum csnmp_kind {
    CSNMP_INTEGER = 0x02,
    CSNMP_OCTET_STRING = 0x04,
    CSNMP_NULL = 0x05,
    CSNMP_OBJECT_ID = 0x06,
    CSNMP_IPADDRESS = 0x40,
    CSNMP_COUNTER32 = 0x41,
    CSNMP_GAUGE32 = 0x42,
    CSNMP_TIMETICKS = 0x43,
    CSNMP_OPAQUE = 0x44,
    CSNMP_COUNTER64 = 0x46,
    CSNMP_NO_SUCH_OBJECT = 0x80,
    CSNMP_NO_SUCH_INSTANCE = 0x81,
    CSNMP_END_OF_MIB_VIEW = 0x82,
};

/// One varbind of a response, valid only during the callback.
typedef struct {
    const uint32_t *name;
    size_t name_length;
    int kind;
    /// INTEGER (signed), Counter32, Gauge32, TimeTicks, Counter64.
    int64_t integer;
    uint64_t unsigned_value;
    /// OCTET STRING and IpAddress bytes; for OBJECT IDENTIFIER, `oid_value`.
    const uint8_t *bytes;
    size_t bytes_length;
    const uint32_t *oid_value;
    size_t oid_value_length;
} csnmp_varbind;

typedef void (*csnmp_varbind_fn)(void *context, const csnmp_varbind *varbind);

/// An open session (net-snmp's single-session API, so no global session list).
typedef struct csnmp_session csnmp_session;

/// Opens a session from arguments exactly as net-snmp's command-line tools take
/// them (`-v 3 -u name -l authPriv -a SHA -A pass ... AGENT`), so every option
/// means what it means to snmpget. NULL with `message` filled on failure.
csnmp_session *csnmp_open(int argc, const char *const *argv, char *message, size_t message_size);

/// One GETBULK (GETNEXT for SNMPv1) for the varbinds after each of `count`
/// names (one column each, as snmptable asks); calls `each` once per varbind of
/// the response in order: repetition by repetition, the names' in turn.
/// Returns a csnmp_status.
int csnmp_get_bulk(csnmp_session *session, const uint32_t *const *names, const size_t *name_lengths, size_t count,
                   int max_repetitions, csnmp_varbind_fn each, void *context,
                   char *message, size_t message_size);

/// One GET (`next` 0) or GETNEXT (`next` 1) of a single varbind; calls `each`
/// with the answer. Returns a csnmp_status.
int csnmp_get(csnmp_session *session, const uint32_t *name, size_t name_length, int next,
              csnmp_varbind_fn each, void *context, char *message, size_t message_size);

void csnmp_close(csnmp_session *session);

#endif
