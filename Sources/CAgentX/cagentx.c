// Thin wrappers over net-snmp's agent library. No policy lives here: each
// function does what its name says and returns.
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>
#include <net-snmp/agent/agent_callbacks.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "cagentx.h"

struct cagentx_request {
    netsnmp_agent_request_info *info;
    netsnmp_request_info *request;
    int is_next;
};

struct registration {
    netsnmp_handler_registration *handler;
    cagentx_request_fn fn;
    cagentx_set_fn set_fn;
    void *context;
};

#define MAX_REGISTRATIONS 12
static struct registration registrations[MAX_REGISTRATIONS];
static int registration_count;
static int wake_pipe[2] = {-1, -1};
static cagentx_log_fn log_fn;
static cagentx_master_fn master_fn;
static int master_connected;

static int forward_log(int major, int minor, void *server_arg, void *client_arg) {
    (void)major; (void)minor; (void)client_arg;
    const struct snmp_log_message *message = server_arg;
    if (log_fn != NULL && message != NULL && message->msg != NULL)
        log_fn(message->priority, message->msg);
    return SNMP_ERR_NOERROR;
}

// The subagent announces its AgentX session opening and closing with these
// two application callbacks (agent/mibgroup/agentx/subagent.c).
static int master_session_changed(int major, int minor, void *server_arg, void *client_arg) {
    (void)major; (void)server_arg; (void)client_arg;
    master_connected = minor == SNMPD_CALLBACK_INDEX_START;
    if (master_fn != NULL)
        master_fn(master_connected);
    return SNMP_ERR_NOERROR;
}

static void drain_wake_pipe(int fd, void *unused) {
    (void)unused;
    char buffer[64];
    while (read(fd, buffer, sizeof buffer) > 0) {}
}

static void route_logging(cagentx_log_fn log) {
    log_fn = log;
    netsnmp_register_loghandler(NETSNMP_LOGHANDLER_CALLBACK, LOG_DEBUG);
    snmp_register_callback(SNMP_CALLBACK_LIBRARY, SNMP_CALLBACK_LOGGING, forward_log, NULL);
    // The agent deals in numeric OIDs only: parsing MIB files would cost
    // start-up time and print warnings for every module net-snmp lacks.
    setenv("MIBS", "", 1);
}

// Debian's libnetsnmpagent carries the SMUX module (RFC 1227), and a master's
// init_master_agent() opens its TCP listener -- port 199 on every address, as
// net-snmp is built without --enable-local-smux -- unless "smux" is on the
// list of modules not to initialise. The agent serves no SMUX peer, so it puts
// it there before init_agent(), as snmpd's `-I -smux` does: no listener, and
// no smuxpeer / smuxsocket keywords. It then opens only the sockets its
// configuration names.
static void exclude_smux(void) {
    char modules[] = "-smux";   // add_to_init_list tokenises its argument in place
    add_to_init_list(modules);
}

static int open_wake_pipe(void) {
    if (pipe2(wake_pipe, O_NONBLOCK | O_CLOEXEC) != 0)
        return -1;
    if (register_readfd(wake_pipe[0], drain_wake_pipe, NULL) != FD_REGISTERED_OK)
        return -1;
    return 0;
}

int cagentx_init(const char *app, const char *agentx_socket, cagentx_log_fn log,
                 cagentx_master_fn master) {
    route_logging(log);
    master_fn = master;
    snmp_register_callback(SNMP_CALLBACK_APPLICATION, SNMPD_CALLBACK_INDEX_START,
                           master_session_changed, NULL);
    snmp_register_callback(SNMP_CALLBACK_APPLICATION, SNMPD_CALLBACK_INDEX_STOP,
                           master_session_changed, NULL);

    netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 1);
    if (agentx_socket != NULL)
        netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_X_SOCKET, agentx_socket);
    // A subagent has no engine state worth keeping; never write /var/lib/snmp.
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
    exclude_smux();
    if (init_agent(app) != 0)
        return -1;
    return open_wake_pipe();
}

// Exported by libnetsnmpagent (agent/mibgroup/mibII/vacm_conf.c), whose
// header Debian does not install.
void init_vacm_conf(void);

