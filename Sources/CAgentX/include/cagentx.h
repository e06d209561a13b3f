// The narrow C interface between Swift and net-snmp's agent library.
//
// This header deliberately includes no net-snmp header: net-snmp-config.h
// defines _GNU_SOURCE, which breaks Swift modules that also see Glibc.
// Every function is a thin wrapper; the logic lives in Swift.
#ifndef CAGENTX_H
#define CAGENTX_H

#include <stddef.h>
#include <stdint.h>

/// SMI value types a reply can carry (the numbers are net-snmp's ASN_* tags).
enum cagentx_type {
    CAGENTX_INTEGER = 0x02,
    CAGENTX_OCTET_STRING = 0x04,
    CAGENTX_OBJECT_ID = 0x06,
    CAGENTX_IPADDRESS = 0x40,
    CAGENTX_COUNTER32 = 0x41,
    CAGENTX_GAUGE32 = 0x42,
    CAGENTX_TIMETICKS = 0x43,
    CAGENTX_COUNTER64 = 0x46,
};

/// The two exceptions a GET can answer with.
enum cagentx_exception {
    CAGENTX_NO_SUCH_OBJECT = 0,
    CAGENTX_NO_SUCH_INSTANCE = 1,
};

/// One varbind of a request being answered (wraps netsnmp_request_info).
typedef struct cagentx_request cagentx_request;

/// Called on the net-snmp thread once per varbind: `is_next` is 0 for GET and
/// 1 for GETNEXT (GETBULK arrives as repeated GETNEXTs). The callee answers
/// with one cagentx_reply_* call, or none to pass a GETNEXT on.
typedef void (*cagentx_request_fn)(void *context, cagentx_request *request, int is_next,
                                   const uint32_t *name, size_t name_length);

/// Receives net-snmp's own log lines (syslog priorities).
typedef void (*cagentx_log_fn)(int priority, const char *message);

/// Told when the AgentX session to the master opens (1) or closes (0).
typedef void (*cagentx_master_fn)(int connected);

/// Configures the subagent role, routes net-snmp's logging to `log` and
/// master session changes to `master`. `agentx_socket` may be NULL for
/// net-snmp's default. Returns 0 on success.
int cagentx_init(const char *app, const char *agentx_socket, cagentx_log_fn log,
                 cagentx_master_fn master);

/// Configures the master role instead: the process serves SNMP itself on
/// `listen` (snmpd's agentaddress syntax; NULL for the configuration file's
/// or net-snmp's default), with access from app.conf's rocommunity, rouser,
/// view … lines and engine state kept in `persistent_dir`. Returns 0 on success.
int cagentx_init_master(const char *app, const char *listen, const char *persistent_dir, cagentx_log_fn log);

/// Sets how often (seconds) the subagent pings the master; the ping is what
/// reconnects it after the master restarts. Call after cagentx_init.
void cagentx_set_ping_interval(int seconds);

/// Registers a read-only handler for the subtree at `root`. Returns 0 on success.
int cagentx_register_subtree(const char *name, const uint32_t *root, size_t root_length,
                             cagentx_request_fn fn, void *context);

/// The phases of a SET, as net-snmp's handler modes run them for each varbind:
/// check (RESERVE1: type, value, access), check against state (RESERVE2),
/// action, commit; free or undo when another varbind of the request failed.
enum cagentx_set_phase {
    CAGENTX_SET_CHECK = 0,
    CAGENTX_SET_CHECK_STATE = 1,
    CAGENTX_SET_ACTION = 2,
    CAGENTX_SET_COMMIT = 3,
    CAGENTX_SET_FREE = 4,
    CAGENTX_SET_UNDO = 5,
};

/// Who sent a SET, as the request's PDU says: SNMP's security model (1 v1,
/// 2 v2c, 3 USM; what an AgentX subagent sees is the master's business, not
/// the manager's), level (1 noAuth, 2 authNoPriv, 3 authPriv) and name.
struct cagentx_principal {
    int security_model;
    int security_level;
    const char *security_name;
    size_t security_name_length;
};

