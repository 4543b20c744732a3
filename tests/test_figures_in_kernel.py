"""Figures show in a real notebook kernel, even with ``MPLBACKEND=Agg`` in the environment.

ipykernel only selects the inline backend when ``MPLBACKEND`` is unset, so a user
(or a CI job) with ``MPLBACKEND=Agg`` would get no figures at all: nothing to see,
and nbval failing on every figure cell.  ``course_style()`` selects it explicitly.
One kernel start, a few seconds.
"""

import base64
import struct

import nbformat
from nbclient import NotebookClient

SETUP = "from nblib.plots import course_style\n\ncourse_style()"
PLOT = """\
import matplotlib.pyplot as plt

plt.plot([0, 1, 2], [0, 1, 4])
plt.title("A parabola")
plt.xlabel("x")
plt.show()"""


def test_figure_cell_shows_an_image_and_its_text_form_under_mplbackend_agg(tmp_path, monkeypatch):
    # The kernel inherits this environment when it starts.
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SETUP),
                                               nbformat.v4.new_code_cell(PLOT)])
    NotebookClient(notebook, timeout=60, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()

    outputs = notebook.cells[1].outputs
    (figure,) = [output for output in outputs if output.output_type == "display_data"]
    assert figure.data["text/plain"] == "[figure] A parabola: y against x"
    png = base64.b64decode(figure.data["image/png"])
    assert png.startswith(b"\x89PNG\r\n")
    # the course's size (set after the backend loaded, so not undone by it): shown at
    # 760 x 460 px, stored at 1.5 times that (nblib.plots.figure_png)
    shown = figure.metadata["image/png"]
    assert 700 <= shown["width"] <= 850 and 400 <= shown["height"] <= 500
    width, height = struct.unpack(">II", png[16:24])     # from the PNG's IHDR chunk
    assert (round(width / 1.5), round(height / 1.5)) == (shown["width"], shown["height"])
    assert b"nblib:smallest-text-px" in png               # its smallest text, recorded