int cagentx_init_master(const char *app, const char *listen, const char *persistent_dir, cagentx_log_fn log) {
    route_logging(log);
    netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 0);
    // net-snmp would log every request's source address; the request path must not log.
    netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_DONT_LOG_TCPWRAPPERS_CONNECTS, 1);
    if (listen != NULL)
        netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_PORTS, listen);
    // A master keeps its SNMPv3 engine boots and localised user keys, as snmpd does.
    if (persistent_dir != NULL) {
        netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_PERSISTENT_DIR, persistent_dir);
    } else {
        netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
        netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
        netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
    }
    exclude_smux();
    if (init_agent(app) != 0)
        return -1;
    // The access-control keywords of snmpd.conf (rocommunity, rouser, view,
    // com2sec, group, access), read from app.conf.
    init_vacm_conf();
    return open_wake_pipe();
}

void cagentx_set_ping_interval(int seconds) {
    netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_PING_INTERVAL, seconds);
}

// The varbind's name as 32-bit sub-identifiers (net-snmp's oid is a long); returns its length.
static size_t copy_name(const netsnmp_variable_list *vb, uint32_t name[MAX_OID_LEN]) {
    size_t length = vb->name_length < MAX_OID_LEN ? vb->name_length : MAX_OID_LEN;
    for (size_t i = 0; i < length; i++)
        name[i] = (uint32_t)vb->name[i];
    return length;
}

static enum cagentx_set_phase set_phase(int mode) {
    switch (mode) {
    case MODE_SET_RESERVE1: return CAGENTX_SET_CHECK;
    case MODE_SET_RESERVE2: return CAGENTX_SET_CHECK_STATE;
    case MODE_SET_ACTION: return CAGENTX_SET_ACTION;
    case MODE_SET_COMMIT: return CAGENTX_SET_COMMIT;
    case MODE_SET_FREE: return CAGENTX_SET_FREE;
    default: return CAGENTX_SET_UNDO;
    }
}

static void handle_set(struct registration *registration, netsnmp_agent_request_info *info,
                       netsnmp_request_info *requests) {
    netsnmp_pdu *pdu = info->asp != NULL ? info->asp->pdu : NULL;
    struct cagentx_principal principal = {
        .security_model = pdu != NULL ? pdu->securityModel : -1,
        .security_level = pdu != NULL ? pdu->securityLevel : 0,
        .security_name = pdu != NULL ? pdu->securityName : NULL,
        .security_name_length = pdu != NULL && pdu->securityName != NULL ? pdu->securityNameLen : 0,
    };
    enum cagentx_set_phase phase = set_phase(info->mode);
    for (netsnmp_request_info *r = requests; r != NULL; r = r->next) {
        if (r->processed || (r->status != SNMP_ERR_NOERROR && phase != CAGENTX_SET_FREE && phase != CAGENTX_SET_UNDO))
            continue;
        netsnmp_variable_list *vb = r->requestvb;
        uint32_t name[MAX_OID_LEN];
        size_t length = copy_name(vb, name);
        int64_t integer = 0;
        if (vb->val.integer != NULL && (vb->type == ASN_INTEGER || vb->type == ASN_UNSIGNED || vb->type == ASN_COUNTER
                                        || vb->type == ASN_TIMETICKS) && vb->val_len >= sizeof(long))
            integer = *vb->val.integer;
        const uint8_t *octets = vb->type == ASN_OCTET_STR ? vb->val.string : NULL;
        size_t octets_length = octets != NULL ? vb->val_len : 0;
        int status = registration->set_fn(registration->context, phase, name, length, vb->type, integer,
                                          octets, octets_length, &principal);
        if (status != SNMP_ERR_NOERROR)
            netsnmp_set_request_error(info, r, status);
    }
}

static int handle_requests(netsnmp_mib_handler *handler, netsnmp_handler_registration *reginfo,
                           netsnmp_agent_request_info *info, netsnmp_request_info *requests) {
    (void)handler;
    struct registration *registration = reginfo->my_reg_void;
    if (registration->set_fn != NULL && info->mode != MODE_GET && info->mode != MODE_GETNEXT
        && info->mode != MODE_GETBULK) {
        handle_set(registration, info, requests);
        return SNMP_ERR_NOERROR;
    }
    if (info->mode != MODE_GET && info->mode != MODE_GETNEXT)
        return SNMP_ERR_NOERROR;
    for (netsnmp_request_info *r = requests; r != NULL; r = r->next) {
        if (r->processed)
            continue;
        netsnmp_variable_list *vb = r->requestvb;
        uint32_t name[MAX_OID_LEN];
        size_t length = copy_name(vb, name);
        struct cagentx_request request = { info, r, info->mode == MODE_GETNEXT };
        registration->fn(registration->context, &request, request.is_next, name, length);
    }
    return SNMP_ERR_NOERROR;
}

