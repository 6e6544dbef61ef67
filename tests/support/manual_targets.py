"""What readers and other manuals link to in the built QMP manual: every
HTML anchor, every index entry and every ``objects.inv`` entry.

A rewrite of the extension's rendering must keep all of them, so they are
kept as data (``tests/data/sphinx/manual-targets-10.2.json.gz``), taken
from two builds of QEMU 10.2's schemas:

* ``one-page``: QEMU's own page (``docs/interop/qemu-qmp-ref.rst`` of
  ``../shared/anchors/qemu-10.2``) as ``index.rst``, QEMU's conf settings,
  our extension: the whole QMP reference on one page, as a QEMU docs build
  makes it;
* ``split``: the 10.2 corpus project of the Sphinx tests (QMP split by
  section, the guest agent on one page, the storage daemon split by
  module).

Regenerate (after a change that adds targets on purpose, and review the
diff of the counts it prints)::

    .venv/bin/python tests/support/manual_targets.py --update
"""

from __future__ import annotations

import argparse
import html.parser
import lzma
import os
import pathlib
import re
import sys
import tempfile
from collections.abc import Iterable

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from support.sphinx_projects import PROJECTS, build, inventory, write_project  # noqa: E402

__all__ = ["DATA", "QEMU_PAGE", "Targets", "load", "save", "targets_of", "write_qemu_page_project"]

DATA = HERE.parent / "data" / "sphinx" / "manual-targets-10.2.txt.xz"
#: QEMU's page, relative to the shared directory
QEMU_PAGE = "anchors/qemu-10.2/docs/interop/qemu-qmp-ref.rst"

#: kind ("anchors", "index", "inventory") -> its entries
Targets = dict[str, set[tuple[str, ...]]]

_ID = re.compile(r'\sid="([^"]+)"')


def _html_pages(outdir: pathlib.Path) -> list[pathlib.Path]:
    return sorted(p for p in outdir.rglob("*.html")
                  if not p.relative_to(outdir).parts[0].startswith("_"))


def anchors(outdir: pathlib.Path) -> set[tuple[str, str]]:
    """(page, id) of every element with an id."""
    out = set()
    for page in _html_pages(outdir):
        rel = page.relative_to(outdir).as_posix()
        if rel in ("search.html", "genindex.html"):
            continue
        out.update((rel, i) for i in _ID.findall(page.read_text(encoding="utf-8")))
    return out


class _IndexLinks(html.parser.HTMLParser):
    """The links of an index page's table, each with the text of the
    entries it is under."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.in_table = 0
        self.path: list[str] = []       # text of each open <li>
        self.href: str | None = None
        self.text: list[str] = []
        self.links: set[tuple[str, str, str]] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and "indextable" in (dict(attrs).get("class") or ""):
            self.in_table += 1
        if not self.in_table:
            return
        if tag in ("li", "tr"):
            self.path.append("")
        elif tag == "a":
            self.href = dict(attrs).get("href") or ""
            self.text = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.in_table:
            self.in_table -= 1
        if not self.in_table:
            return
        if tag in ("li", "tr") and self.path:
            self.path.pop()
        elif tag == "a" and self.href is not None:
            text = " ".join("".join(self.text).split())
            if not self.href.startswith("#"):
                context = " / ".join(p for p in self.path[:-1] if p)
                self.links.add((context, text, self.href))
            if self.path and not self.path[-1]:
                self.path[-1] = text
            self.href = None

    def handle_data(self, data: str) -> None:
        if not self.in_table:
            return
        if self.href is not None:
            self.text.append(data)
        elif self.path and data.strip():
            self.path[-1] = " ".join(f"{self.path[-1]} {data}".split())


def index_entries(outdir: pathlib.Path) -> set[tuple[str, str, str, str]]:
    """(index page, entry it is under, link text, href) of the general
    index and of the domain's indices."""
    out = set()
    for page in _html_pages(outdir):
        rel = page.relative_to(outdir).as_posix()
        if not (rel.startswith("genindex") or re.fullmatch(r"qapi-.*index\.html", rel)):
            continue
        parser = _IndexLinks()
        parser.feed(page.read_text(encoding="utf-8"))
        out.update((rel, *link) for link in parser.links)
    return out


def inventory_entries(outdir: pathlib.Path) -> set[tuple[str, str, str, str]]:
    return set(inventory(outdir / "objects.inv"))


