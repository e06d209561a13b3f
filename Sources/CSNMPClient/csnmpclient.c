#include "csnmpclient.h"

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include <stdlib.h>
#include <string.h>

struct csnmp_session {
    void *handle;   // snmp_sess_open's opaque session
    long version;
};

static void copy_message(char *message, size_t size, const char *text) {
    if (size == 0) return;
    snprintf(message, size, "%s", text ? text : "unknown error");
}

static void ignore_option(int argc, char *const *argv, int option) {
    (void)argc; (void)argv; (void)option;
}

csnmp_session *csnmp_open(int argc, const char *const *argv, char *message, size_t message_size) {
    // MIB files are never needed: OIDs are numeric; loading them, or only
    // indexing the MIB folder, costs more than the whole request.
    setenv("MIBS", "", 1);
    setenv("MIBDIRS", "", 1);

    // snmp_parse_args zeroes the secrets it is given and keeps pointers into
    // argv until snmp_sess_open copies them: give it private copies.
    char **copies = calloc((size_t)argc + 1, sizeof(char *));
    if (copies == NULL) { copy_message(message, message_size, "out of memory"); return NULL; }
    for (int i = 0; i < argc; i++) copies[i] = strdup(argv[i]);

    csnmp_session *result = NULL;
    netsnmp_session session;
    optind = 1;   // getopt state is process-wide
    int parsed = netsnmp_parse_args(argc, copies, &session, "", ignore_option, NETSNMP_PARSE_ARGS_NOLOGGING);
    if (parsed < 0 || parsed != argc) {
        copy_message(message, message_size, "net-snmp rejected the SNMP options");
        goto done;
    }
    void *handle = snmp_sess_open(&session);
    if (handle == NULL) {
        char *text = NULL;
        int clib = 0, snmp = 0;
        snmp_error(&session, &clib, &snmp, &text);
        copy_message(message, message_size, text);
        free(text);
        goto done;
    }
    result = malloc(sizeof *result);
    if (result == NULL) { snmp_sess_close(handle); copy_message(message, message_size, "out of memory"); goto done; }
    result->handle = handle;
    result->version = session.version;
done:
    for (int i = 0; i < argc; i++) free(copies[i]);
    free(copies);
    return result;
}

static int classify(int snmp_errno) {
    switch (snmp_errno) {
    case SNMPERR_UNKNOWN_USER_NAME:
    case SNMPERR_USM_UNKNOWNSECURITYNAME:
        return CSNMP_UNKNOWN_USER;
    case SNMPERR_AUTHENTICATION_FAILURE:
    case SNMPERR_USM_AUTHENTICATIONFAILURE:
    case SNMPERR_DECRYPTION_ERR:
    case SNMPERR_USM_DECRYPTIONERROR:
    case SNMPERR_UNSUPPORTED_SEC_LEVEL:
    case SNMPERR_USM_UNSUPPORTEDSECURITYLEVEL:
        return CSNMP_AUTHENTICATION;
    default:
        return CSNMP_FAILURE;
    }
}

static void report(const netsnmp_variable_list *variable, csnmp_varbind_fn each, void *context) {
    uint32_t name[MAX_OID_LEN], value[MAX_OID_LEN];
    size_t name_length = variable->name_length < MAX_OID_LEN ? variable->name_length : MAX_OID_LEN;
    for (size_t i = 0; i < name_length; i++) name[i] = (uint32_t)variable->name[i];
    csnmp_varbind varbind = { .name = name, .name_length = name_length, .kind = variable->type };
    switch (variable->type) {
    case ASN_INTEGER:
        varbind.integer = *variable->val.integer;
        break;
    case ASN_COUNTER: case ASN_GAUGE: case ASN_TIMETICKS:
        varbind.unsigned_value = (uint32_t)*variable->val.integer;
        break;
    case ASN_COUNTER64:
        varbind.unsigned_value = ((uint64_t)variable->val.counter64->high << 32) | (uint32_t)variable->val.counter64->low;
        break;
    case ASN_OCTET_STR: case ASN_IPADDRESS: case ASN_OPAQUE:
        varbind.bytes = variable->val.string;
        varbind.bytes_length = variable->val_len;
        break;
    case ASN_OBJECT_ID: {
        size_t length = variable->val_len / sizeof(oid);
        if (length > MAX_OID_LEN) length = MAX_OID_LEN;
        for (size_t i = 0; i < length; i++) value[i] = (uint32_t)variable->val.objid[i];
        varbind.oid_value = value;
        varbind.oid_value_length = length;
        break;
    }
    default:
        break;
    }
    each(context, &varbind);
}

