"""A fake Kubernetes API server for tests and benchmarks: HTTPS on 127.0.0.1, threaded.

It serves the real REST shapes for what ``netviz.io.cluster`` reads:

- discovery: ``/api`` (APIVersions), ``/apis`` (APIGroupList), ``/api/v1`` and
  ``/apis/<group>/<version>`` (APIResourceList), ``/apis/<group>`` (APIGroup), ``/version``;
- lists, cluster-wide (``/api/v1/pods``) and per namespace
  (``/api/v1/namespaces/<ns>/pods``), with ``metadata.resourceVersion``, ``limit`` and
  ``continue`` (``remainingItemCount`` too); list items carry no apiVersion/kind, as on a real
  server; ``GET /api/v1/namespaces/<name>``;
- ``Status`` errors: 401 Unauthorized for a missing/wrong bearer token or client certificate,
  403 Forbidden per resource (``forbidden``), 410 Expired for a stale continue token
  (``expire_continue``), 404 NotFound for anything else.
- Misbehaviour, for the tests that netviz never hangs or crashes on a bad server:
  ``endless_continue`` (plurals whose lists return a new continue token forever),
  ``dribble`` (seconds between single bytes of every answer, headers included),
  ``malformed_items`` (plural -> raw JSON values put in that list's items).

Authentication: a bearer token in ``tokens`` (token -> user), or a client certificate issued
by ``client_ca`` (the user is its common name). TLS comes from a ``trustme`` CA; the TLS
handshake runs in the handler thread so that a client that rejects the certificate cannot
stall the accept loop.

Objects are loaded from YAML manifests with PyYAML (``load_manifests``) or given as dicts.
The server stops itself in ``stop()`` (also a context manager).
"""

from __future__ import annotations

import base64
import copy
import datetime as _dt
import json
import socket
import ssl
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import trustme
import yaml


@dataclass(frozen=True)
class Kind:
    kind: str
    group: str  # "" for core
    version: str
    plural: str
    namespaced: bool
    short: tuple[str, ...] = ()

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def api_version(self) -> str:
        return self.group_version


KINDS: tuple[Kind, ...] = (
    Kind("Namespace", "", "v1", "namespaces", False, ("ns",)),
    Kind("Pod", "", "v1", "pods", True, ("po",)),
    Kind("Service", "", "v1", "services", True, ("svc",)),
    Kind("ReplicationController", "", "v1", "replicationcontrollers", True, ("rc",)),
    Kind("Secret", "", "v1", "secrets", True),
    Kind("ConfigMap", "", "v1", "configmaps", True, ("cm",)),
    Kind("Deployment", "apps", "v1", "deployments", True, ("deploy",)),
    Kind("StatefulSet", "apps", "v1", "statefulsets", True, ("sts",)),
    Kind("DaemonSet", "apps", "v1", "daemonsets", True, ("ds",)),
    Kind("ReplicaSet", "apps", "v1", "replicasets", True, ("rs",)),
    Kind("Job", "batch", "v1", "jobs", True),
    Kind("CronJob", "batch", "v1", "cronjobs", True, ("cj",)),
    Kind("NetworkPolicy", "networking.k8s.io", "v1", "networkpolicies", True, ("netpol",)),
    Kind("Ingress", "networking.k8s.io", "v1", "ingresses", True, ("ing",)),
    Kind("EndpointSlice", "discovery.k8s.io", "v1", "endpointslices", True),
    Kind("Endpoints", "", "v1", "endpoints", True, ("ep",)),
    Kind("Route", "route.openshift.io", "v1", "routes", True),
    Kind(
        "AdminNetworkPolicy",
        "policy.networking.k8s.io",
        "v1alpha1",
        "adminnetworkpolicies",
        False,
        ("anp",),
    ),
    Kind(
        "BaselineAdminNetworkPolicy",
        "policy.networking.k8s.io",
        "v1alpha1",
        "baselineadminnetworkpolicies",
        False,
        ("banp",),
    ),
    Kind(
        "ClusterNetworkPolicy",
        "policy.networking.k8s.io",
        "v1alpha2",
        "clusternetworkpolicies",
        False,
        ("cnp",),
    ),
    Kind("Node", "", "v1", "nodes", False, ("no",)),
)
ANP_GROUP = "policy.networking.k8s.io"
ROUTE_GROUP = "route.openshift.io"
_BY_API_KIND = {(k.api_version, k.kind): k for k in KINDS}

