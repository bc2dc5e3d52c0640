"""Static assets from npm: MathJax 3 for the site, axe-core for the site's accessibility test.

The site must make no request to any host but its own, so MathJax is not taken from a CDN:
``npm pack`` fetches the published package tarball from the npm registry (npm checks its
integrity; nothing is installed or run), it is kept in ``_build/vendor`` and the parts the
site needs are unpacked next to the staged book. Sphinx then copies them into ``_static/``
and ``mathjax_path`` in _config.yml points there.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
from pathlib import Path

MATHJAX_VERSION = "3.2.2"
#: axe-core, the engine behind browsers' accessibility audits: the site tests inject it into
#: every page (it is never part of the site itself).
AXE_VERSION = "4.14.1"
# Of the package's es5/ tree keep the one combined component the book uses (TeX input, CHTML
# output), the CHTML fonts, and what MathJax loads on demand (TeX extensions, menu,
# accessibility). The other combined bundles (SVG, MathML, "full") are never loaded.
_KEEP_TOP = ("tex-chtml.js",)
_KEEP_DIRS = ("input/tex/", "output/chtml/", "a11y/", "sre/", "ui/", "adaptors/")


def npm_tarball(cache_dir: Path, package: str, version: str) -> Path:
    """An npm package's tarball, fetched once with ``npm pack`` into ``cache_dir``."""
    cache_dir = Path(cache_dir)
    tarball = cache_dir / f"{package}-{version}.tgz"
    if tarball.exists():
        return tarball
    cache_dir.mkdir(parents=True, exist_ok=True)
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(
            f"npm is needed once to fetch {package} for the site "
            "(Debian: apt-get install -y npm); `make book` installs it when missing"
        )
    subprocess.run(
        [npm, "pack", f"{package}@{version}", "--silent", "--pack-destination", str(cache_dir)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    if not tarball.exists():
        raise RuntimeError(f"npm pack did not write {tarball}")
    return tarball


def unpack_mathjax(cache_dir: Path, dest: Path) -> Path:
    """Unpack the needed part of MathJax's es5/ tree into ``dest`` (e.g. _vendor/mathjax)."""
    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    prefix = "package/es5/"
    with tarfile.open(npm_tarball(cache_dir, "mathjax", MATHJAX_VERSION)) as archive:
        for member in archive.getmembers():
            if not member.isfile() or not member.name.startswith(prefix):
                continue
            relative = member.name[len(prefix):]
            if relative in _KEEP_TOP or relative.startswith(_KEEP_DIRS):
                target = dest / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.extractfile(member) as src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out)
    if not (dest / "tex-chtml.js").is_file():
        raise RuntimeError(f"tex-chtml.js missing from the MathJax {MATHJAX_VERSION} package")
    return dest


def axe_script(cache_dir: Path) -> Path:
    """``axe.min.js`` unpacked from the axe-core npm package into ``cache_dir`` (once)."""
    target = Path(cache_dir) / f"axe-core-{AXE_VERSION}.min.js"
    if not target.exists():
        with tarfile.open(npm_tarball(cache_dir, "axe-core", AXE_VERSION)) as archive:
            with archive.extractfile("package/axe.min.js") as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)
    return target
