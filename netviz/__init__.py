"""netviz: see, audit and what-if Kubernetes NetworkPolicies."""

__version__ = "0.1.0"