EXPIRED_MESSAGE = (
    "The provided continue parameter is too old to display a consistent list result. You can "
    "start a new list without the continue parameter, or use the continue token in this "
    "response to retrieve the remainder of the results. Continuing with the provided token "
    "results in an inconsistent list - objects that were created, modified, or deleted "
    "between the time the first chunk was returned and now may show up in the list."
)


def load_manifests(paths: Iterable[str | Path]) -> list[dict[str, Any]]:
    """Every object in the YAML files (or directories of them), List kinds flattened."""
    out: list[dict[str, Any]] = []
    files: list[Path] = []
    for p in map(Path, paths):
        files.extend(sorted(p.rglob("*.y*ml")) if p.is_dir() else [p])
    for f in files:
        for doc in yaml.safe_load_all(f.read_text(encoding="utf-8")):
            if not doc:
                continue
            if str(doc.get("kind", "")).endswith("List") and "items" in doc:
                out.extend(doc["items"])
            else:
                out.append(doc)
    return out


def status(code: int, reason: str, message: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": extra.pop("metadata", {}),
        "status": "Failure",
        "message": message,
        "reason": reason,
    }
    body.update(extra)
    body["code"] = code
    return body


class FakeKube:
    """The fake API server. ``start()`` (or ``with``) binds 127.0.0.1 on a free port.

    Knobs, changeable while running:
    - ``tokens``: bearer token -> user name.
    - ``forbidden``: plurals (``"pods"``) or ``"pods@ns"`` that answer 403 for lists/gets.
    - ``expire_continue``: plural -> how many continue requests answer 410 Expired.
    - ``serve_anp``: whether ``policy.networking.k8s.io/v1alpha1`` is served.
    - ``serve_cnp``: whether ``policy.networking.k8s.io/v1alpha2`` is served.
    - ``serve_routes``: whether OpenShift's ``route.openshift.io/v1`` is served (default no).
    - ``delay``: seconds every request waits before answering (for timeouts/cancel).
    - ``endless_continue``: plurals whose lists always return a fresh continue token.
    - ``dribble``: seconds between the bytes of every answer (0: off).
    - ``malformed_items``: plural -> JSON values that replace that list's items.
    """

    def __init__(
        self,
        objects: Iterable[dict[str, Any]] = (),
        *,
        ca: trustme.CA | None = None,
        tokens: dict[str, str] | None = None,
        serve_anp: bool = True,
        serve_cnp: bool = True,
        serve_routes: bool = False,
    ) -> None:
        self.ca = ca or trustme.CA()
        self.server_cert = self.ca.issue_cert("127.0.0.1", "localhost")
        self.tokens = dict(tokens or {})
        self.serve_anp = serve_anp
        self.serve_cnp = serve_cnp
        self.serve_routes = serve_routes
        self.forbidden: set[str] = set()
        self.expire_continue: dict[str, int] = {}
        self.delay = 0.0
        self.endless_continue: set[str] = set()
        self.dribble = 0.0
        self.malformed_items: dict[str, list[Any]] = {}
        self.requests: list[tuple[str, dict[str, list[str]], str | None]] = []
        self._lock = threading.Lock()
        self._rv = 1000
        self._store: dict[Kind, list[dict[str, Any]]] = {k: [] for k in KINDS}
        self._json_cache: dict[int, bytes] = {}
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.add(objects)

    # -------------------------------------------------------------- data

    def add(self, objects: Iterable[dict[str, Any]]) -> None:
        with self._lock:
            for obj in objects:
                kind = _BY_API_KIND.get((obj.get("apiVersion"), obj.get("kind")))
                if kind is None:
                    raise ValueError(
                        f"fake server has no {obj.get('apiVersion')} {obj.get('kind')}"
                    )
                stored = copy.deepcopy(obj)
                stored.pop("apiVersion", None)
                stored.pop("kind", None)
                meta = stored.setdefault("metadata", {})
                if kind.namespaced:
                    meta.setdefault("namespace", "default")
                self._rv += 1
                meta["resourceVersion"] = str(self._rv)
                meta.setdefault("uid", str(uuid.UUID(int=self._rv)))
                meta.setdefault("creationTimestamp", "2024-05-01T12:00:00Z")
                self._store[kind].append(stored)
            for lst in self._store.values():
                lst.sort(key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))
            self._json_cache.clear()

    @property
    def resource_version(self) -> str:
        return str(self._rv)

    # -------------------------------------------------------------- lifecycle

    @property
    def port(self) -> int:
        assert self._httpd is not None
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def start(self) -> FakeKube:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.server_cert.configure_cert(ctx)
        self.ca.configure_trust(ctx)  # to verify client certificates
        ctx.verify_mode = ssl.CERT_OPTIONAL
        handler = type("Handler", (_Handler,), {"fake": self, "ssl_context": ctx})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None

    def __enter__(self) -> FakeKube:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -------------------------------------------------------------- requests

    def answer(
        self, path: str, query: dict[str, list[str]], user: str | None
    ) -> tuple[int, dict[str, Any] | bytes]:
        with self._lock:
            self.requests.append((path, query, user))
        if user is None:
            return 401, status(401, "Unauthorized", "Unauthorized")
        parts = [unquote(p) for p in path.strip("/").split("/") if p]
        if parts == ["version"]:
            return 200, {"major": "1", "minor": "31", "gitVersion": "v1.31.0-fake"}
        if parts == ["api"]:
            return 200, {
                "kind": "APIVersions",
                "versions": ["v1"],
                "serverAddressByClientCIDRs": [
                    {"clientCIDR": "0.0.0.0/0", "serverAddress": f"127.0.0.1:{self.port}"}
                ],
            }
        if parts == ["apis"]:
            return 200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": self._groups()}
        if parts == ["api", "v1"]:
            return 200, self._resource_list("", "v1")
        if len(parts) >= 2 and parts[0] == "apis":
            group = parts[1]
            known = {g["name"]: g for g in self._groups()}
            if group not in known:
                return self._not_found(path)
            if len(parts) == 2:
                return 200, {"kind": "APIGroup", "apiVersion": "v1", **known[group]}
            if len(parts) == 3:
                if parts[2] not in [v["version"] for v in known[group]["versions"]]:
                    return self._not_found(path)
                return 200, self._resource_list(group, parts[2])
            group_version, rest = f"{group}/{parts[2]}", parts[3:]
        elif len(parts) >= 3 and parts[:2] == ["api", "v1"]:
            group_version, rest = "v1", parts[2:]
        else:
            return self._not_found(path)
        return self._resource(group_version, rest, query, user)

    def _groups(self) -> list[dict[str, Any]]:
        groups: dict[str, list[str]] = {}
        for k in KINDS:
            if not k.group or not self._served(k):
                continue
            groups.setdefault(k.group, [])
            if k.version not in groups[k.group]:
                groups[k.group].append(k.version)
        out = []
        for name, versions in groups.items():
            vs = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
            out.append({"name": name, "versions": vs, "preferredVersion": vs[0]})
        return out

    def _resource_list(self, group: str, version: str) -> dict[str, Any]:
        gv = f"{group}/{version}" if group else version
        resources = [
            {
                "name": k.plural,
                "singularName": k.kind.lower(),
                "namespaced": k.namespaced,
                "kind": k.kind,
                "verbs": [
                    "create",
                    "delete",
                    "deletecollection",
                    "get",
                    "list",
                    "patch",
                    "update",
                    "watch",
                ],
                **({"shortNames": list(k.short)} if k.short else {}),
            }
            for k in KINDS
            if k.group == group and k.version == version
        ]
        return {
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": gv,
            "resources": resources,
        }

    def _not_found(self, path: str) -> tuple[int, dict[str, Any]]:
        return 404, status(
            404, "NotFound", "the server could not find the requested resource", details={}
        )

    def _resource(
        self, group_version: str, rest: list[str], query: dict[str, list[str]], user: str
    ) -> tuple[int, dict[str, Any] | bytes]:
        namespace: str | None = None
        if len(rest) >= 3 and rest[0] == "namespaces":
            namespace, rest = rest[1], rest[2:]
        by_plural = {k.plural: k for k in KINDS if k.group_version == group_version}
        if not rest or rest[0] not in by_plural or len(rest) > 2:
            # GET /api/v1/namespaces/<name>
            if group_version == "v1" and namespace is not None and not rest:
                return self._get(by_plural["namespaces"], namespace, user)
            return self._not_found("/".join(rest))
        kind = by_plural[rest[0]]
        if not self._served(kind):
            return self._not_found(kind.plural)
        if len(rest) == 2:
            return self._get(kind, rest[1], user, namespace)
        if self._is_forbidden(kind, namespace):
            scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
            return 403, status(
                403,
                "Forbidden",
                f'{kind.plural} is forbidden: User "{user}" cannot list resource '
                f'"{kind.plural}" in API group "{kind.group}" {scope}',
                details={"kind": kind.plural},
            )
        return self._list(kind, namespace, query)

    def _served(self, kind: Kind) -> bool:
        if kind.group == ROUTE_GROUP:
            return self.serve_routes
        if kind.group != ANP_GROUP:
            return True
        return self.serve_cnp if kind.version == "v1alpha2" else self.serve_anp

    def _is_forbidden(self, kind: Kind, namespace: str | None) -> bool:
        return kind.plural in self.forbidden or f"{kind.plural}@{namespace}" in self.forbidden

    def _get(
        self, kind: Kind, name: str, user: str, namespace: str | None = None
    ) -> tuple[int, dict[str, Any]]:
        if kind.plural == "namespaces" and self._is_forbidden(kind, name):
            return 403, status(
                403,
                "Forbidden",
                f'namespaces "{name}" is forbidden: User "{user}" cannot get resource '
                f'"namespaces" in API group "" in the namespace "{name}"',
                details={"name": name, "kind": "namespaces"},
            )
        for obj in self._store[kind]:
            meta = obj["metadata"]
            if meta["name"] == name and meta.get("namespace") == namespace:
                return 200, {"apiVersion": kind.api_version, "kind": kind.kind, **obj}
        return 404, status(
            404,
            "NotFound",
            f'{kind.plural} "{name}" not found',
            details={"name": name, "kind": kind.plural},
        )

    def _list(
        self, kind: Kind, namespace: str | None, query: dict[str, list[str]]
    ) -> tuple[int, dict[str, Any] | bytes]:
        with self._lock:
            objs = self._store[kind]
            if namespace is not None:
                objs = [o for o in objs if o["metadata"].get("namespace") == namespace]
            rv = self.resource_version
        limit = int(query.get("limit", ["0"])[0] or 0)
        token = query.get("continue", [""])[0]
        start = 0
        if token:
            try:
                state = json.loads(base64.urlsafe_b64decode(token.encode()))
                start, rv = int(state["start"]), str(state["rv"])
            except (ValueError, KeyError):
                return 400, status(400, "BadRequest", "continue key is not valid")
            with self._lock:
                left = self.expire_continue.get(kind.plural, 0)
                if left > 0:
                    self.expire_continue[kind.plural] = left - 1
                    fresh = base64.urlsafe_b64encode(
                        json.dumps({"rv": self.resource_version, "start": start}).encode()
                    ).decode()
                    return 410, status(
                        410, "Expired", EXPIRED_MESSAGE, metadata={"continue": fresh}
                    )
        if kind.plural in self.malformed_items:
            body = {
                "kind": f"{kind.kind}List",
                "apiVersion": kind.api_version,
                "metadata": {"resourceVersion": rv},
                "items": self.malformed_items[kind.plural],
            }
            return 200, json.dumps(body).encode()
        end = len(objs) if limit <= 0 else min(len(objs), start + limit)
        meta: dict[str, Any] = {"resourceVersion": rv}
        if kind.plural in self.endless_continue:
            # a broken server: always "more to come", never the same token twice
            end = min(end, start + 1)
            meta["continue"] = base64.urlsafe_b64encode(
                json.dumps({"rv": rv, "start": start + 1}).encode()
            ).decode()
        elif end < len(objs):
            meta["continue"] = base64.urlsafe_b64encode(
                json.dumps({"rv": rv, "start": end}).encode()
            ).decode()
            meta["remainingItemCount"] = len(objs) - end
        head = json.dumps(
            {"kind": f"{kind.kind}List", "apiVersion": kind.api_version, "metadata": meta}
        )
        # Serialise each object once: the benchmark measures netviz, not this server.
        parts = []
        for o in objs[start:end]:
            key = id(o)
            data = self._json_cache.get(key)
            if data is None:
                data = json.dumps(o, separators=(",", ":")).encode()
                self._json_cache[key] = data
            parts.append(data)
        return 200, head[:-1].encode() + b',"items":[' + b",".join(parts) + b"]}"


