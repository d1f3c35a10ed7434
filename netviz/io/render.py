"""Render Helm charts and kustomizations into manifests, with the tool the user has.

A folder with a ``Chart.yaml`` is a Helm chart: its templates are not manifests (``{{ }}``) and
are rendered with ``helm template``. A folder with a ``kustomization.yaml`` (``.yml``,
``Kustomization``) is rendered with ``kustomize build``, or ``kubectl kustomize`` when only
kubectl is installed. Both only when the folder is named on the command line (or opened in the
app): while walking a larger folder, a chart or overlay inside it is not read (its templates are
not manifests, and rendering every overlay of a repository would merge its environments); a
warning says to name it.

Rules:
- The tool is looked up on PATH; when it is missing, the error says what to install and how to
  render by hand (``helm template DIR | netviz list -``).
- ``helm template`` marks each document with ``# Source: chart/templates/x.yaml``: the rendered
  output is cut there, and diagnostics name the chart and the template (``DIR: chart/templates/x.yaml
  (rendered by helm template)``), with lines counted in that template's rendered text
  (what ``helm template DIR -s templates/x.yaml`` prints). kustomize output is one text.
- A failing tool is an error with its exit status and the first lines of its stderr; a tool
  that runs longer than ``RENDER_TIMEOUT`` seconds is stopped. Output over the size limit is
  refused like a file.
- Nothing rendered can be saved back (it has no file); the editor offers Save As.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass

RENDER_TIMEOUT = 120.0
KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_SOURCE = re.compile(r"^# Source: (.+?)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class RenderTarget:
    path: str  # the folder as given
    kind: str  # "helm" | "kustomize"

    @property
    def what(self) -> str:
        return "Helm chart" if self.kind == "helm" else "kustomization"


def render_target(folder: str) -> RenderTarget | None:
    """A chart or a kustomization in ``folder`` (directly), else None."""
    if os.path.isfile(os.path.join(folder, "Chart.yaml")):
        return RenderTarget(folder, "helm")
    if any(os.path.isfile(os.path.join(folder, f)) for f in KUSTOMIZATION_FILES):
        return RenderTarget(folder, "kustomize")
    return None


class RenderError(Exception):
    """A message for the user: the tool is missing, failed, or took too long."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def command(target: RenderTarget) -> tuple[list[str], str]:
    """The command that renders ``target``, and how it is named in messages."""
    if target.kind == "helm":
        helm = shutil.which("helm")
        if helm is None:
            raise RenderError(
                f"{target.path} is a Helm chart (it has a Chart.yaml); netviz renders it with "
                "`helm template`, but helm is not installed. Install Helm 3 "
                "(https://helm.sh/docs/intro/install/), or render it yourself: "
                f"helm template {target.path} | netviz list -",
                "render-tool-missing",
            )
        return [helm, "template", target.path], "helm template"
    kustomize = shutil.which("kustomize")
    if kustomize is not None:
        return [kustomize, "build", target.path], "kustomize build"
    kubectl = shutil.which("kubectl")
    if kubectl is not None:
        return [kubectl, "kustomize", target.path], "kubectl kustomize"
    raise RenderError(
        f"{target.path} is a kustomization; netviz renders it with `kustomize build` or "
        "`kubectl kustomize`, but neither kustomize nor kubectl is installed. Install one of "
        "them (https://kubectl.docs.kubernetes.io/installation/kustomize/), or render it "
        f"yourself: kustomize build {target.path} | netviz list -",
        "render-tool-missing",
    )


def render(target: RenderTarget, max_bytes: int) -> tuple[str, str]:
    """(rendered text, tool name). Raises ``RenderError``."""
    argv, tool = command(target)
    try:
        proc = subprocess.run(
            argv, capture_output=True, timeout=RENDER_TIMEOUT, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        raise RenderError(
            f"{tool} {target.path} did not finish within {RENDER_TIMEOUT:g} s; stopped",
            "render-failed",
        ) from None
    except OSError as exc:
        raise RenderError(f"cannot run {tool}: {exc.strerror or exc}", "render-failed") from None
    if proc.returncode != 0:
        lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()[:5]
        detail = ": " + " / ".join(lines) if lines else ""
        raise RenderError(
            f"{tool} {target.path} failed (exit status {proc.returncode}){detail}",
            "render-failed",
        )
    if len(proc.stdout) > max_bytes:
        raise RenderError(
            f"{tool} {target.path} printed more than the limit of {max_bytes:,} bytes; not read",
            "file-too-large",
        )
    try:
        return proc.stdout.decode("utf-8"), tool
    except UnicodeDecodeError:
        raise RenderError(f"{tool} {target.path} printed text that is not UTF-8",
                          "render-failed") from None


def split_sources(text: str) -> list[tuple[str | None, str]]:
    """Cut ``helm template`` output at its ``# Source:`` comments: (template path or None,
    text) per part, in order; consecutive documents of one template stay together."""
    marks = list(_SOURCE.finditer(text))
    if not marks:
        return [(None, text)]
    parts: list[tuple[str | None, str]] = []
    head = text[: marks[0].start()]
    if head.strip().strip("-").strip():
        parts.append((None, head))
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        body = text[m.start() : end]
        # the '---' that separates documents belongs to the next part: drop it here
        body = re.sub(r"\n---\s*\Z", "\n", body)
        if parts and parts[-1][0] == m.group(1):
            parts[-1] = (m.group(1), parts[-1][1] + "---\n" + body)
        else:
            parts.append((m.group(1), body))
    return parts


__all__ = ["RenderError", "RenderTarget", "render", "render_target", "split_sources"]
