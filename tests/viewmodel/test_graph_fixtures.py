"""A small cluster for the graph/layout tests (and the GUI tests), built in Python.

shop: web (Deployment x2, http 8080), api (Deployment, http 8000), db (StatefulSet, postgres
5432); ops: monitor. Services shop/web 80->http, shop/db 5432->postgres. Policies in shop:
default deny ingress; web open to all; api from web on TCP 8000; db from api on postgres.
"""

from __future__ import annotations

from netviz.engine import Analyzer, Options
from netviz.engine.connlist import connlist
from netviz.model import (
    Cluster,
    ContainerPort,
    LabelSelector,
    Namespace,
    NetworkPolicy,
    Peer,
    PolicyPort,
    Rule,
    Service,
    ServicePort,
    Workload,
    assemble_cluster,
)

WEB = "shop/web[Deployment]"
API = "shop/api[Deployment]"
DB = "shop/db[StatefulSet]"
MON = "ops/monitor[Deployment]"
SVC_WEB = "svc:shop/web"
SVC_DB = "svc:shop/db"


def sel(**labels: str) -> LabelSelector:
    return LabelSelector(tuple(sorted(labels.items())))


def workloads(extra: int = 0) -> list[Workload]:
    out = [
        Workload("Deployment", "shop", "web", {"app": "web", "tier": "front"},
                 (ContainerPort(8080, "http"),), replicas=2),
        Workload("Deployment", "shop", "api", {"app": "api", "tier": "back"},
                 (ContainerPort(8000, "http"),)),
        Workload("StatefulSet", "shop", "db", {"app": "db", "tier": "data"},
                 (ContainerPort(5432, "postgres"),)),
        Workload("Deployment", "ops", "monitor", {"app": "monitor"}),
    ]
    for i in range(extra):
        out.append(Workload("Deployment", "shop", f"extra{i}", {"app": f"extra{i}"}))
    return out


def policies(db_port: int | str = "postgres") -> list[NetworkPolicy]:
    return [
        NetworkPolicy("shop", "default-deny", LabelSelector()),
        NetworkPolicy("shop", "web-open", sel(app="web"), ingress=(Rule(),)),
        NetworkPolicy("shop", "api-from-web", sel(app="api"), ingress=(Rule(
            peers=(Peer(pod_selector=sel(app="web")),),
            ports=(PolicyPort("TCP", 8000),)),)),
        NetworkPolicy("shop", "db-from-api", sel(app="db"), ingress=(Rule(
            peers=(Peer(pod_selector=sel(app="api")),),
            ports=(PolicyPort("TCP", db_port),)),)),
    ]


def cluster(extra: int = 0, db_port: int | str = "postgres") -> Cluster:
    return assemble_cluster(
        namespaces=[Namespace("shop", {"team": "shop"}), Namespace("ops")],
        workloads=workloads(extra),
        services=[
            Service("shop", "web", {"app": "web"}, (ServicePort(80, "http"),)),
            Service("shop", "db", {"app": "db"}, (ServicePort(5432, "postgres"),)),
        ],
        policies=policies(db_port),
    )


def evaluated(cl: Cluster | None = None, options: Options | None = None):
    cl = cl or cluster()
    an = Analyzer(cl, options or Options())
    return cl, an, connlist(an)


YAML = """\
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: shop}}
---
apiVersion: v1
kind: Namespace
metadata: {name: ops}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, tier: front}}
    spec:
      containers:
      - {name: web, image: web, ports: [{name: http, containerPort: 8080}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api, tier: back}}
    spec:
      containers:
      - {name: api, image: api, ports: [{name: http, containerPort: 8000}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  selector: {matchLabels: {app: db}}
  serviceName: db
  template:
    metadata: {labels: {app: db, tier: data}}
    spec:
      containers:
      - {name: db, image: db, ports: [{name: postgres, containerPort: 5432}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: monitor, namespace: ops}
spec:
  selector: {matchLabels: {app: monitor}}
  template:
    metadata: {labels: {app: monitor}}
    spec:
      containers:
      - {name: monitor, image: monitor}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop}
spec:
  selector: {app: db}
  ports: [{port: 5432, targetPort: postgres}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: shop}
spec:
  podSelector: {}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-open, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api-from-web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: web}}}]
    ports: [{protocol: TCP, port: 8000}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-from-api, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: api}}}]
    ports: [{protocol: TCP, port: postgres}]
"""