class _Handler(BaseHTTPRequestHandler):
    fake: FakeKube
    ssl_context: ssl.SSLContext
    protocol_version = "HTTP/1.1"  # keep-alive: one TLS handshake per client connection

    def setup(self) -> None:
        raw: socket.socket = self.request
        raw.settimeout(10)
        # one small write for headers, one for the body: without NODELAY, Nagle + delayed ACK
        # add 40 ms to every request
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            self.request = self.ssl_context.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            raw.close()
            self.request = None  # type: ignore[assignment]
            self.rfile = self.wfile = None  # type: ignore[assignment]
            return
        self.connection = self.request
        super().setup()

    def handle(self) -> None:
        if self.request is None:
            return
        try:
            super().handle()
        except (ssl.SSLError, ConnectionError, TimeoutError):
            self.close_connection = True

    def finish(self) -> None:
        if self.request is None:
            return
        try:
            super().finish()
        except (ssl.SSLError, OSError):
            pass
        finally:
            # socketserver closes the raw socket it accepted; the TLS wrapper is ours
            self.request.close()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet

    def _user(self) -> str | None:
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            return self.fake.tokens.get(auth[len("Bearer ") :])
        if auth:
            return None
        cert = self.request.getpeercert()
        if cert:
            for rdn in cert.get("subject", ()):
                for key, value in rdn:
                    if key == "commonName":
                        return str(value)
        return None

    def do_GET(self) -> None:
        if self.fake.delay:
            self.fake._stopping.wait(self.fake.delay)
        url = urlsplit(self.path)
        code, body = self.fake.answer(url.path, parse_qs(url.query), self._user())
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        if self.fake.dribble:
            self._dribble(code, data)
            return
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Audit-Id", str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(data)

    def _dribble(self, code: int, data: bytes) -> None:
        """The whole answer, headers included, one byte every ``dribble`` seconds."""
        head = (
            f"HTTP/1.1 {code} OK\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\n\r\n"
        ).encode()
        try:
            for i in range(len(head) + len(data)):
                if self.fake._stopping.wait(self.fake.dribble):
                    break
                chunk = head[i : i + 1] if i < len(head) else data[i - len(head) : i - len(head) + 1]
                self.wfile.write(chunk)
                self.wfile.flush()
        except OSError:
            pass
        self.close_connection = True


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def now_rfc3339() -> str:
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
