"""Kubeconfig files pointing at a ``FakeKube``: one context per way of authenticating.

Contexts written by ``KubeconfigFactory.write``:
- ``token``: a bearer token the server knows;
- ``cert``: a client certificate issued by the server's CA (user = its common name);
- ``exec``: an exec plugin (a small Python script printing an ExecCredential with a token);
- ``bad-token``: a bearer token the server does not know (401);
- ``unreachable``: a closed port on 127.0.0.1;
- ``wrong-ca``: the right server, but a CA that did not sign its certificate (TLS failure).
"""

from __future__ import annotations

import base64
import sys
from pathlib import Path
from typing import Any

import trustme
import yaml

from .server import FakeKube, closed_port

TOKEN = "netviz-test-token-0123456789abcdef"
EXEC_TOKEN = "netviz-exec-token-fedcba9876543210"
BAD_TOKEN = "netviz-wrong-token-000000000000"

EXEC_PLUGIN = '''\
"""Exec credential plugin for tests: prints an ExecCredential (client.authentication.k8s.io)."""
import json
import os
import sys

info = json.loads(os.environ.get("KUBERNETES_EXEC_INFO", "{}"))
print(json.dumps({
    "apiVersion": info.get("apiVersion", "client.authentication.k8s.io/v1beta1"),
    "kind": "ExecCredential",
    "status": {"token": sys.argv[1]},
}))
'''


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class KubeconfigFactory:
    def __init__(self, fake: FakeKube, directory: Path) -> None:
        self.fake = fake
        self.dir = directory
        fake.tokens.setdefault(TOKEN, "alice")
        fake.tokens.setdefault(EXEC_TOKEN, "exec-user")
        self.client_cert = fake.ca.issue_cert("bob@example.com", common_name="bob")
        self.other_ca = trustme.CA()

    @property
    def client_key_pem(self) -> bytes:
        return self.client_cert.private_key_pem.bytes()

    def secrets(self) -> list[str]:
        """Strings that must never appear in a snapshot or a log."""
        key_lines = [
            line
            for line in self.client_key_pem.decode().splitlines()
            if line and not line.startswith("-----")
        ]
        return [TOKEN, EXEC_TOKEN, BAD_TOKEN, _b64(self.client_key_pem), *key_lines]

    def write(self, name: str = "kubeconfig", current: str = "token") -> Path:
        ca = _b64(self.fake.ca.cert_pem.bytes())
        plugin = self.dir / "exec_plugin.py"
        plugin.write_text(EXEC_PLUGIN, encoding="utf-8")
        clusters: list[dict[str, Any]] = [
            {
                "name": "fake",
                "cluster": {"server": self.fake.url, "certificate-authority-data": ca},
            },
            {
                "name": "unreachable",
                "cluster": {
                    "server": f"https://127.0.0.1:{closed_port()}",
                    "certificate-authority-data": ca,
                },
            },
            {
                "name": "wrong-ca",
                "cluster": {
                    "server": self.fake.url,
                    "certificate-authority-data": _b64(self.other_ca.cert_pem.bytes()),
                },
            },
        ]
        users: list[dict[str, Any]] = [
            {"name": "token", "user": {"token": TOKEN}},
            {"name": "bad-token", "user": {"token": BAD_TOKEN}},
            {
                "name": "cert",
                "user": {
                    "client-certificate-data": _b64(
                        b"".join(b.bytes() for b in self.client_cert.cert_chain_pems)
                    ),
                    "client-key-data": _b64(self.client_key_pem),
                },
            },
            {
                "name": "exec",
                "user": {
                    "exec": {
                        "apiVersion": "client.authentication.k8s.io/v1beta1",
                        "command": sys.executable,
                        "args": [str(plugin), EXEC_TOKEN],
                        "interactiveMode": "Never",
                        "provideClusterInfo": False,
                    }
                },
            },
        ]
        contexts = [
            ("token", "fake", "token"),
            ("cert", "fake", "cert"),
            ("exec", "fake", "exec"),
            ("bad-token", "fake", "bad-token"),
            ("unreachable", "unreachable", "token"),
            ("wrong-ca", "wrong-ca", "token"),
        ]
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "preferences": {},
            "clusters": clusters,
            "users": users,
            "contexts": [{"name": n, "context": {"cluster": c, "user": u}} for n, c, u in contexts],
            "current-context": current,
        }
        path = self.dir / name
        path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        return path
