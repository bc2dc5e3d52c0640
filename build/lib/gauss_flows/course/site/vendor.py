"""Static assets the site serves itself: MathJax 3 from its npm package.

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
# Of the package's es5/ tree keep the one combined component the book uses (TeX input, CHTML
# output), the CHTML fonts, and what MathJax loads on demand (TeX extensions, menu,
# accessibility). The other combined bundles (SVG, MathML, "full") are never loaded.
_KEEP_TOP = ("tex-chtml.js",)
_KEEP_DIRS = ("input/tex/", "output/chtml/", "a11y/", "sre/", "ui/", "adaptors/")


def mathjax_tarball(cache_dir: Path) -> Path:
    """The MathJax npm tarball, fetched once with ``npm pack`` into ``cache_dir``."""
    cache_dir = Path(cache_dir)
    tarball = cache_dir / f"mathjax-{MATHJAX_VERSION}.tgz"
    if tarball.exists():
        return tarball
    cache_dir.mkdir(parents=True, exist_ok=True)
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(
            "npm is needed once to fetch MathJax for the site "
            "(Debian: apt-get install -y npm); `make book` installs it when missing"
        )
    subprocess.run(
        [npm, "pack", f"mathjax@{MATHJAX_VERSION}", "--silent", "--pack-destination", str(cache_dir)],
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
    with tarfile.open(mathjax_tarball(cache_dir)) as archive:
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
