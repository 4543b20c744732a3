"""The spreadsheet companion (tools/spreadsheets.py): live formulas that agree with nblib.

Each workbook is recalculated by a real spreadsheet engine, the ``formulas`` package (it
parses and evaluates every cell's Excel formula; openpyxl only writes them), and compared
with nblib to 1e-9.  Then α and a starting weight are changed in the file (03) or in the
recalculated model (01: its compiled formulas, read from the file), and the results must
follow nblib with the new numbers: stored numbers could not.  ``formulas`` rather than
LibreOffice: a pip package in the ``spreadsheets`` extra, no 200 MB apt install in CI, and
the same on every student's machine.
"""

from __future__ import annotations

import copy
import json
import re
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from nblib.datasets import bakery_buns, toy_table
from nblib.metrics import accuracy
from nblib.neuron import neuron_forward, train_neuron

openpyxl = pytest.importorskip("openpyxl", reason="needs the spreadsheets extra: "
                               "pip install -e '.[spreadsheets]'")
formulas = pytest.importorskip("formulas", reason="needs the spreadsheets extra: "
                               "pip install -e '.[spreadsheets]'")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import spreadsheets  # noqa: E402

TOL = 1e-9
COLUMNS = spreadsheets.training_columns()
FIRST_ROW = 8                                   # iteration 0 on the Training sheet
LAST_ROW = FIRST_ROW + spreadsheets.LOGISTIC_EPOCHS - 1
BUN_ROW = 14                                    # the first bun on the Neuron sheet


class Recalculated:
    """A workbook compiled by ``formulas``; ``value("Sheet", "B7")`` reads a computed cell."""

    def __init__(self, path: Path):
        self.path = path
        self.model = formulas.ExcelModel().loads(str(path)).finish()
        self.solution = self.model.calculate()

    def key(self, sheet: str, cell: str) -> str:
        return f"'[{self.path.name}]{sheet.upper()}'!{cell.upper()}"

    def recalculated(self, **changes: float) -> Recalculated:
        """A copy with cells (``Neuron__B7=-1.0``) set in the compiled model, recalculated."""
        inputs = {self.key(*name.split("__")): value for name, value in changes.items()}
        changed = copy.copy(self)
        changed.solution = self.model.calculate(inputs=inputs)
        return changed

    def value(self, sheet: str, cell: str):
        result = np.asarray(self.solution[self.key(sheet, cell)].value).item()
        if isinstance(result, (int, float, np.number)):
            return float(result)
        return result                           # an error such as #N/A, or text

    def column(self, sheet: str, letter: str, first: int, last: int) -> np.ndarray:
        return np.array([self.value(sheet, f"{letter}{r}") for r in range(first, last + 1)])


def agree(name: str, sheet, expected) -> None:
    sheet, expected = np.asarray(sheet, dtype=float), np.asarray(expected, dtype=float)
    assert sheet.shape == expected.shape, f"{name}: shape {sheet.shape} != {expected.shape}"
    largest = float(np.max(np.abs(sheet - expected), initial=0.0))
    assert largest <= TOL, f"{name}: the sheet differs from nblib by {largest:.2e} > {TOL}"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("spreadsheets")


@pytest.fixture(scope="module")
def written(built) -> dict[str, Path]:
    return {path.name: path for path in spreadsheets.write(built)}


@pytest.fixture(scope="module")
def logistic(written) -> Recalculated:
    return Recalculated(written[spreadsheets.LOGISTIC])


@pytest.fixture(scope="module")
def neuron(written) -> Recalculated:
    return Recalculated(written[spreadsheets.NEURON])


# --- the numbers are the notebooks' ---------------------------------------------------------

def code_cell(notebook: str, cell_id: str) -> str:
    cells = json.loads((ROOT / "notebooks" / notebook).read_text(encoding="utf-8"))["cells"]
    [source] = ["".join(c["source"]) for c in cells if c.get("id") == cell_id]
    return source


def test_the_workbooks_use_the_notebooks_numbers():
    # 03: train_logistic starts from zeros, and the notebook trains it with lr=1.0 for 22
    assert "w, b = np.zeros(num_features), 0.0" in code_cell("03_log_loss.ipynb", "f83350f1")
    call = re.search(r"train_logistic\(X, y, lr=([\d.]+), num_epochs=(\d+)\)",
                     code_cell("03_log_loss.ipynb", "7e194f41"))
    assert call, "notebook 03 no longer calls train_logistic(X, y, lr=..., num_epochs=...)"
    assert (float(call[1]), int(call[2])) == (spreadsheets.LOGISTIC_LR,
                                              spreadsheets.LOGISTIC_EPOCHS)
    assert spreadsheets.LOGISTIC_W == (0.0, 0.0, 0.0) and spreadsheets.LOGISTIC_B == 0.0
    # 01: the hand-worked neuron of "One neuron, one bun"
    source = code_cell("01_neuron.ipynb", "51b05dd7")
    w = re.search(r"w = np\.array\(\[([-\d., ]+)\]\)", source)[1]
    b = re.search(r"^b = ([-\d.]+)", source, re.M)[1]
    assert tuple(float(v) for v in w.split(",")) == spreadsheets.NEURON_W
    assert float(b) == spreadsheets.NEURON_B


