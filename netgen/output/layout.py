"""Where the output goes and what its files are called: one file per object (the name
from kind, namespace and name), a Kustomization per environment, and OUT/.netgen for
netgen's own files. Nothing here touches the disk."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # at run time only where used: a no-op rebuild never imports jinja2
    from netgen.render import Document

KUSTOMIZATION = "Kustomization"
HIDDEN = ".netgen"  # OUT/.netgen/: lock, rebuild cache, staged trees; ignored by git
LOCK = "lock"


def file_name(doc: Document, env_namespace: str, qualified: bool = False) -> str:
    """`Kind.name.yaml` in the environment's namespace, `Kind.namespace.name.yaml` in others
    (or when `qualified`); kinds and namespaces hold no dots, so the qualified form is
    unambiguous even for names that do (an HTTPRoute named after its host)."""
    if doc.kind == "Namespace":
        return _fit(f"00-Namespace.{doc.name}")
    if doc.namespace is None or (doc.namespace == env_namespace and not qualified):
        return _fit(f"{doc.kind}.{doc.name}")
    return _fit(f"{doc.kind}.{doc.namespace}.{doc.name}")


NAME_MAX = 255  # bytes in one file name (Linux, macOS, Windows)
SUFFIX = ".yaml"
HASH = 10  # hex digits of the SHA-256 of the whole stem
_SURE = (NAME_MAX - len(SUFFIX)) // 4  # a stem this long fits whatever its characters


def _fit(stem: str) -> str:
    """`stem.yaml`, or when that is longer than a file name can be (an object name may have
    253 characters, its kind and namespace come on top), the stem cut to fit and followed
    by `-<hash>` of the whole stem: deterministic, and distinct for names that share
    their start. Every name that fits is left as it is."""
    if len(stem) <= _SURE or len(stem.encode()) <= NAME_MAX - len(SUFFIX):
        return stem + SUFFIX  # (no UTF-8 character takes more than 4 bytes)
    from hashlib import sha256

    digest = sha256(stem.encode()).hexdigest()[:HASH]
    keep = NAME_MAX - len(SUFFIX) - len("-") - HASH
    return f"{stem.encode()[:keep].decode(errors='ignore')}-{digest}{SUFFIX}"


def named(docs: Iterable[Document], env_namespace: str) -> dict[str, Document]:
    """File name -> document, in the order of the `--stdout` stream: Namespaces first, then
    by kind, namespace and name, whatever order the backends rendered in (so the order of
    declarations never shows). A short name that another object's qualified name also
    spells ('a.b' here, 'b' in namespace 'a') is qualified, so no object overwrites
    another."""
    docs = list(docs)
    short = [file_name(d, env_namespace) for d in docs]
    taken = {n for d, n in zip(docs, short, strict=True)
             if d.namespace not in (None, env_namespace)}
    out = {}
    for d, n in zip(docs, short, strict=True):
        if d.namespace == env_namespace and n in taken:
            n = file_name(d, env_namespace, qualified=True)
        out[n] = d
    return dict(sorted(out.items(), key=lambda item: _stream_key(item[1])))


def _stream_key(d: Document) -> tuple[bool, str, str, str]:
    return d.kind != "Namespace", d.kind, d.namespace or "", d.name


def env_files(docs: list[Document], env_namespace: str, blueprint: str) -> dict[str, str]:
    """File name -> full text for one environment, in a stable order, with the Kustomization
    that makes `kubectl apply -k` work. It has no .yaml suffix so `kubectl apply -f` skips it."""
    return files_of(named(docs, env_namespace), blueprint)


def files_of(documents: Mapping[str, Document], blueprint: str) -> dict[str, str]:
    """`env_files` of documents already `named`."""
    from netgen.render import HEADER

    header = HEADER.format(name=blueprint)
    files = {n: header + d.text for n, d in documents.items()}
    names = sorted(files)
    files[KUSTOMIZATION] = (
        header + "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n"
        + "".join(f"  - {n}\n" for n in names)
    )
    return dict(sorted(files.items()))


def hidden(out: Path) -> Path:
    """OUT/.netgen/: the lock, the rebuild cache and the staged trees. Its own .gitignore
    keeps it out of commits, so out/<env>/ holds only the manifests and two builds of one
    blueprint look the same to git."""
    return out / HIDDEN