/// Called on the net-snmp thread once per varbind of a SET and phase; returns
/// the varbind's SNMP error status (0 for none). Must not wait.
typedef int (*cagentx_set_fn)(void *context, enum cagentx_set_phase phase, const uint32_t *name, size_t name_length,
                              int type, int64_t integer, const uint8_t *octets, size_t octets_length,
                              const struct cagentx_principal *principal);

/// Registers a read-write handler for the subtree at `root` in SNMP context
/// `context_name` (NULL or "" for the default context): GET and GETNEXT go to
/// `fn`, SETs to `set_fn`. Returns 0 on success.
int cagentx_register_writable_subtree(const char *name, const char *context_name, const uint32_t *root,
                                      size_t root_length, cagentx_request_fn fn, cagentx_set_fn set_fn,
                                      void *context);

/// Reads `app`.conf and connects to the master (init_snmp).
void cagentx_start(const char *app);

/// Master role: reads app.conf and opens the listening ports; -1 when none
/// could be opened (address in use, no permission).
int cagentx_start_master(const char *app);

/// Handles pending SNMP traffic; blocks until something happens or a timer
/// is due when `block` is non-zero (agent_check_and_process).
int cagentx_process(int block);

/// Makes a blocked cagentx_process return. Async-signal-safe.
void cagentx_wake(void);

/// 1 while an AgentX session to the master is open.
int cagentx_is_connected(void);

/// Unregisters every subtree and shuts net-snmp down (snmp_shutdown).
void cagentx_shutdown(const char *app);

/// Answers with an integer-valued type (INTEGER, Counter32, Gauge32, TimeTicks).
void cagentx_reply_integer(cagentx_request *request, const uint32_t *name, size_t name_length,
                           enum cagentx_type type, int64_t value);
/// Answers with a Counter64.
void cagentx_reply_counter64(cagentx_request *request, const uint32_t *name, size_t name_length,
                             uint64_t value);
/// Answers with an OCTET STRING or IpAddress.
void cagentx_reply_octets(cagentx_request *request, const uint32_t *name, size_t name_length,
                          enum cagentx_type type, const uint8_t *bytes, size_t length);
/// Answers with an OBJECT IDENTIFIER.
void cagentx_reply_oid(cagentx_request *request, const uint32_t *name, size_t name_length,
                       const uint32_t *value, size_t value_length);
/// Answers a GET with noSuchObject or noSuchInstance.
void cagentx_reply_exception(cagentx_request *request, enum cagentx_exception exception);

/// Receives one line of the configuration file for a registered token.
typedef void (*cagentx_config_fn)(const char *token, const char *value);

/// Registers `token` as a keyword of `app`.conf (net-snmp reads the file in
/// init_snmp and again on cagentx_reread_config); lines go to `fn`.
int cagentx_config_token(const char *token, const char *usage, cagentx_config_fn fn);
/// Reports a bad configuration line; net-snmp adds the file and line number.
void cagentx_config_error(const char *message);
/// Makes net-snmp read `path` as well (like snmpd -c).
void cagentx_config_file(const char *path);
/// Settings given on the command line, re-applied after every configuration
/// read so they win over the file. NULL / 0 leave the file's value.
void cagentx_command_line(const char *agentx_socket, int ping_interval);
/// Reads the configuration files again (SIGHUP): update_config().
void cagentx_reread_config(void);

/// Notifications, built one varbind at a time and sent from the net-snmp
/// thread: begin with the notification's OID, add its objects (with their
/// row indexes), then send. The master adds sysUpTime.0.
void cagentx_notification_begin(const uint32_t *oid, size_t length);
void cagentx_notification_add_integer(const uint32_t *name, size_t name_length,
                                      enum cagentx_type type, int64_t value);
void cagentx_notification_add_counter64(const uint32_t *name, size_t name_length, uint64_t value);
void cagentx_notification_add_octets(const uint32_t *name, size_t name_length,
                                     const uint8_t *bytes, size_t length);
/// Sends the notification begun last (send_v2trap) and frees its varbinds.
void cagentx_notification_send(void);

#endif