# --- 03: logistic regression ----------------------------------------------------------------

def sheet_training(book: Recalculated) -> dict[str, np.ndarray]:
    def group(name):
        return np.column_stack([book.column("Training", letter, FIRST_ROW, LAST_ROW)
                                for letter in COLUMNS[name]])
    return {name: group(name) for name in COLUMNS}


def nblib_training(lr: float, w, b: float) -> dict[str, np.ndarray]:
    """nblib's train_neuron, with the weights at the start of every iteration."""
    X, y = toy_table()
    epochs = spreadsheets.LOGISTIC_EPOCHS
    result = train_neuron(X, y, loss="log_loss", lr=lr, num_epochs=epochs,
                          w=np.array(w, dtype=float), b=b)
    starts = [(np.array(w, dtype=float), b)]
    for k in range(1, epochs):
        step = train_neuron(X, y, loss="log_loss", lr=lr, num_epochs=k,
                            w=np.array(w, dtype=float), b=b)
        starts.append((step.w, step.b))
    return {"losses": result.losses, "w": result.w, "b": result.b,
            "start_w": np.array([s[0] for s in starts]), "start_b": np.array([s[1] for s in starts]),
            "y_hat": np.array([neuron_forward(X, s[0], s[1]) for s in starts])}


def check_training(book: Recalculated, lr: float, w, b: float) -> None:
    sheet, expected = sheet_training(book), nblib_training(lr, w, b)
    agree("loss per iteration", sheet["mean_loss"][:, 0], expected["losses"])
    agree("weights at each iteration", sheet["w"], expected["start_w"])
    agree("bias at each iteration", sheet["b"][:, 0], expected["start_b"])
    agree("ŷ at each iteration", sheet["y_hat"], expected["y_hat"])
    agree("final weights", sheet["next_w"][-1], expected["w"])
    agree("final bias", sheet["next_b"][-1, 0], expected["b"])
    # the summary next to the inputs reads the last row
    summary = [book.value("Inputs", f"B{r}") for r in range(21, 26)]
    agree("summary on Inputs", summary, [*expected["w"], expected["b"], expected["losses"][-1]])


def test_logistic_regression_equals_nblib_and_the_notebook(logistic):
    check_training(logistic, spreadsheets.LOGISTIC_LR, spreadsheets.LOGISTIC_W,
                   spreadsheets.LOGISTIC_B)
    # the numbers notebook 03 prints: 0.6931 -> 0.1736 over 22 iterations
    assert round(logistic.value("Training", f"R{FIRST_ROW}"), 4) == 0.6931
    assert round(logistic.value("Training", f"R{LAST_ROW}"), 4) == 0.1736


def test_changing_alpha_and_a_starting_weight_in_the_file_retrains(logistic, written, tmp_path):
    book = openpyxl.load_workbook(written[spreadsheets.LOGISTIC])
    inputs = book["Inputs"]
    assert (inputs["A12"].value, inputs["A16"].value) == ("start w1", "learning rate α")
    inputs["B16"] = 5.0           # "set α to 5 and watch the loss"
    inputs["B12"] = -3.0          # start w1 at -3
    changed = tmp_path / spreadsheets.LOGISTIC
    book.save(changed)
    check_training(Recalculated(changed), 5.0, (-3.0, 0.0, 0.0), 0.0)


# --- 01: the neuron -------------------------------------------------------------------------

def check_neuron(book: Recalculated, w, b: float) -> None:
    X, y = bakery_buns()
    last = BUN_ROW + len(y) - 1
    y_hat = book.column("Neuron", "F", BUN_ROW, last)
    agree("z", book.column("Neuron", "E", BUN_ROW, last), X @ np.array(w) + b)
    agree("ŷ (the neuron's outputs)", y_hat, neuron_forward(X, np.array(w), b))
    decision = book.column("Neuron", "G", BUN_ROW, last)
    np.testing.assert_array_equal(decision, neuron_forward(X, np.array(w), b) >= 0.5)
    agree("accuracy", book.value("Neuron", "B10"), accuracy(neuron_forward(X, np.array(w), b), y))
    # the chart's series: each bun's height in exactly the series of its decision
    for letter, dec in zip("HI", (1, 0)):
        series = book.column("Neuron", letter, BUN_ROW, last)
        member = decision == dec
        assert member.any() and not member.all(), "both colours should be in the chart"
        agree(f"chart series {letter}", series[member].astype(float), X[member, 1])
        assert all(str(v) == "#N/A" for v in series[~member]), f"series {letter}"
    if w[1] != 0:
        agree("decision boundary", [book.value("Neuron", "L14"), book.value("Neuron", "L15")],
              [-(w[0] * 3.5 + b) / w[1], -(w[0] * 7.5 + b) / w[1]])


def test_neuron_equals_nblib(neuron):
    check_neuron(neuron, spreadsheets.NEURON_W, spreadsheets.NEURON_B)
    # notebook 01's hand computation for the first bun: y_hat = 0.7350
    assert round(neuron.value("Neuron", f"F{BUN_ROW}"), 4) == 0.7350


