#!/usr/bin/env python3
"""zabbix-api.py URL METHOD PARAMS_JSON: one Zabbix JSON-RPC call as Admin
(the tests' private server); prints the result as JSON, or the error and
exits 1."""
import json
import sys
import urllib.request


def call(url, method, params, auth=None):
    body = {"jsonrpc": "2.0", "method": method, "params": params, "id": 1}
    if auth:
        body["auth"] = auth
    request = urllib.request.Request(url, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json-rpc"})
    answer = json.load(urllib.request.urlopen(request, timeout=120))
    if "error" in answer:
        sys.stderr.write(json.dumps(answer["error"]) + "\n")
        sys.exit(1)
    return answer["result"]


url, method, params = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
token = call(url, "user.login", {"username": "Admin", "password": "zabbix"})
print(json.dumps(call(url, method, params, token)))
