"""Read a running cluster into a snapshot: the Qt-free snapshot taker.

Rules this module keeps:

- **Read only what policies need.** Namespaces, Pods, the workload kinds, Services, the
  EndpointSlices that lead outside (``slim`` drops those the EndpointSlice controller keeps
  for Services with a selector: they only repeat the selector), Ingresses and
  NetworkPolicies, OpenShift Routes when discovery shows ``route.openshift.io/v1``, plus AdminNetworkPolicy / BaselineAdminNetworkPolicy when discovery shows
  that the cluster serves ``policy.networking.k8s.io/v1alpha1``, ClusterNetworkPolicy when it
  serves ``policy.networking.k8s.io/v1alpha2``, and then the Nodes (their labels and addresses
  are what ``nodes`` peers match; a user who may not list them gets a gap, and the analysis
  says that nodes peers match nothing without them). Never Secrets or ConfigMaps:
  every request path goes through ``_Connection.get_json``, which refuses them.
- **Every kubeconfig that works for kubectl works here.** The official ``kubernetes`` client
  reads the kubeconfig (token, client certificate, exec plugins, OIDC, proxy-url,
  tls-server-name) and builds the TLS pool; netviz only sends GETs through that pool.
  The kubeconfig is loaded with ``persist_config=False`` so that token refreshes by exec/OIDC
  providers are never written back: the file is never modified.
- **No credential is ever written or logged.** Requests are logged (DEBUG) by path only; the
  header records the server URL without user info; error messages are built from the API's
  ``Status`` message or the transport error's class, never from request headers.
- **Keep only what analysis needs** (``slim``): names, namespaces, labels, owner references,
  container names and ports, IPs, hostNetwork, phase, replicas and selectors, pod templates
  reduced the same way, Service and policy specs. Dropped: container env, args, commands,
  images, volumes, annotations (``kubectl.kubernetes.io/last-applied-configuration`` can hold a
  whole Secret), status beyond IPs and phase. ``full=True`` (``--full``) keeps objects as the
  API returned them (less ``managedFields``), and the header says ``content: full``.
- **The network plugin is detected before anything is dropped** (``netviz.io.cni`` on the full
  DaemonSets, whose container args decide e.g. whether the AWS network-policy agent is on) and
  recorded in the header (``cni``), so a slim snapshot still says whether policies are enforced.
- Lists are fetched as raw JSON (paged with ``limit``/``continue``,
  https://kubernetes.io/docs/reference/using-api/api-concepts/#retrieving-large-results-sets-in-chunks);
  each item gets its ``apiVersion``/``kind`` back (list items carry neither). Pods in phase
  Succeeded/Failed are left out: they hold no IP and take no traffic.
- **Nothing hangs.** ``timeout`` bounds a whole request (a watchdog closes the connection when
  the answer is not complete in time, so a server that sends a byte every second cannot hold
  it); one list stops after ``max_pages`` pages or ``list_seconds`` seconds (a server that
  returns a new continue token forever); an answer whose items are not objects is a
  ``ClusterError``, never a traceback.
- **What goes wrong is either fatal or a gap.** Unreachable server, TLS failure, 401 and
  timeouts raise ``ClusterError`` naming the context and server. Anything else that stops
  one list (403, 404, a 5xx, a continue token that keeps expiring) becomes a *gap* recorded in
  the header; the snapshot is still taken. A 410 Expired while paging restarts that list from
  scratch (at most ``MAX_LIST_RESTARTS`` times), as the API docs recommend.
- **Never a half-written file.** ``write_snapshot`` writes a temp file in the target directory,
  fsyncs it and renames it over the target; on any error or interruption the temp file is
  removed and an existing target is left untouched.

The file format (read by ``netviz.io.manifests``) is documented in docs/snapshots.md.
"""

from __future__ import annotations

import difflib
import json
import logging
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

import yaml

from netviz import __version__
from netviz.io.atomic import atomic_file
from netviz.io.errors import NetvizIOError

log = logging.getLogger(__name__)

SNAPSHOT_API_VERSION = "netviz.io/v1alpha1"
SNAPSHOT_KIND = "ClusterSnapshot"

#: How often one list is restarted after its continue token expired (410) before it is
#: recorded as a gap.
MAX_LIST_RESTARTS = 2

#: One list is stopped (a ClusterError) after this many pages or seconds: a server that
#: returns a new continue token forever must not hold the snapshot (500 objects a page:
#: 5 million objects).
MAX_PAGES = 10_000
LIST_SECONDS = 900.0

#: Namespaces where network plugins run their DaemonSets; read for detection also when the
#: snapshot is limited to other namespaces (``-n``).
CNI_NAMESPACES = ("kube-system", "kube-flannel", "calico-system", "cilium")

#: Resources that are never requested, whatever happens (defence in depth: they are not in
#: ``RESOURCES`` either).
NEVER_READ = frozenset({"secrets", "configmaps"})

ANP_GROUP = "policy.networking.k8s.io"
ANP_VERSION = "v1alpha1"
CNP_VERSION = "v1alpha2"
ROUTE_GROUP = "route.openshift.io"
ROUTE_VERSION = "v1"

#: EndpointSlices with this ``endpointslice.kubernetes.io/managed-by`` label mirror a Service's
#: selector (the pods it selects); a slim snapshot leaves them out. Those of Services without
#: a selector (written by hand, or mirrored from Endpoints) are kept.
ENDPOINTSLICE_MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
ENDPOINTSLICE_CONTROLLER = "endpointslice-controller.k8s.io"

#: progress(kind, items_so_far, status). ``status`` is one of ``reading``, ``done``,
#: ``restarting`` (a 410 while paging), ``not served``, or ``gap: <reason>`` /
#: ``gap (<namespace>): <reason>``.
ProgressFn = Callable[[str, int, str], None]
CancelFn = Callable[[], bool]


# --------------------------------------------------------------------------- errors


