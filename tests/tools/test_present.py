"""Presenting (Voila) and the reading copy: the commands a lecturer and a reader without a kernel use."""

import json
import re
import socket
import subprocess
import sys
import urllib.request

import pytest

from lnlib.support import language, paths
from lnlib.tools import bench, present, reading_copy


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


def test_present_all_heats_the_asked_edition_only_and_each_kernel_is_told_its_language():
    for asked, other in (("en", "zh"), ("zh", "en")):
        command = present.voila_command(paths.NOTEBOOKS, 8866, preheat=1, language=asked)
        [pools] = [json.loads(part.split("=", 1)[1]) for part in command if "kernel_pools_config=" in part]
        assert pools.pop("default") == {"pool_size": 0}  # a notebook not named below: no heated kernel
        named = {paths.NOTEBOOKS / name for name in pools}
        assert named == set(paths.notebooks(asked)) and not named & set(paths.notebooks(other))
        for pool in pools.values():
            assert pool == {"pool_size": 1, "kernel_env_variables": {language.ENVIRONMENT_VARIABLE: asked}}
        assert "--Voila.port_retries=0" in command  # Voila exits on a taken port instead of moving
    cold = present.voila_command(paths.NOTEBOOKS, 8866)
    assert not any("pool" in part or "preheat" in part for part in cold)


def test_the_readme_shows_the_voila_command_that_present_runs():
    notebook = present.find_notebook("03")
    command = present.voila_command(notebook, 8866, preheat=1)
    shown = " ".join(["python", *command[1:3], notebook.relative_to(paths.ROOT).as_posix(), *command[4:]])
    for readme in ("README.md", "README.zh-CN.md"):
        assert f"`{shown}`" in " ".join((paths.ROOT / readme).read_text(encoding="utf-8").split()), readme


@pytest.fixture
def one_slider(tmp_path):
    """The cheapest notebook Voila can serve: one ipywidgets slider."""
    return tmp_path / bench.write_one_slider_notebook(tmp_path)


@pytest.fixture
def held_port():
    """A port that another program (this test) holds, listening."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def test_voila_moves_to_a_new_free_port_when_its_port_is_taken(tmp_path, one_slider, held_port):
    with open(tmp_path / "voila.log", "w") as log:
        process, url = present.start_voila(one_slider, port=held_port, log=log)
        try:
            assert url.startswith("http://127.0.0.1:") and url != f"http://127.0.0.1:{held_port}/"
            page = urllib.request.urlopen(url, timeout=120).read().decode()
            assert "ipywidgets.FloatSlider" not in page and "One slider" in page  # Voila, code hidden
        finally:
            present.stop_voila(process)
    assert f"The port {held_port} is already in use" in (tmp_path / "voila.log").read_text()


def test_voila_gives_up_with_a_clear_error_after_a_few_taken_ports(
    tmp_path, monkeypatch, one_slider, held_port
):
    monkeypatch.setattr(present, "PORT_TRIES", 2)
    monkeypatch.setattr(present, "free_port", lambda: held_port)  # every port it tries is taken
    with (
        open(tmp_path / "voila.log", "w") as log,
        pytest.raises(RuntimeError, match=f"ports {held_port}, {held_port} taken"),
    ):
        present.start_voila(one_slider, log=log)


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