static int register_subtree(const char *name, const char *context_name, const uint32_t *root, size_t root_length,
                            cagentx_request_fn fn, cagentx_set_fn set_fn, void *context) {
    if (registration_count == MAX_REGISTRATIONS || root_length > MAX_OID_LEN)
        return -1;
    oid root_oid[MAX_OID_LEN];
    for (size_t i = 0; i < root_length; i++)
        root_oid[i] = root[i];
    struct registration *registration = &registrations[registration_count];
    registration->fn = fn;
    registration->set_fn = set_fn;
    registration->context = context;
    registration->handler = netsnmp_create_handler_registration(
        name, handle_requests, root_oid, root_length, set_fn != NULL ? HANDLER_CAN_RWRITE : HANDLER_CAN_RONLY);
    if (registration->handler == NULL)
        return -1;
    if (context_name != NULL && context_name[0] != '\0')
        registration->handler->contextName = strdup(context_name);
    registration->handler->my_reg_void = registration;
    if (netsnmp_register_handler(registration->handler) != MIB_REGISTERED_OK)
        return -1;
    registration_count++;
    return 0;
}

int cagentx_register_subtree(const char *name, const uint32_t *root, size_t root_length,
                             cagentx_request_fn fn, void *context) {
    return register_subtree(name, NULL, root, root_length, fn, NULL, context);
}

int cagentx_register_writable_subtree(const char *name, const char *context_name, const uint32_t *root,
                                      size_t root_length, cagentx_request_fn fn, cagentx_set_fn set_fn,
                                      void *context) {
    return register_subtree(name, context_name, root, root_length, fn, set_fn, context);
}

void cagentx_start(const char *app) {
    init_snmp(app);
}

int cagentx_start_master(const char *app) {
    init_snmp(app);
    if (init_master_agent() != 0)
        return -1;
    master_connected = 1;
    return 0;
}

int cagentx_process(int block) {
    return agent_check_and_process(block);
}

void cagentx_wake(void) {
    if (wake_pipe[1] >= 0) {
        int saved = errno;
        (void)!write(wake_pipe[1], "", 1);
        errno = saved;
    }
}

int cagentx_is_connected(void) {
    return master_connected;
}

void cagentx_shutdown(const char *app) {
    for (int i = 0; i < registration_count; i++) {
        netsnmp_handler_registration *h = registrations[i].handler;
        unregister_mib_context(h->rootoid, h->rootoid_len, h->priority,
                               h->range_subid, h->range_ubound, h->contextName);
    }
    registration_count = 0;
    snmp_shutdown(app);
    if (wake_pipe[0] >= 0) {
        unregister_readfd(wake_pipe[0]);
        close(wake_pipe[0]);
        close(wake_pipe[1]);
        wake_pipe[0] = wake_pipe[1] = -1;
    }
}

static void set_name(cagentx_request *request, const uint32_t *name, size_t length) {
    if (!request->is_next)
        return;
    oid name_oid[MAX_OID_LEN];
    if (length > MAX_OID_LEN)
        length = MAX_OID_LEN;
    for (size_t i = 0; i < length; i++)
        name_oid[i] = name[i];
    snmp_set_var_objid(request->request->requestvb, name_oid, length);
}

void cagentx_reply_integer(cagentx_request *request, const uint32_t *name, size_t name_length,
                           enum cagentx_type type, int64_t value) {
    set_name(request, name, name_length);
    if (type == CAGENTX_INTEGER) {
        long v = (long)value;
        snmp_set_var_typed_value(request->request->requestvb, (u_char)type, &v, sizeof v);
    } else {
        u_long v = (u_long)value;
        snmp_set_var_typed_value(request->request->requestvb, (u_char)type, &v, sizeof v);
    }
}

void cagentx_reply_counter64(cagentx_request *request, const uint32_t *name, size_t name_length,
                             uint64_t value) {
    set_name(request, name, name_length);
    struct counter64 v = { .high = value >> 32, .low = value & 0xffffffffu };
    snmp_set_var_typed_value(request->request->requestvb, ASN_COUNTER64, &v, sizeof v);
}

void cagentx_reply_octets(cagentx_request *request, const uint32_t *name, size_t name_length,
                          enum cagentx_type type, const uint8_t *bytes, size_t length) {
    set_name(request, name, name_length);
    snmp_set_var_typed_value(request->request->requestvb, (u_char)type, bytes, length);
}