class SnapshotError(NetvizIOError):
    """Base class of this module's errors; ``str(exc)`` is a message written for users."""


class ClusterError(SnapshotError):
    """The cluster could not be reached or read at all (CLI exit code 4).

    ``reason`` is a stable machine id: ``kubeconfig``, ``unreachable``, ``tls``,
    ``unauthorized``, ``timeout``, ``proxy``, ``api``.
    """

    def __init__(
        self, message: str, *, reason: str, context: str | None = None, server: str | None = None
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.context = context
        self.server = server


class KubeconfigError(ClusterError):
    """The kubeconfig is missing, unreadable, or has no such context."""

    def __init__(self, message: str, *, context: str | None = None) -> None:
        super().__init__(message, reason="kubeconfig", context=context)


class SnapshotCancelled(SnapshotError):
    """The caller's ``cancel()`` returned True. Nothing was written."""

    def __init__(self) -> None:
        super().__init__("snapshot cancelled; nothing was written")


class SnapshotWriteError(SnapshotError):
    """The snapshot file could not be written (CLI exit code 3)."""


# --------------------------------------------------------------------------- resources


@dataclass(frozen=True)
class Resource:
    kind: str
    api_version: str  # "v1" or "group/version"
    plural: str
    namespaced: bool = True
    optional: bool = False  # read only when discovery shows it is served

    @property
    def base(self) -> str:
        if "/" in self.api_version:
            return f"/apis/{self.api_version}"
        return f"/api/{self.api_version}"

    def path(self, namespace: str | None = None) -> str:
        if namespace is not None and self.namespaced:
            return f"{self.base}/namespaces/{quote(namespace, safe='')}/{self.plural}"
        return f"{self.base}/{self.plural}"


#: In the order they are read (and appear in the header).
RESOURCES: tuple[Resource, ...] = (
    Resource("Namespace", "v1", "namespaces", namespaced=False),
    Resource("Pod", "v1", "pods"),
    Resource("Deployment", "apps/v1", "deployments"),
    Resource("StatefulSet", "apps/v1", "statefulsets"),
    Resource("DaemonSet", "apps/v1", "daemonsets"),
    Resource("ReplicaSet", "apps/v1", "replicasets"),
    Resource("ReplicationController", "v1", "replicationcontrollers"),
    Resource("Job", "batch/v1", "jobs"),
    Resource("CronJob", "batch/v1", "cronjobs"),
    Resource("Service", "v1", "services"),
    Resource("EndpointSlice", "discovery.k8s.io/v1", "endpointslices"),
    Resource("Ingress", "networking.k8s.io/v1", "ingresses"),
    Resource("Route", f"{ROUTE_GROUP}/{ROUTE_VERSION}", "routes", optional=True),
    Resource("NetworkPolicy", "networking.k8s.io/v1", "networkpolicies"),
    Resource(
        "AdminNetworkPolicy",
        f"{ANP_GROUP}/{ANP_VERSION}",
        "adminnetworkpolicies",
        namespaced=False,
        optional=True,
    ),
    Resource(
        "BaselineAdminNetworkPolicy",
        f"{ANP_GROUP}/{ANP_VERSION}",
        "baselineadminnetworkpolicies",
        namespaced=False,
        optional=True,
    ),
    Resource(
        "ClusterNetworkPolicy",
        f"{ANP_GROUP}/{CNP_VERSION}",
        "clusternetworkpolicies",
        namespaced=False,
        optional=True,
    ),
    # read when a cluster policy kind is served (``_served_optional``)
    Resource("Node", "v1", "nodes", namespaced=False, optional=True),
)
assert not NEVER_READ & {r.plural for r in RESOURCES}


# --------------------------------------------------------------------------- snapshot


@dataclass
class Snapshot:
    header: dict[str, Any]
    items: list[dict[str, Any]] = field(default_factory=list)

    @property
    def context(self) -> str:
        return str(self.header.get("context", ""))

    @property
    def gaps(self) -> list[dict[str, str]]:
        return list(self.header.get("gaps", []))

    def document(self) -> dict[str, Any]:
        return {
            "apiVersion": SNAPSHOT_API_VERSION,
            "kind": SNAPSHOT_KIND,
            "metadata": {"name": self.context},
            "header": self.header,
            "items": self.items,
        }


# --------------------------------------------------------------------------- kubeconfig


def _kubeconfig_paths(kubeconfig: str | None) -> str:
    # Read $KUBECONFIG now, not at import (the client's constant is frozen at import time).
    if kubeconfig:
        return kubeconfig
    return os.environ.get("KUBECONFIG") or os.path.join("~", ".kube", "config")


def _merged_kubeconfig(kubeconfig: str | None) -> Any:
    from kubernetes.config.config_exception import ConfigException
    from kubernetes.config.kube_config import KubeConfigMerger

    paths = _kubeconfig_paths(kubeconfig)
    try:
        merged = KubeConfigMerger(paths).config
    except (OSError, yaml.YAMLError, ConfigException) as exc:
        raise KubeconfigError(f"cannot read kubeconfig {paths}: {_short(exc)}") from None
    if merged is None:
        raise KubeconfigError(f"no kubeconfig found at {paths}")
    return merged


def list_contexts(kubeconfig: str | None = None) -> tuple[list[str], str | None]:
    """The context names of a kubeconfig (merged like kubectl for ``a:b`` lists) and the
    current context (None when unset). Raises ``KubeconfigError``."""
    merged = _merged_kubeconfig(kubeconfig)
    contexts = merged.safe_get("contexts") or []
    names = [str(c["name"]) for c in getattr(contexts, "value", contexts) if "name" in c]
    current = merged.safe_get("current-context") or None
    return names, (str(current) if current else None)


def _strip_userinfo(url: str) -> str:
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


# --------------------------------------------------------------------------- transport


class _HttpStatus(Exception):
    """A non-2xx answer; ``status_obj`` is the parsed metav1.Status when there is one."""

    def __init__(self, code: int, status_obj: dict[str, Any] | None) -> None:
        super().__init__(code)
        self.code = code
        self.status_obj = status_obj or {}

    @property
    def reason(self) -> str:
        return str(self.status_obj.get("reason") or "")

    @property
    def message(self) -> str:
        return str(self.status_obj.get("message") or "")

    def describe(self) -> str:
        names = {
            401: "unauthorized",
            403: "forbidden",
            404: "not found",
            410: "expired",
            429: "too many requests",
            500: "server error",
            503: "service unavailable",
        }
        head = f"{names.get(self.code, 'HTTP error')} ({self.code})"
        return f"{head}: {self.message}" if self.message else head


class _Deadline:
    """Bounds a whole request: when ``seconds`` pass before it is done, the connection's
    socket is shut down, which wakes the read that waits on it (urllib3's read timeout is per
    ``recv``: a server sending one byte a second never trips it)."""

    def __init__(self, seconds: float) -> None:
        self.fired = False
        self.conn: Any = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def attach(self, conn: Any) -> None:
        with self._lock:
            self.conn = conn
            if self.fired:
                self._kill()

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            self._kill()

    def _kill(self) -> None:
        sock = getattr(self.conn, "sock", None)
        if sock is None:
            return
        try:
            # the plain socket's shutdown (an SSLSocket's would drop its TLS state under
            # the thread that is reading)
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
        except OSError:
            pass

    def cancel(self) -> None:
        self._timer.cancel()


_watch = threading.local()


class _WatchedConnection:
    """Mixed into urllib3's connection classes: registers the connection a request uses with
    the thread's current ``_Deadline``."""

    def request(self, *args: Any, **kwargs: Any) -> Any:
        deadline = getattr(_watch, "current", None)
        if deadline is not None:
            deadline.attach(self)
        return super().request(*args, **kwargs)  # type: ignore[misc]


def _watch_pools(pool_manager: Any) -> None:
    """Make ``pool_manager`` (a PoolManager, ProxyManager or SOCKSProxyManager) create
    connections that a ``_Deadline`` can shut down. Per instance: urllib3 is not patched."""
    classes = {}
    for scheme, pool_cls in pool_manager.pool_classes_by_scheme.items():
        conn_cls = type(
            f"Watched{pool_cls.ConnectionCls.__name__}",
            (_WatchedConnection, pool_cls.ConnectionCls),
            {},
        )
        classes[scheme] = type(
            f"Watched{pool_cls.__name__}", (pool_cls,), {"ConnectionCls": conn_cls}
        )
    pool_manager.pool_classes_by_scheme = classes


class _Connection:
    """GETs through the kubernetes client's configured urllib3 pool (TLS, client certs,
    proxy), with auth headers from the client configuration (tokens, exec/OIDC refresh)."""

    def __init__(self, configuration: Any, context: str, timeout: float) -> None:
        import urllib3
        from kubernetes.client import ApiClient

        self.cfg = configuration
        self.context = context
        self.server = _strip_userinfo(str(configuration.host))
        self.api_client = ApiClient(configuration)
        self.pool = self.api_client.rest_client.pool_manager
        _watch_pools(self.pool)
        self.total_timeout = timeout
        self.timeout = urllib3.Timeout(connect=min(timeout, 10.0), read=timeout)
        # Connection failures are retried twice (cheap); read timeouts are not (they already
        # cost ``timeout`` each); 429 from API priority-and-fairness honours Retry-After.
        self.retries = urllib3.Retry(
            total=3,
            connect=2,
            read=0,
            redirect=0,
            other=0,
            status=2,
            status_forcelist=(429,),
            allowed_methods=frozenset({"GET"}),
            backoff_factor=0.2,
            raise_on_status=False,
            respect_retry_after_header=True,
        )

    def close(self) -> None:
        try:
            self.pool.clear()
        finally:
            close = getattr(self.api_client, "close", None)
            if close is not None:
                close()

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": f"netviz/{__version__}"}
        for setting in self.cfg.auth_settings().values():
            if setting.get("in") == "header" and setting.get("value"):
                headers[setting["key"]] = setting["value"]
        return headers

    def _fatal(self, message: str, reason: str) -> ClusterError:
        where = f"context {self.context!r}, server {self.server}"
        return ClusterError(
            f"{message} ({where})", reason=reason, context=self.context, server=self.server
        )

    def get_json(self, path: str, query: dict[str, Any] | None = None) -> dict[str, Any]:
        import urllib3.exceptions as ux

        if NEVER_READ & set(path.split("/")):
            raise AssertionError(f"netviz never reads {path}")  # programming error
        url = self.cfg.host.rstrip("/") + path
        if query:
            url += "?" + urlencode(query)
        log.debug("GET %s", path if not query else f"{path}?{urlencode(query)}")
        try:
            headers = self._headers()
        except Exception as exc:  # exec/OIDC refresh failed (kubernetes ConfigException etc.)
            raise self._fatal(f"could not get credentials: {_short(exc)}", "unauthorized") from None
        deadline = _Deadline(self.total_timeout)
        _watch.current = deadline
        try:
            resp = self.pool.request(
                "GET",
                url,
                headers=headers,
                timeout=self.timeout,
                retries=self.retries,
                preload_content=True,
            )
        except (ux.HTTPError, OSError) as exc:
            if deadline.fired:
                raise self._fatal(
                    f"timed out: the API server did not finish answering {path} within "
                    f"{self.total_timeout:g} s",
                    "timeout",
                ) from None
            if isinstance(exc, ux.MaxRetryError):
                raise self._transport_error(exc.reason or exc) from None
            raise self._transport_error(exc) from None
        finally:
            deadline.cancel()
            _watch.current = None
        data = resp.data
        if 200 <= resp.status < 300:
            try:
                body = json.loads(data)
            except ValueError:
                raise self._fatal(
                    f"the server answered {path} with something that is not JSON", "api"
                ) from None
            if not isinstance(body, dict):
                raise self._fatal(f"unexpected answer to {path}", "api")
            return body
        status_obj: dict[str, Any] | None = None
        try:
            parsed = json.loads(data) if data else None
            if isinstance(parsed, dict) and parsed.get("kind") == "Status":
                status_obj = parsed
        except ValueError:
            pass
        err = _HttpStatus(resp.status, status_obj)
        if resp.status == 401:
            raise self._fatal(
                "the API server rejected the credentials (401 Unauthorized): the token or "
                "client certificate is missing, wrong or expired",
                "unauthorized",
            )
        raise err

    def _transport_error(self, exc: BaseException) -> ClusterError:
        import ssl

        import urllib3.exceptions as ux

        if isinstance(exc, ux.SSLError | ssl.SSLError) or "SSL" in type(exc).__name__:
            detail = _short(exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc)
            return self._fatal(
                "TLS failure talking to the API server: "
                f"{detail}. Check certificate-authority(-data) and the server name in the "
                "kubeconfig",
                "tls",
            )
        if isinstance(exc, ux.ProxyError):
            return self._fatal(f"the proxy failed: {_short(exc)}", "proxy")
        name_error = getattr(ux, "NameResolutionError", ())
        if name_error and isinstance(exc, name_error):
            return self._fatal("cannot resolve the API server's host name", "unreachable")
        # NewConnectionError subclasses ConnectTimeoutError in urllib3: test it first
        if isinstance(exc, ux.NewConnectionError | ConnectionRefusedError):
            if "timed out" in str(exc).lower():
                return self._fatal("timed out connecting to the API server", "timeout")
            return self._fatal(
                "cannot reach the API server: connection refused or no route", "unreachable"
            )
        if isinstance(exc, ux.ConnectTimeoutError):
            return self._fatal("timed out connecting to the API server", "timeout")
        if isinstance(exc, ux.ReadTimeoutError | TimeoutError):
            return self._fatal("timed out waiting for the API server to answer", "timeout")
        if isinstance(exc, ux.ProtocolError):
            return self._fatal(
                f"the connection to the API server broke: {_short(exc)}", "unreachable"
            )
        return self._fatal(f"cannot talk to the API server: {_short(exc)}", "unreachable")


def _connect(kubeconfig: str | None, context: str | None, timeout: float) -> _Connection:
    from kubernetes.client import Configuration
    from kubernetes.config.config_exception import ConfigException
    from kubernetes.config.kube_config import load_kube_config

    names, current = list_contexts(kubeconfig)
    chosen = context or current
    if not chosen:
        raise KubeconfigError(
            "the kubeconfig has no current-context; choose one with --context "
            f"(contexts: {', '.join(names) or 'none'})"
        )
    if chosen not in names:
        close = difflib.get_close_matches(chosen, names, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f" (contexts: {', '.join(names)})"
        raise KubeconfigError(f"no context {chosen!r} in the kubeconfig{hint}", context=chosen)
    cfg = Configuration()
    try:
        # persist_config=False: exec/OIDC token refreshes must never rewrite the kubeconfig.
        load_kube_config(
            config_file=_kubeconfig_paths(kubeconfig),
            context=chosen,
            client_configuration=cfg,
            persist_config=False,
        )
    except (ConfigException, OSError, ValueError, KeyError, TypeError) as exc:
        raise KubeconfigError(
            f"cannot use context {chosen!r}: {_short(exc)}", context=chosen
        ) from None
    return _Connection(cfg, chosen, timeout)


# --------------------------------------------------------------------------- taking


def take_snapshot(
    kubeconfig: str | None = None,
    context: str | None = None,
    namespaces: Sequence[str] | None = None,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
    page_size: int = 500,
    timeout: float = 30.0,
    full: bool = False,
    max_pages: int = MAX_PAGES,
    list_seconds: float = LIST_SECONDS,
) -> Snapshot:
    """Read the cluster of ``context`` (default: the kubeconfig's current context).

    ``namespaces`` None reads every namespace; a list reads only those (plus the cluster-wide
    admin policies). ``timeout`` bounds each whole request, in seconds; one list may take at
    most ``max_pages`` pages and ``list_seconds`` seconds. ``full`` keeps objects as returned
    (else only what analysis needs, see ``slim``). Raises ``ClusterError`` (fatal),
    ``SnapshotCancelled``; 403 and other per-list failures become gaps in the header.
    """
    if page_size < 1:
        raise ValueError("page_size must be positive")
    ns_list = None if namespaces is None else list(dict.fromkeys(namespaces))
    report: ProgressFn = progress or (lambda kind, n, status: None)

    def check_cancel() -> None:
        if cancel is not None and cancel():
            raise SnapshotCancelled()

    check_cancel()
    conn = _connect(kubeconfig, context, timeout)
    try:
        limits = _Limits(max_pages, list_seconds)
        return _take(conn, ns_list, report, check_cancel, page_size, full, limits)
    finally:
        conn.close()


@dataclass(frozen=True)
class _Limits:
    max_pages: int = MAX_PAGES
    list_seconds: float = LIST_SECONDS


def _take(
    conn: _Connection,
    ns_list: list[str] | None,
    report: ProgressFn,
    check_cancel: Callable[[], None],
    page_size: int,
    full: bool = False,
    limits: _Limits | None = None,
) -> Snapshot:
    started = time.monotonic()
    limits = limits or _Limits()
    lists: list[dict[str, Any]] = []
    gaps: list[dict[str, str]] = []
    items: list[dict[str, Any]] = []
    daemonsets: list[dict[str, Any]] = []  # full objects, for the network plugin

    def gap(res: Resource, namespace: str | None, reason: str) -> None:
        entry = {"kind": res.kind}
        if namespace is not None:
            entry["namespace"] = namespace
        entry["reason"] = reason
        gaps.append(entry)
        where = f" ({namespace})" if namespace else ""
        report(res.kind, 0, f"gap{where}: {reason}")

    # -- discovery: /api proves that this is an API server and that we may talk to it
    check_cancel()
    try:
        conn.get_json("/api")
    except _HttpStatus as exc:
        if exc.code != 403:
            raise conn._fatal(
                f"the server does not answer like a Kubernetes API server: {exc.describe()}",
                "api",
            ) from None
    check_cancel()
    served_optional = _served_optional(conn)

    ns: str | None
    for res in RESOURCES:
        check_cancel()
        if res.optional and res.plural not in served_optional:
            report(res.kind, 0, "not served")
            continue
        report(res.kind, 0, "reading")
        count = 0
        ok = True
        if res.kind == "Namespace" and ns_list is not None:
            # Only the namespaces asked for, one GET each: a namespace-scoped user may not
            # list namespaces, and policies need the labels of these ones.
            for ns in ns_list:
                check_cancel()
                try:
                    obj = conn.get_json(res.path() + "/" + quote(ns, safe=""))
                except _HttpStatus as exc:
                    gap(res, ns, exc.describe())
                    ok = False
                    continue
                if not isinstance(obj.get("metadata"), dict):
                    raise conn._fatal(
                        f"the server's answer to {res.path()}/{ns} is malformed: it has no "
                        "metadata object",
                        "api",
                    )
                obj = _clean(obj, res, full)
                items.append(obj)
                count += 1
                lists.append(
                    {
                        "kind": res.kind,
                        "apiVersion": res.api_version,
                        "namespace": ns,
                        "resourceVersion": str(obj["metadata"].get("resourceVersion", "")),
                        "count": 1,
                    }
                )
                report(res.kind, count, "reading")
        else:
            scopes: list[str | None] = (
                [None] if ns_list is None or not res.namespaced else list(ns_list)
            )
            for ns in scopes:
                try:
                    got, rv = _list_all(
                        conn, res, ns, page_size, check_cancel, report, count, limits,
                        daemonsets if res.kind == "DaemonSet" else None, full,
                    )
                except _HttpStatus as exc:
                    gap(res, ns, exc.describe())
                    ok = False
                    continue
                except _StillExpired:
                    gap(
                        res,
                        ns,
                        f"the list kept expiring while paging (410 Expired, "
                        f"{MAX_LIST_RESTARTS + 1} attempts); try a larger page size",
                    )
                    ok = False
                    continue
                items.extend(got)
                count += len(got)
                entry: dict[str, Any] = {"kind": res.kind, "apiVersion": res.api_version}
                if ns is not None:
                    entry["namespace"] = ns
                entry["resourceVersion"] = rv
                entry["count"] = len(got)
                lists.append(entry)
        if ok:
            report(res.kind, count, "done")

    if ns_list is not None:
        # the network plugin's DaemonSets live in kube-system & co: read them for detection
        # only (not added to the snapshot), when allowed
        ds_res = next(r for r in RESOURCES if r.kind == "DaemonSet")
        for ns in CNI_NAMESPACES:
            if ns in ns_list:
                continue
            check_cancel()
            try:
                body = conn.get_json(ds_res.path(ns), {"limit": page_size})
            except _HttpStatus:
                continue
            daemonsets.extend(_items(conn, body, ds_res.path(ns)))
    from netviz.io.cni import detect

    enforcement = detect(daemonsets, "snapshot")
    header: dict[str, Any] = {
        "context": conn.context,
        "server": conn.server,
        "takenAt": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "netvizVersion": __version__,
        "namespaces": "all" if ns_list is None else list(ns_list),
        "content": "full" if full else "slim",
        "cni": enforcement.to_header(),
        "lists": lists,
        "gaps": gaps,
    }
    log.info(
        "snapshot of %s: %d objects, %d gaps, %.2fs",
        conn.context,
        len(items),
        len(gaps),
        time.monotonic() - started,
    )
    return Snapshot(header=header, items=items)


def _served_optional(conn: _Connection) -> set[str]:
    """Plural names of the optional resources the cluster serves (AdminNetworkPolicy and
    BaselineAdminNetworkPolicy in v1alpha1, ClusterNetworkPolicy in v1alpha2, OpenShift's
    Route in route.openshift.io/v1), from API discovery; plus ``nodes`` when any cluster
    policy kind is served (Node addresses are what ``nodes`` peers match)."""
    try:
        groups = conn.get_json("/apis")
    except _HttpStatus:
        return set()
    versions: dict[str, set[str]] = {}
    for g in groups.get("groups") or []:
        if g.get("name") in (ANP_GROUP, ROUTE_GROUP):
            versions[str(g.get("name"))] = {str(v.get("version"))
                                            for v in g.get("versions") or []}

    def listable(group: str, version: str) -> set[str]:
        if version not in versions.get(group, ()):
            return set()
        try:
            resources = conn.get_json(f"/apis/{group}/{version}")
        except _HttpStatus:
            return set()
        return {
            str(r.get("name"))
            for r in resources.get("resources") or []
            if "list" in (r.get("verbs") or ["list"])
        }

    out: set[str] = set()
    for version in (ANP_VERSION, CNP_VERSION):
        out |= listable(ANP_GROUP, version)
    if out:
        out.add("nodes")
    return out | (listable(ROUTE_GROUP, ROUTE_VERSION) & {"routes"})


class _StillExpired(Exception):
    pass


def _list_all(
    conn: _Connection,
    res: Resource,
    namespace: str | None,
    page_size: int,
    check_cancel: Callable[[], None],
    report: ProgressFn,
    before: int,
    limits: _Limits | None = None,
    raw: list[dict[str, Any]] | None = None,
    full: bool = False,
) -> tuple[list[dict[str, Any]], str]:
    """Every item of one list, paged. A 410 while paging restarts the list from scratch.
    ``raw``, when given, also receives the objects before ``slim`` (DaemonSets: the network
    plugin is detected from their container args)."""
    limits = limits or _Limits()
    path = res.path(namespace)
    started = time.monotonic()
    pages = 0
    for _attempt in range(MAX_LIST_RESTARTS + 1):
        items: list[dict[str, Any]] = []
        raw_start = len(raw) if raw is not None else 0
        token: str | None = None
        rv = ""
        while True:
            check_cancel()
            pages += 1
            elapsed = time.monotonic() - started
            if pages > limits.max_pages or elapsed > limits.list_seconds:
                raise conn._fatal(
                    f"the server kept answering the {res.kind} list with more pages "
                    f"({pages - 1} pages in {elapsed:.0f} s; the limits are {limits.max_pages} "
                    f"pages and {limits.list_seconds:g} s): stopped, nothing was written",
                    "api",
                )
            query: dict[str, Any] = {"limit": page_size}
            if token:
                query["continue"] = token
            try:
                body = conn.get_json(path, query)
            except _HttpStatus as exc:
                if exc.code == 410 and token:
                    log.info("%s: continue token expired, restarting the list", res.kind)
                    report(res.kind, before, "restarting")
                    if raw is not None:
                        del raw[raw_start:]
                    break
                raise
            for obj in _items(conn, body, path):
                status = obj.get("status")
                if (
                    res.kind == "Pod"
                    and isinstance(status, dict)
                    and status.get("phase") in ("Succeeded", "Failed")
                ):
                    continue
                if res.kind == "EndpointSlice" and not full and _selector_slice(obj):
                    continue
                if raw is not None:
                    raw.append(obj)
                items.append(_clean(obj, res, full))
            meta = body.get("metadata") or {}
            if not isinstance(meta, dict):
                raise conn._fatal(
                    f"the server's answer to {path} is malformed: its metadata is not an object",
                    "api",
                )
            if token is None or not rv:
                rv = str(meta.get("resourceVersion") or "")
            report(res.kind, before + len(items), "reading")
            next_token = meta.get("continue") or None
            if next_token is not None and not isinstance(next_token, str):
                raise conn._fatal(
                    f"the server's answer to {path} is malformed: its continue token is not "
                    "a string",
                    "api",
                )
            if not next_token:
                return items, rv
            if next_token == token:
                raise _HttpStatus(
                    500, {"message": "the server returned the same continue token twice"}
                )
            token = next_token
    raise _StillExpired()


def _selector_slice(obj: dict[str, Any]) -> bool:
    """An EndpointSlice the EndpointSlice controller keeps for a Service with a selector."""
    labels = obj["metadata"].get("labels")
    return isinstance(labels, dict) and labels.get(ENDPOINTSLICE_MANAGED_BY) == \
        ENDPOINTSLICE_CONTROLLER


def _items(conn: _Connection, body: dict[str, Any], path: str) -> list[dict[str, Any]]:
    """The items of a list answer; a ClusterError when they are not a list of objects (a
    broken or hostile server), never a traceback."""
    items = body.get("items")
    if items is None:
        return []
    if not isinstance(items, list):
        raise conn._fatal(f"the server's answer to {path} is malformed: items is not a list", "api")
    for i, obj in enumerate(items):
        if not isinstance(obj, dict) or not isinstance(obj.get("metadata"), dict):
            what = "an object without metadata" if isinstance(obj, dict) else type(obj).__name__
            raise conn._fatal(
                f"the server's answer to {path} is malformed: items[{i}] is {what}, not a "
                "Kubernetes object",
                "api",
            )
    return items


def _clean(obj: dict[str, Any], res: Resource, full: bool = False) -> dict[str, Any]:
    """Put apiVersion/kind first (list items carry neither); drop managedFields, and unless
    ``full`` everything that analysis does not need (``slim``)."""
    out: dict[str, Any] = {"apiVersion": res.api_version, "kind": res.kind}
    for k, v in obj.items():
        if k not in ("apiVersion", "kind"):
            out[k] = v
    meta = out.get("metadata")
    if isinstance(meta, dict):
        meta.pop("managedFields", None)
    return out if full else slim(out)


# What a snapshot keeps (docs/snapshots.md, "What a snapshot keeps"). Everything else is
# dropped: container env (literal passwords), args and commands, images, volumes, probes,
# annotations (last-applied-configuration can hold a whole Secret), most of status.
_META_KEEP = ("name", "namespace", "uid", "resourceVersion", "creationTimestamp", "labels",
              "ownerReferences")
_OWNER_KEEP = ("apiVersion", "kind", "name", "uid", "controller")
_PORT_KEEP = ("name", "containerPort", "protocol", "hostPort")
_POD_SPEC_KEEP = ("hostNetwork", "nodeName")
_POD_STATUS_KEEP = ("phase", "podIP", "podIPs", "hostIP", "hostIPs")


def _pick(obj: Any, keys: Sequence[str]) -> dict[str, Any]:
    if not isinstance(obj, dict):
        return {}
    return {k: obj[k] for k in keys if k in obj}


def _slim_meta(meta: Any) -> dict[str, Any]:
    out = _pick(meta, _META_KEEP)
    owners = out.get("ownerReferences")
    if isinstance(owners, list):
        out["ownerReferences"] = [_pick(o, _OWNER_KEEP) for o in owners if isinstance(o, dict)]
    return out


def _slim_containers(containers: Any, init: bool = False) -> list[dict[str, Any]]:
    out = []
    for c in containers if isinstance(containers, list) else []:
        if not isinstance(c, dict):
            continue
        kept = _pick(c, ("name", "restartPolicy") if init else ("name",))
        ports = c.get("ports")
        if isinstance(ports, list):
            kept["ports"] = [_pick(p, _PORT_KEEP) for p in ports if isinstance(p, dict)]
        out.append(kept)
    return out


def _slim_pod_spec(spec: Any) -> dict[str, Any]:
    out = _pick(spec, _POD_SPEC_KEEP)
    if isinstance(spec, dict):
        out["containers"] = _slim_containers(spec.get("containers"))
        if isinstance(spec.get("initContainers"), list):
            # native sidecars (restartPolicy: Always) serve traffic
            out["initContainers"] = _slim_containers(spec["initContainers"], init=True)
    return out


def _slim_template(template: Any) -> dict[str, Any]:
    if not isinstance(template, dict):
        return {}
    return {
        "metadata": _pick(template.get("metadata"), ("labels",)),
        "spec": _slim_pod_spec(template.get("spec")),
    }


def _slim_endpoint(ep: dict[str, Any]) -> dict[str, Any]:
    out = _pick(ep, ("addresses",))
    cond = ep.get("conditions")
    if isinstance(cond, dict) and "ready" in cond:
        out["conditions"] = {"ready": cond["ready"]}
    if isinstance(ep.get("targetRef"), dict):
        out["targetRef"] = _pick(ep["targetRef"], ("kind", "name", "namespace"))
    return out


def slim(obj: dict[str, Any]) -> dict[str, Any]:
    """Only what analysis needs of one object (apiVersion/kind first). Unknown kinds keep
    their spec, never their annotations or status."""
    kind = obj.get("kind")
    out: dict[str, Any] = {"apiVersion": obj.get("apiVersion"), "kind": kind}
    out["metadata"] = _slim_meta(obj.get("metadata"))
    spec = obj.get("spec")
    if kind == "Namespace":
        return out
    if kind == "Node":  # labels (in metadata) and addresses: what nodes peers match
        status = obj.get("status")
        addresses = status.get("addresses") if isinstance(status, dict) else None
        if isinstance(addresses, list):
            out["status"] = {"addresses": [_pick(a, ("type", "address")) for a in addresses
                                           if isinstance(a, dict)]}
        return out
    if kind == "EndpointSlice":  # where a Service without a selector leads
        out.update(_pick(obj, ("addressType",)))
        eps = obj.get("endpoints")
        if isinstance(eps, list):
            out["endpoints"] = [_slim_endpoint(e) for e in eps if isinstance(e, dict)]
        ports = obj.get("ports")
        if isinstance(ports, list):
            out["ports"] = [_pick(p, ("name", "port", "protocol")) for p in ports
                            if isinstance(p, dict)]
        return out
    if kind == "Pod":
        out["spec"] = _slim_pod_spec(spec)
        out["status"] = _pick(obj.get("status"), _POD_STATUS_KEEP)
        return out
    if kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController",
                "Job"):
        kept = _pick(spec, ("replicas", "selector", "serviceName"))
        kept["template"] = _slim_template(spec.get("template") if isinstance(spec, dict) else None)
        out["spec"] = kept
        return out
    if kind == "CronJob":
        jt = spec.get("jobTemplate") if isinstance(spec, dict) else None
        jspec = jt.get("spec") if isinstance(jt, dict) else None
        out["spec"] = {
            "jobTemplate": {
                "metadata": _pick(jt.get("metadata") if isinstance(jt, dict) else None, ("labels",)),
                "spec": {"template": _slim_template(
                    jspec.get("template") if isinstance(jspec, dict) else None)},
            }
        }
        return out
    if kind == "Route" and isinstance(spec, dict) and isinstance(spec.get("tls"), dict):
        # a Route may carry its private key and certificates inline (spec.tls.key,
        # certificate, caCertificate, destinationCACertificate): keep only how it terminates
        spec = dict(spec, tls=_pick(spec["tls"], ("termination", "insecureEdgeTerminationPolicy")))
    if spec is not None:  # Service, Ingress, Route, NetworkPolicy, the admin policy kinds
        out["spec"] = spec
    if kind == "Service" and isinstance(obj.get("status"), dict):
        out["status"] = _pick(obj["status"], ("loadBalancer",))
    return out


# --------------------------------------------------------------------------- writing


# Why not yaml.dump (even with CSafeDumper): PyYAML's representer and resolver run in Python
# for every node and regex-test every string; for 5,000 pods that is ~10 s. The data here is
# JSON (dicts with string keys, lists, str, int, float, bool, None), for which a block-style
# emitter is short: strings are plain only when they match a conservative pattern that no
# YAML 1.1 resolver turns into another type, and double-quoted (JSON escapes, which are YAML
# escapes, plus the characters YAML treats as line breaks or forbids) otherwise. A property
# test checks ``yaml.safe_load(emit(x)) == x``. ``dump_yaml`` falls back to PyYAML for
# anything that is not JSON data.

_PLAIN = re.compile(r"[A-Za-z_/][A-Za-z0-9_./-]*\Z")
# Words YAML 1.1 reads as booleans or null (PyYAML's set, and y/n for other readers).
_RESERVED = frozenset({"y", "n", "yes", "no", "true", "false", "on", "off", "null"})
# Characters a YAML reader forbids or reads as line breaks inside double quotes.
_ESCAPE = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
_MAX_SIMPLE_KEY = 1000  # YAML limits implicit keys to 1024 characters


class _NotJson(TypeError):
    pass


def _quote(text: str) -> str:
    out = json.dumps(text, ensure_ascii=False)
    if _ESCAPE.search(out):
        out = _ESCAPE.sub(lambda m: f"\\u{ord(m.group()):04x}", out)
    return out


def _string(text: str) -> str:
    if _PLAIN.match(text) and text.lower() not in _RESERVED:
        return text
    return _quote(text)


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return _string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return ".nan"
        if value in (float("inf"), float("-inf")):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value).lower()
        if "." not in text and "e" in text:  # 1e+20 -> 1.0e+20, as YAML 1.1 wants
            text = text.replace("e", ".0e", 1)
        return text
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    raise _NotJson(type(value).__name__)


