"""Presenting (Voila) and the reading copy: the commands a lecturer and a reader without a kernel use."""

import re
import subprocess
import sys
import urllib.request

import pytest

from lnlib.support import paths
from lnlib.tools import present, reading_copy


def test_notebooks_are_found_by_number_or_name():
    first = paths.notebooks()[0]
    assert first.name.startswith("00_")
    assert (
        present.find_notebook("0")
        == present.find_notebook("00")
        == present.find_notebook(first.name)
        == first
    )
    with pytest.raises(ValueError, match="no notebook '99'.*00_"):
        present.find_notebook("99")


def test_present_without_arguments_lists_the_notebooks_and_refuses_an_unknown_one():
    listing = subprocess.run(
        [sys.executable, "-m", "lnlib", "present"], capture_output=True, text=True, check=True
    )
    for path in paths.notebooks():
        assert path.name in listing.stdout
    unknown = subprocess.run([sys.executable, "-m", "lnlib", "present", "99"], capture_output=True, text=True)
    assert unknown.returncode == 2 and "no notebook '99'" in unknown.stderr


def test_voila_serves_a_notebook_with_its_code_hidden_and_stops_by_pid(tmp_path):
    with open(tmp_path / "voila.log", "w") as log:
        process, url = present.start_voila(present.find_notebook("00"), log=log)
        try:
            assert url.startswith("http://127.0.0.1:")
            page = urllib.request.urlopen(url, timeout=120).read().decode()
            assert "Start here" in page and "from lnlib.nb00_start_here.tour import" not in page
            assert '<html lang="en">' in page
        finally:
            present.stop_voila(process)
    assert process.poll() is not None


def test_reading_copy_is_executed_html_with_a_picture_of_each_app(tmp_path):
    written = reading_copy.build(tmp_path, [present.find_notebook("00")])
    page = (tmp_path / "00_start_here.html").read_text(encoding="utf-8")
    assert [p.name for p in written] == ["00_start_here.html", "index.html"]
    assert "data:image/png;base64," in page  # the first slider's figure, as a picture
    images = re.findall(r"<img [^>]*>", page)
    assert images and all(re.search(r'alt="[^"]*[a-z]{3}[^"]*"', image) for image in images)
    assert "No description has been provided" not in page  # nbconvert's stand-in for a missing alt
    assert '<html lang="en">' in page
    assert "whatever the stretch" in page  # its note, computed by the kernel
    assert "层归一化" in page  # the glossary, executed
    assert "Traceback" not in page
    assert (tmp_path / "mathjax" / "tex-chtml.js").is_file()  # the formulas render offline
    assert 'src="mathjax/tex-chtml.js"' in page and '<script src="http' not in page
    assert "00_start_here.html" in (tmp_path / "index.html").read_text(encoding="utf-8")
