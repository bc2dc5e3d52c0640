"""The icon bundle subset (gauss_flows.course.site.icons) on a bundle written like the theme's."""

import json
import shutil
import subprocess

import pytest

from gauss_flows.course.site import icons

# Two packs as the minified bundle writes them: quoted keys, bare keys, aliases, a duotone path.
BUNDLE = (
    'var a={"address-book":[448,512,[62138,"contact-book"],"f2b9","M0 0h1z"],'
    'bars:[448,512,["navicon"],"f0c9","M0 1h2z"],'
    '"circle-half-stroke":[512,512,[9680,"adjust"],"f042","M1 1z"]};'
    'var b={github:[496,512,[],"f09b","M2 2z"],'
    '"duo-thing":[512,512,[],"e000",["M3 3z","M4 4z"]],'
    'yelp:[384,512,[],"f1e9","M5 5z"]};var c=[1,2,[3]];\n//# sourceMappingURL=fontawesome.js.map\n'
)
KEYS = {"address-book": {"contact-book"}, "bars": {"navicon"}, "circle-half-stroke": {"adjust"},
        "github": set(), "duo-thing": set(), "yelp": set()}


def test_every_entry_is_found_with_its_aliases():
    names = [sorted(n) for _, _, n in icons.icon_entries(BUNDLE)]
    assert names == [["address-book", "contact-book"], ["bars", "navicon"], ["adjust", "circle-half-stroke"],
                     ["github"], ["duo-thing"], ["yelp"]]


@pytest.mark.parametrize("keep", [set(), {"bars"}, {"contact-book", "yelp"}, {"address-book", "github", "duo-thing"},
                                  {"address-book", "bars", "circle-half-stroke", "github", "duo-thing", "yelp"}])
def test_subset_keeps_exactly_the_used_icons_and_stays_valid(keep, tmp_path):
    subset = icons.subset_bundle(BUNDLE, keep)
    kept = {name for _, _, names in icons.icon_entries(subset) for name in names}
    for _, _, names in icons.icon_entries(BUNDLE):
        assert bool(names & kept) == bool(names & keep), names
    assert "var c=[1,2,[3]];" in subset  # code that is not an icon is untouched
    assert "sourceMappingURL" not in subset
    if shutil.which("node"):  # the subset still runs, and its packs hold exactly the kept icons
        script = tmp_path / "bundle.js"
        script.write_text(subset + "\nconsole.log(JSON.stringify(Object.keys(a).concat(Object.keys(b))));")
        out = subprocess.run(["node", str(script)], capture_output=True, text=True, check=True).stdout
        expected = [key for key, aliases in KEYS.items() if ({key} | aliases) & keep]
        assert json.loads(out) == expected


def test_used_names_come_from_pages_and_scripts_not_the_bundle(tmp_path):
    (tmp_path / "_static" / "scripts").mkdir(parents=True)
    (tmp_path / "page.html").write_text('<i class="fa-solid fa-bars"></i><i class="fab fa-github"></i>')
    (tmp_path / "_static" / "theme.js").write_text('icon.className = "fa-solid fa-sun";')
    (tmp_path / icons.BUNDLE).write_text(BUNDLE + '/* fa-yelp named only inside the bundle */')
    assert {"bars", "github", "sun"} <= icons.used_icon_names(tmp_path)
    assert "yelp" not in icons.used_icon_names(tmp_path)
    before, after = icons.subset_site(tmp_path)
    assert after < before
    assert [sorted(n) for _, _, n in icons.icon_entries((tmp_path / icons.BUNDLE).read_text())] == [
        ["bars", "navicon"], ["github"]]