def targets_of(outdir: pathlib.Path) -> Targets:
    return {"anchors": anchors(outdir), "index": index_entries(outdir), "inventory": inventory_entries(outdir)}


# The data file: one entry a line, "build TAB kind TAB fields...", sorted,
# xz-compressed.  An inventory entry's URI that ends with its bare name
# ends with "$" instead, and a display name equal to the bare name is "~".

def _encode(build_name: str, kind: str, entry: tuple[str, ...]) -> str:
    if kind == "inventory":
        name, role, uri, disp = entry
        bare = name.split(":", 1)[-1]
        entry = (name, role, uri[:-len(bare)] + "$" if uri.endswith(bare) else uri, "~" if disp == bare else disp)
    return "\t".join((build_name, kind, *entry))


def _decode(line: str) -> tuple[str, str, tuple[str, ...]]:
    build_name, kind, *fields = line.split("\t")
    if kind == "inventory":
        name, role, uri, disp = fields
        bare = name.split(":", 1)[-1]
        fields = [name, role, uri[:-1] + bare if uri.endswith("$") else uri, bare if disp == "~" else disp]
    return build_name, kind, tuple(fields)


def save(data: dict[str, Targets], path: pathlib.Path = DATA) -> None:
    lines = sorted(_encode(b, k, e) for b, targets in data.items() for k, entries in targets.items()
                   for e in entries)
    path.write_bytes(lzma.compress(("\n".join(lines) + "\n").encode(), preset=9 | lzma.PRESET_EXTREME))


def load(path: pathlib.Path = DATA) -> dict[str, Targets]:
    data: dict[str, Targets] = {}
    for line in lzma.decompress(path.read_bytes()).decode().splitlines():
        build_name, kind, entry = _decode(line)
        data.setdefault(build_name, {}).setdefault(kind, set()).add(entry)
    return data


def write_qemu_page_project(shared: pathlib.Path, srcdir: pathlib.Path, extra_conf: str = "") -> None:
    """QEMU's page as ``index.rst`` with QEMU's settings (the ones that are
    not about QEMU's own extension) and ours loaded."""
    srcdir.mkdir(parents=True, exist_ok=True)
    text = (shared / QEMU_PAGE).read_text(encoding="utf-8")
    (srcdir / "index.rst").write_text(text, encoding="utf-8")
    defs = shared / "anchors" / "qemu-10.2" / "docs" / "defs.rst.inc"
    conf = [
        'extensions = ["qapidoc_sphinx"]',
        'project = "QEMU"',
        'html_theme = "alabaster"',
        f"qapidoc_srctree = {str(shared / 'corpus' / 'qemu-10.2')!r}",
        f"rst_epilog = open({str(defs)!r}, encoding='utf-8').read()",
        "default_role = 'any'",
        extra_conf,
    ]
    (srcdir / "conf.py").write_text("\n".join(conf) + "\n", encoding="utf-8")


def _build_all(shared: pathlib.Path, base: pathlib.Path, builder: str = "html") -> dict[str, pathlib.Path]:
    one = base / "one-page"
    write_qemu_page_project(shared, one / "src")
    split = base / "split"
    write_project(PROJECTS["10.2"], shared, split / "src")
    out = {}
    for name, root in (("one-page", one), ("split", split)):
        result = build(root / "src", root / builder, builder, doctrees=root / "doctrees")
        if result.returncode not in (0, 1):
            raise SystemExit(f"{name}: sphinx-build failed")
        out[name] = root / builder
    return out


def _counts(data: dict[str, Targets]) -> Iterable[str]:
    for build_name, targets in data.items():
        yield f"{build_name}: " + ", ".join(f"{len(v)} {k}" for k, v in targets.items())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--update", action="store_true", help=f"rewrite {DATA.name}")
    parser.add_argument("--shared", default=os.environ.get("QAPIDOC_SHARED") or str(HERE.parents[2] / "shared"))
    parser.add_argument("--keep", help="build in this directory (kept) instead of a temporary one")
    args = parser.parse_args(argv)
    shared = pathlib.Path(args.shared)
    with tempfile.TemporaryDirectory(prefix="manual-targets-") as tmp:
        base = pathlib.Path(args.keep or tmp)
        outdirs = _build_all(shared, base)
        data = {name: targets_of(outdir) for name, outdir in outdirs.items()}
    for line in _counts(data):
        print(line)
    if args.update:
        save(data)
        assert load() == data
        print(f"wrote {DATA} ({DATA.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
