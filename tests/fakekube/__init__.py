"""A fake Kubernetes API server (HTTPS, 127.0.0.1) and kubeconfig fixtures for tests and
benchmarks of ``netviz.io.cluster``. Not part of the product."""

from .kubeconfigs import KubeconfigFactory
from .server import FakeKube, closed_port, load_manifests

__all__ = ["FakeKube", "KubeconfigFactory", "closed_port", "load_manifests"]