// Sends `pdu`, reports the response's varbinds, and classifies the outcome.
static int exchange(csnmp_session *session, netsnmp_pdu *pdu, csnmp_varbind_fn each, void *context,
                    char *message, size_t message_size) {
    netsnmp_pdu *response = NULL;
    int status = snmp_sess_synch_response(session->handle, pdu, &response);
    int result;
    if (status == STAT_TIMEOUT) {
        copy_message(message, message_size, "timeout");
        result = CSNMP_TIMEOUT;
    } else if (status != STAT_SUCCESS || response == NULL) {
        char *text = NULL;
        int clib = 0, snmp = 0;
        snmp_sess_error(session->handle, &clib, &snmp, &text);
        copy_message(message, message_size, text);
        free(text);
        result = classify(snmp);
    } else if (response->errstat != SNMP_ERR_NOERROR) {
        copy_message(message, message_size, snmp_errstring((int)response->errstat));
        result = CSNMP_ERROR_STATUS;
    } else {
        for (netsnmp_variable_list *variable = response->variables; variable; variable = variable->next_variable) {
            report(variable, each, context);
        }
        result = CSNMP_OK;
    }
    if (response) snmp_free_pdu(response);
    return result;
}

static int add_name(netsnmp_pdu *pdu, const uint32_t *name, size_t name_length) {
    oid request_name[MAX_OID_LEN];
    if (name_length > MAX_OID_LEN) return -1;
    for (size_t i = 0; i < name_length; i++) request_name[i] = name[i];
    snmp_add_null_var(pdu, request_name, name_length);
    return 0;
}

int csnmp_get_bulk(csnmp_session *session, const uint32_t *const *names, const size_t *name_lengths, size_t count,
                   int max_repetitions, csnmp_varbind_fn each, void *context,
                   char *message, size_t message_size) {
    netsnmp_pdu *pdu;
    if (session->version == SNMP_VERSION_1) {
        pdu = snmp_pdu_create(SNMP_MSG_GETNEXT);
    } else {
        pdu = snmp_pdu_create(SNMP_MSG_GETBULK);
        pdu->non_repeaters = 0;
        pdu->max_repetitions = max_repetitions;
    }
    for (size_t i = 0; i < count; i++) {
        if (add_name(pdu, names[i], name_lengths[i]) != 0) {
            snmp_free_pdu(pdu);
            copy_message(message, message_size, "OID too long");
            return CSNMP_FAILURE;
        }
    }
    return exchange(session, pdu, each, context, message, message_size);
}

int csnmp_get(csnmp_session *session, const uint32_t *name, size_t name_length, int next,
              csnmp_varbind_fn each, void *context, char *message, size_t message_size) {
    netsnmp_pdu *pdu = snmp_pdu_create(next ? SNMP_MSG_GETNEXT : SNMP_MSG_GET);
    if (add_name(pdu, name, name_length) != 0) {
        snmp_free_pdu(pdu);
        copy_message(message, message_size, "OID too long");
        return CSNMP_FAILURE;
    }
    return exchange(session, pdu, each, context, message, message_size);
}

void csnmp_close(csnmp_session *session) {
    if (session == NULL) return;
    snmp_sess_close(session->handle);
    free(session);
}