def _emit_mapping(out: list[str], mapping: dict[Any, Any], indent: int) -> None:
    pad = " " * indent
    for key, value in mapping.items():
        if not isinstance(key, str):
            raise _NotJson("non-string key")
        k = _string(key)
        if len(k) > _MAX_SIMPLE_KEY:
            out.append(f"{pad}? {k}\n")
            k = ""  # the value follows on a ":" line
        if value and isinstance(value, dict):
            out.append(f"{pad}{k}:\n")
            _emit_mapping(out, value, indent + 2)
        elif value and isinstance(value, list):
            out.append(f"{pad}{k}:\n")
            _emit_sequence(out, value, indent + 2 if not k else indent)
        else:
            out.append(f"{pad}{k}: {_scalar(value)}\n")


def _emit_sequence(out: list[str], sequence: list[Any], indent: int) -> None:
    pad = " " * indent
    for value in sequence:
        if value and isinstance(value, dict):
            first = len(out)
            _emit_mapping(out, value, indent + 2)
            out[first] = f"{pad}- {out[first][indent + 2 :]}"
        elif value and isinstance(value, list):
            first = len(out)
            _emit_sequence(out, value, indent + 2)
            out[first] = f"{pad}- {out[first][indent + 2 :]}"
        else:
            out.append(f"{pad}- {_scalar(value)}\n")