def test_changing_the_weights_recomputes_every_bun(neuron):
    # the boundary through the rejects' corner (exercise 3): w = (-1, -1), b = 9
    changed = neuron.recalculated(Neuron__B7=-1.0, Neuron__B8=-1.0, Neuron__B9=9.0)
    check_neuron(changed, (-1.0, -1.0), 9.0)


# --- every computed cell is a formula -------------------------------------------------------

def test_every_computed_cell_is_a_formula(written):
    training = openpyxl.load_workbook(written[spreadsheets.LOGISTIC])["Training"]
    stored = [cell.coordinate for row in training.iter_rows(min_row=FIRST_ROW, max_row=LAST_ROW)
              for cell in row if not str(cell.value).startswith("=")]
    assert stored == [f"A{FIRST_ROW}"], f"Training cells holding numbers: {stored}"
    assert len(next(training.iter_rows(min_row=FIRST_ROW, max_row=FIRST_ROW))) == 30
    neuron = openpyxl.load_workbook(written[spreadsheets.NEURON])["Neuron"]
    stored = [cell.coordinate for row in neuron.iter_rows(min_row=BUN_ROW, max_row=BUN_ROW + 199,
                                                          min_col=5, max_col=9)
              for cell in row if not str(cell.value).startswith("=")]
    assert not stored, f"Neuron cells holding numbers: {stored}"


def test_each_sheet_says_what_it_mirrors_and_what_to_try(written):
    for file_name, notebook in ((spreadsheets.NEURON, "notebooks/01_neuron.ipynb"),
                                (spreadsheets.LOGISTIC, "notebooks/03_log_loss.ipynb")):
        book = openpyxl.load_workbook(written[file_name])
        for sheet in book.worksheets:
            note = " ".join(str(sheet[f"A{r}"].value) for r in range(1, 6))
            assert notebook in note, f"{file_name} {sheet.title}: which notebook?"
    inputs = " ".join(str(c.value) for c in openpyxl.load_workbook(
        written[spreadsheets.LOGISTIC])["Inputs"]["A"][:6])
    assert "set α to 5 and watch the loss" in inputs
    neuron = " ".join(str(c.value) for c in openpyxl.load_workbook(
        written[spreadsheets.NEURON])["Neuron"]["A"][:6])
    assert "Try:" in neuron


def test_the_charts_plot_the_loss_and_the_buns_by_decision(written):
    inputs = openpyxl.load_workbook(written[spreadsheets.LOGISTIC])["Inputs"]
    [chart] = inputs._charts
    [series] = chart.series
    assert series.val.numRef.f == f"'Training'!$R${FIRST_ROW}:$R${LAST_ROW}"
    assert COLUMNS["mean_loss"] == ["R"]
    neuron = openpyxl.load_workbook(written[spreadsheets.NEURON])["Neuron"]
    [chart] = neuron._charts
    last = BUN_ROW + 199
    assert [s.yVal.numRef.f for s in chart.series] == (
        [f"'Neuron'!${c}${BUN_ROW}:${c}${last}" for c in "HI"] + ["'Neuron'!$L$14:$L$15"])


# --- deterministic, and the committed copies are current ------------------------------------

def test_two_runs_give_identical_files(written, tmp_path):
    again = spreadsheets.write(tmp_path)
    for path in again:
        # the two things that change with the time of writing, named if they do
        with zipfile.ZipFile(path) as archive:
            dates = {info.date_time for info in archive.infolist()}
            core = archive.read("docProps/core.xml").decode()
        assert dates == {spreadsheets.ZIP_TIME}, (
            f"{path.name}: zip entries dated {sorted(dates)}, not fixed: the file depends on "
            "when it was written")
        stamps = re.findall(r"<dcterms:(?:created|modified)[^>]*>([^<]*)<", core)
        assert stamps == [spreadsheets.FIXED_TIME] * 2, (
            f"{path.name}: docProps/core.xml is stamped {stamps}, not {spreadsheets.FIXED_TIME}")
        assert path.read_bytes() == written[path.name].read_bytes(), (
            f"{path.name}: two runs of tools/spreadsheets.py wrote different bytes")


def entries(path: Path) -> list[tuple[str, tuple, bytes]]:
    """A workbook's zip entries, uncompressed: another zlib may compress the same entries
    into other bytes, so the committed copies are compared by what they hold."""
    with zipfile.ZipFile(path) as archive:
        return [(info.filename, info.date_time, archive.read(info.filename))
                for info in archive.infolist()]


def test_the_committed_workbooks_are_what_the_tool_writes(written):
    for file_name, path in written.items():
        committed = spreadsheets.COMMITTED / file_name
        fix = (f"run python tools/spreadsheets.py "
               f"{spreadsheets.COMMITTED.relative_to(ROOT)} and commit the result")
        assert committed.is_file(), f"{committed} is missing: {fix}"
        assert entries(committed) == entries(path), (
            f"{committed.relative_to(ROOT)} differs from what tools/spreadsheets.py writes: {fix}")