void cagentx_reply_oid(cagentx_request *request, const uint32_t *name, size_t name_length,
                       const uint32_t *value, size_t value_length) {
    set_name(request, name, name_length);
    oid v[MAX_OID_LEN];
    if (value_length > MAX_OID_LEN)
        value_length = MAX_OID_LEN;
    for (size_t i = 0; i < value_length; i++)
        v[i] = value[i];
    snmp_set_var_typed_value(request->request->requestvb, ASN_OBJECT_ID, v, value_length * sizeof(oid));
}

void cagentx_reply_exception(cagentx_request *request, enum cagentx_exception exception) {
    int code = exception == CAGENTX_NO_SUCH_INSTANCE ? SNMP_NOSUCHINSTANCE : SNMP_NOSUCHOBJECT;
    netsnmp_set_request_error(request->info, request->request, code);
}

// The notification being built: snmpTrapOID.0 first, then its objects.
static netsnmp_variable_list *notification;

static void to_oid(oid *out, const uint32_t *in, size_t *length) {
    if (*length > MAX_OID_LEN)
        *length = MAX_OID_LEN;
    for (size_t i = 0; i < *length; i++)
        out[i] = in[i];
}

void cagentx_notification_begin(const uint32_t *trap, size_t length) {
    static const oid snmp_trap_oid[] = { 1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0 };
    snmp_free_varbind(notification);
    notification = NULL;
    oid value[MAX_OID_LEN];
    to_oid(value, trap, &length);
    snmp_varlist_add_variable(&notification, snmp_trap_oid, OID_LENGTH(snmp_trap_oid), ASN_OBJECT_ID,
                              (u_char *)value, length * sizeof(oid));
}

void cagentx_notification_add_integer(const uint32_t *name, size_t name_length,
                                      enum cagentx_type type, int64_t value) {
    oid n[MAX_OID_LEN];
    to_oid(n, name, &name_length);
    if (type == CAGENTX_INTEGER) {
        long v = (long)value;
        snmp_varlist_add_variable(&notification, n, name_length, (u_char)type, (u_char *)&v, sizeof v);
    } else {
        u_long v = (u_long)value;
        snmp_varlist_add_variable(&notification, n, name_length, (u_char)type, (u_char *)&v, sizeof v);
    }
}

void cagentx_notification_add_counter64(const uint32_t *name, size_t name_length, uint64_t value) {
    oid n[MAX_OID_LEN];
    to_oid(n, name, &name_length);
    struct counter64 v = { .high = value >> 32, .low = value & 0xffffffffu };
    snmp_varlist_add_variable(&notification, n, name_length, ASN_COUNTER64, (u_char *)&v, sizeof v);
}

void cagentx_notification_add_octets(const uint32_t *name, size_t name_length,
                                     const uint8_t *bytes, size_t length) {
    oid n[MAX_OID_LEN];
    to_oid(n, name, &name_length);
    snmp_varlist_add_variable(&notification, n, name_length, ASN_OCTET_STR, bytes, length);
}

void cagentx_notification_send(void) {
    if (notification != NULL)
        send_v2trap(notification);
    snmp_free_varbind(notification);
    notification = NULL;
}

static cagentx_config_fn config_fn;
static char *command_line_socket;
static int command_line_ping;

static void parse_config(const char *token, char *line) {
    if (config_fn != NULL)
        config_fn(token, line);
}

int cagentx_config_token(const char *token, const char *usage, cagentx_config_fn fn) {
    config_fn = fn;
    return register_app_config_handler(token, parse_config, NULL, usage) != NULL ? 0 : -1;
}

void cagentx_config_error(const char *message) {
    config_perror(message);
}

void cagentx_config_file(const char *path) {
    netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_OPTIONALCONFIG, path);
}

// Runs before the subagent connects (highest priority), after the files are read.
static int apply_command_line(int major, int minor, void *server_arg, void *client_arg) {
    (void)major; (void)minor; (void)server_arg; (void)client_arg;
    if (command_line_socket != NULL)
        netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_X_SOCKET, command_line_socket);
    if (command_line_ping > 0)
        netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_PING_INTERVAL, command_line_ping);
    return SNMP_ERR_NOERROR;
}

void cagentx_command_line(const char *agentx_socket, int ping_interval) {
    free(command_line_socket);
    command_line_socket = agentx_socket != NULL ? strdup(agentx_socket) : NULL;
    command_line_ping = ping_interval;
    netsnmp_register_callback(SNMP_CALLBACK_LIBRARY, SNMP_CALLBACK_POST_READ_CONFIG, apply_command_line, NULL,
                              NETSNMP_CALLBACK_HIGHEST_PRIORITY);
}

void cagentx_reread_config(void) {
    update_config();
}
