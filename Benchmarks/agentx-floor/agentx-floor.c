/*
 * agentx-floor: the most minimal net-snmp AgentX subagent we could write,
 * used to measure the "AgentX round-trip floor" -- how fast snmpd can
 * bulk-walk a table whose cells live in a C subagent served by net-snmp's
 * own table_dataset helper.  The Swift subagent is compared against it.
 *
 * Usage: agentx-floor SOCKET ROWS COLUMNS
 *   e.g. agentx-floor unix:/tmp/x/agentx.sock 5000 7
 *
 * Table FLOOR_TABLE_OID.1.<col>.<row>: column 1 is the (not-accessible)
 * INTEGER index, columns 2..COLUMNS+1 hold values, rows are 1..ROWS.
 *   column 2            OCTET STRING "domain-000123"
 *   column 3,6,9,...    INTEGER      row * 100 + col
 *   column 4,7,10,...   Counter64    row * 1000000007 + col  (above 2^32)
 *   column 5,8,11,...   Gauge32      row * col
 */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Benchmark-only arc under the documentation enterprise number 32473. */
#define FLOOR_ROOT_OID   1, 3, 6, 1, 4, 1, 32473, 99
#define FLOOR_TABLE_OID  FLOOR_ROOT_OID, 1
#define APP_NAME         "agentx-floor"

/* The subagent's AgentX session to the master.  libnetsnmpagent exports it
 * (agent/mibgroup/agentx/subagent.c) but no installed header declares it;
 * it stays NULL when the master could not be reached. */
extern netsnmp_session *main_session;

static volatile sig_atomic_t keep_running = 1;

static void stop(int sig)
{
    (void)sig;
    keep_running = 0;
}

/* Type of a value column (2..): string first, then INTEGER/Counter64/Gauge32. */
static int column_type(unsigned int col)
{
    if (col == 2)
        return ASN_OCTET_STR;
    switch ((col - 3) % 3) {
    case 0:  return ASN_INTEGER;
    case 1:  return ASN_COUNTER64;
    default: return ASN_GAUGE;
    }
}

/* Store one cell of ROW/COL in the dataset row (the helper copies the value). */
static int set_cell(netsnmp_table_row *row, long idx, unsigned int col)
{
    char text[32];
    long number;
    struct counter64 c64;
    unsigned long long wide;

    switch (column_type(col)) {
    case ASN_OCTET_STR:
        snprintf(text, sizeof(text), "domain-%06ld", idx);
        return netsnmp_set_row_column(row, col, ASN_OCTET_STR, text, strlen(text));
    case ASN_INTEGER:
        number = idx * 100 + col;
        return netsnmp_set_row_column(row, col, ASN_INTEGER,
                                      (const char *)&number, sizeof(number));
    case ASN_COUNTER64:
        wide = (unsigned long long)idx * 1000000007ULL + col;
        c64.high = (u_long)(wide >> 32);
        c64.low = (u_long)(wide & 0xffffffffULL);
        return netsnmp_set_row_column(row, col, ASN_COUNTER64,
                                      (const char *)&c64, sizeof(c64));
    default:
        /* net-snmp keeps 32-bit unsigned types in a u_long. */
        number = (long)((unsigned long)idx * col);
        return netsnmp_set_row_column(row, col, ASN_GAUGE,
                                      (const char *)&number, sizeof(number));
    }
}

/* Build the whole table in memory and register it with the table_dataset helper. */
static int register_table(long rows, unsigned int columns)
{
    static oid table_oid[] = { FLOOR_TABLE_OID };
    netsnmp_table_data_set *set;
    netsnmp_handler_registration *reg;
    unsigned int col;
    long idx;

    set = netsnmp_create_table_data_set("agentxFloorTable");
    if (!set)
        return -1;
    netsnmp_table_dataset_add_index(set, ASN_INTEGER);
    /* Default-row entries declare each column's type; they also give
     * netsnmp_register_table_data_set the min/max column range. */
    for (col = 2; col <= columns + 1; col++)
        netsnmp_table_set_add_default_row(set, col, column_type(col), 0, NULL, 0);

    for (idx = 1; idx <= rows; idx++) {
        netsnmp_table_row *row = netsnmp_create_table_data_row();
        if (!row)
            return -1;
        netsnmp_table_row_add_index(row, ASN_INTEGER, &idx, sizeof(idx));
        for (col = 2; col <= columns + 1; col++)
            if (set_cell(row, idx, col) != SNMPERR_SUCCESS)
                return -1;
        /* Rows are appended in index order; table_data keeps a sorted list. */
        netsnmp_table_dataset_add_row(set, row);
    }

    reg = netsnmp_create_handler_registration("agentxFloorTable", NULL,
                                              table_oid, OID_LENGTH(table_oid),
                                              HANDLER_CAN_RONLY);
    if (!reg)
        return -1;
    return netsnmp_register_table_data_set(reg, set, NULL) == SNMPERR_SUCCESS ? 0 : -1;
}

int main(int argc, char **argv)
{
    char *end;
    long rows, columns;

    if (argc != 4) {
        fprintf(stderr, "usage: %s SOCKET ROWS COLUMNS\n", argv[0]);
        return 2;
    }
    rows = strtol(argv[2], &end, 10);
    if (*end || rows < 1) {
        fprintf(stderr, "%s: bad ROWS '%s'\n", APP_NAME, argv[2]);
        return 2;
    }
    columns = strtol(argv[3], &end, 10);
    if (*end || columns < 1 || columns > 1000) {
        fprintf(stderr, "%s: bad COLUMNS '%s'\n", APP_NAME, argv[3]);
        return 2;
    }

    /* No MIB parsing (numeric OIDs only) and no state under /var/lib:
     * persistent files are neither loaded nor saved, and should anything
     * still want the directory it points into /tmp. */
    setenv("MIBS", "", 1);
    netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_PERSISTENT_DIR,
                          "/tmp/agentx-floor-persist");
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
    /* Do not read snmp.conf / agentx-floor.conf from the system either. */
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);

    snmp_enable_stderrlog();
    netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 1);
    netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_X_SOCKET, argv[1]);

    if (init_agent(APP_NAME) != 0) {
        fprintf(stderr, "%s: init_agent failed\n", APP_NAME);
        return 1;
    }
    if (register_table(rows, (unsigned int)columns) != 0) {
        fprintf(stderr, "%s: could not build/register the table\n", APP_NAME);
        return 1;
    }
    /* init_snmp opens the AgentX session and sends the registration above
     * (synchronously).  Without a master net-snmp would not retry (no ping
     * interval is set), so fail loudly rather than "serve" nothing. */
    init_snmp(APP_NAME);
    if (main_session == NULL) {
        fprintf(stderr, "\n%s: no AgentX master at %s\n", APP_NAME, argv[1]);
        snmp_shutdown(APP_NAME);
        return 1;
    }

    signal(SIGTERM, stop);
    signal(SIGINT, stop);

    printf("%s: serving %ld x %ld cells\n", APP_NAME, rows, columns);
    fflush(stdout);

    while (keep_running)
        agent_check_and_process(1);   /* blocks; EINTR on a signal ends a turn */

    snmp_shutdown(APP_NAME);
    return 0;
}