def dump_yaml(document: dict[str, Any]) -> str:
    """``document`` (JSON data) as block-style YAML that ``yaml.safe_load`` reads back equal."""
    if not document:
        return "{}\n"
    out: list[str] = []
    try:
        _emit_mapping(out, document, 0)
    except _NotJson:
        try:
            from yaml import CSafeDumper as dumper
        except ImportError:  # pragma: no cover - depends on how PyYAML was built
            from yaml import SafeDumper as dumper  # type: ignore[assignment]
        return yaml.dump(
            document, Dumper=dumper, default_flow_style=False, sort_keys=False, allow_unicode=True
        )
    return "".join(out)


def _dump(document: dict[str, Any], stream: Any, style: str = "json") -> None:
    if style == "json":
        # JSON is YAML (1.2), so the file is still "one YAML file" for every YAML tool, and
        # netviz opens it about 7 times faster than block YAML (5,000 pods: 0.4 s vs 3 s):
        # PyYAML builds a node per scalar, the json module does not.
        json.dump(document, stream, indent=1, ensure_ascii=False)
        stream.write("\n")
        return
    header = document.get("header") or {}
    stream.write(
        f"# netviz cluster snapshot of context {header.get('context', '?')!s}, taken "
        f"{header.get('takenAt', '?')!s}. Open it with netviz like a manifest.\n"
    )
    stream.write(dump_yaml(document))


