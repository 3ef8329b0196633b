"""A stub of the Kubernetes API server's discovery, on loopback, for `kubectl apply --dry-run=client`.

kubectl (1.20 as Debian ships it, and 1.32 still) builds its REST mapper from the server's discovery
documents and GETs each object to choose between create and patch even with --dry-run=client
(kubectl#991, kubernetes#124477): without a server it cannot recognise a single kind. This serves the
legacy discovery documents for the kinds deploy/kubernetes/ uses and 404 (a Status) for everything
else, so every object reads as absent and is "created (dry run)". Nothing is stored.
"""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def _resource(name, kind, namespaced, short=()):
    return {"name": name, "singularName": kind.lower(), "namespaced": namespaced, "kind": kind,
            "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"],
            "shortNames": list(short)}


DOCUMENTS = {
    "/version": {"major": "1", "minor": "32", "gitVersion": "v1.32.0-stub", "platform": "linux/amd64"},
    "/api": {"kind": "APIVersions", "versions": ["v1"],
             "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]},
    "/apis": {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
        {"name": "apps", "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
         "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"}}]},
    "/api/v1": {"kind": "APIResourceList", "groupVersion": "v1", "resources": [
        _resource("configmaps", "ConfigMap", True, ["cm"]),
        _resource("services", "Service", True, ["svc"]),
        _resource("serviceaccounts", "ServiceAccount", True, ["sa"]),
        _resource("namespaces", "Namespace", False, ["ns"])]},
    "/apis/apps/v1": {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "apps/v1", "resources": [
        _resource("daemonsets", "DaemonSet", True, ["ds"])]},
}


class _Handler(BaseHTTPRequestHandler):
    requests = []  # (method, path) as they came, for the test to read

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        _Handler.requests.append(("GET", path))
        if path in DOCUMENTS:
            self._reply(200, DOCUMENTS[path])
        else:
            self._reply(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound",
                              "code": 404, "message": "the stub server stores nothing: " + path})

    def do_POST(self):  # a dry run on the client never writes; say so loudly if one does
        _Handler.requests.append((self.command, self.path))
        self._reply(405, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 405,
                          "message": "the stub server takes no writes"})

    do_PUT = do_PATCH = do_DELETE = do_POST

    def _reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def start():
    """Serves on a free loopback port in a thread; returns (server, url)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, "http://127.0.0.1:%d" % server.server_address[1]


def requests():
    return list(_Handler.requests)