def kubeconfig_files(kubeconfig: str | None = None) -> list[str]:
    """Every file the kubeconfig in use consists of or points to: the kubeconfig files (a
    ``:``-separated $KUBECONFIG list is merged), and the certificate, key and token files they
    name. Best effort: unreadable parts are skipped."""
    files: list[str] = []
    for part in _kubeconfig_paths(kubeconfig).split(os.pathsep):
        if not part:
            continue
        path = os.path.expanduser(part)
        files.append(path)
        try:
            with open(path, encoding="utf-8") as fh:
                doc = yaml.safe_load(fh)
        except (OSError, yaml.YAMLError, UnicodeDecodeError):
            continue
        base = os.path.dirname(os.path.abspath(path))
        for section, key in (("clusters", "cluster"), ("users", "user")):
            entries = doc.get(section) if isinstance(doc, dict) else None
            for entry in entries if isinstance(entries, list) else []:
                body = entry.get(key) if isinstance(entry, dict) else None
                if not isinstance(body, dict):
                    continue
                for field_name in ("certificate-authority", "client-certificate", "client-key",
                                   "tokenFile"):
                    ref = body.get(field_name)
                    if isinstance(ref, str) and ref:
                        files.append(os.path.join(base, os.path.expanduser(ref)))
    return files


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def check_writable(path: str | os.PathLike[str], kubeconfig: str | None = None) -> None:
    """Fail early (``SnapshotWriteError``) when ``path`` cannot be written: a missing
    directory, a directory as target, no write permission, or a file of the kubeconfig in
    use (``kubeconfig_files``: overwriting it would destroy the user's credentials)."""
    target = os.fspath(path)
    for used in kubeconfig_files(kubeconfig):
        if _same_file(target, used):
            raise SnapshotWriteError(
                f"refusing to write the snapshot to {target}: it is {used}, a kubeconfig (or "
                "a credential file it names) in use; choose another file"
            )
    directory = os.path.dirname(os.path.abspath(target))
    if os.path.isdir(target):
        raise SnapshotWriteError(f"cannot write {target}: it is a directory")
    if not os.path.isdir(directory):
        raise SnapshotWriteError(f"cannot write {target}: directory {directory} does not exist")
    if not os.access(directory, os.W_OK):
        raise SnapshotWriteError(f"cannot write {target}: directory {directory} is not writable")


def write_snapshot(
    snapshot: Snapshot, path: str | os.PathLike[str], *, style: str = "json"
) -> int:
    """Write ``snapshot`` to ``path`` atomically; return the number of bytes written.

    ``style``: ``"json"`` (default: JSON syntax, which is valid YAML and opens fast) or
    ``"yaml"`` (block-style YAML, like ``kubectl get -o yaml``; slower to open when large).

    Written by ``netviz.io.atomic`` (a temp file in the same directory, fsynced and renamed
    over ``path``; on any error or KeyboardInterrupt it is removed and ``path`` is left as it
    was), readable by the owner only: a snapshot describes the cluster.
    Raises ``SnapshotWriteError``.
    """
    target = os.fspath(path)
    try:
        with atomic_file(target, newline="\n", private=True) as stream:
            _dump(snapshot.document(), stream, style)
            stream.flush()
            size = stream.tell()
    except OSError as exc:
        raise SnapshotWriteError(f"cannot write {target}: {exc.strerror or exc}") from None
    return size
