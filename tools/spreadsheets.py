"""Write the spreadsheet companion: notebooks 01 and 03 as live formulas.

    python tools/spreadsheets.py [OUT_DIR]           (default build/spreadsheets; `make spreadsheets`)
    python tools/spreadsheets.py --check DIR         exit 1 unless DIR holds exactly what this writes

Two workbooks, from the course's own data and numbers (``nblib.datasets``):

- ``01_neuron.xlsx``: the 200 bakery buns; each bun's z, ŷ and decision from the editable
  weights and bias of notebook 01 (w = (-2, -3), b = 22, its "One neuron, one bun"
  section), the accuracy, and a scatter chart of the buns coloured by the sheet's decision
  with the decision boundary.
- ``03_logistic_regression.xlsx``: the toy table, the starting weights and bias, the
  learning rate α; one row per iteration of notebook 03's ``train_logistic`` (w = 0,
  b = 0, lr = 1.0, 22 iterations) with each sample's z, ŷ and log loss, the mean loss,
  dz = (ŷ − y)/m, the gradient Xᵀdz and ∂L/∂b, and the next weights; a chart of the loss
  per iteration.

Every computed cell is a formula (openpyxl writes formulas; it does not calculate): a
student who changes α or a weight sees everything recompute.  tests/test_spreadsheets.py
recalculates both workbooks with the ``formulas`` engine and compares with nblib to 1e-9.

The files are deterministic: openpyxl stamps docProps/core.xml with the time of saving and
zip entries carry dates, so both are fixed here (``FIXED_TIME``) and two runs give
byte-identical files.  Copies for download without running anything are committed in
notebooks/spreadsheets/: next to the notebooks, inside the folder `make lab` opens, so a
relative link from 01 and 03 works in JupyterLab and on GitHub alike; the test checks they
hold what this tool writes.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import zipfile
from pathlib import Path

import numpy as np
from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference, ScatterChart, Series
from openpyxl.chart.marker import Marker
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName

from nblib.datasets import bakery_buns, toy_table
from nblib.losses import EPSILON

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "spreadsheets"
#: The committed copies, linked from notebooks 01 and 03 and from the README.
COMMITTED = ROOT / "notebooks" / "spreadsheets"
NEURON = "01_neuron.xlsx"
LOGISTIC = "03_logistic_regression.xlsx"

# Notebook 01, "One neuron, one bun" (cell 51b05dd7): w = np.array([-2.0, -3.0]), b = 22.0.
NEURON_W = (-2.0, -3.0)
NEURON_B = 22.0
# Notebook 03, "The training loop, in full" and "Checked against nblib" (cells f83350f1,
# 7e194f41): train_logistic starts from w = 0, b = 0; train_logistic(X, y, lr=1.0,
# num_epochs=22).  tests/test_spreadsheets.py checks these against the notebooks' code.
LOGISTIC_W = (0.0, 0.0, 0.0)
LOGISTIC_B = 0.0
LOGISTIC_LR = 1.0
LOGISTIC_EPOCHS = 22

#: The time written into docProps/core.xml and onto every zip entry (zip's earliest date).
FIXED_TIME = "1980-01-01T00:00:00Z"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)

TITLE = Font(bold=True, size=14)
BOLD = Font(bold=True)
NOTE = Font(italic=True, color="404040")
#: Cells a student is invited to change.
EDITABLE = PatternFill("solid", fgColor="FFF2CC")
HEADER = PatternFill("solid", fgColor="DDEBF7")
BLUE, ORANGE, GREY = "1F77B4", "FF7F0E", "404040"   # matplotlib's C0, C1: the notebooks' colours


def write_note(ws, row: int, lines: list[str]) -> int:
    """Write ``lines`` one per row in column A from ``row``; return the next free row."""
    for line in lines:
        ws.cell(row=row, column=1, value=line).font = NOTE
        row += 1
    return row


def header_row(ws, row: int, labels: list[str], first_column: int = 1) -> None:
    for offset, label in enumerate(labels):
        cell = ws.cell(row=row, column=first_column + offset, value=label)
        cell.font = BOLD
        cell.fill = HEADER
        cell.alignment = Alignment(horizontal="center")


def name(wb: Workbook, label: str, sheet: str, cell: str) -> None:
    """A workbook-wide name (``alpha``) for one cell, so formulas read like the notebook."""
    wb.defined_names[label] = DefinedName(label, attr_text=f"'{sheet}'!${cell[0]}${cell[1:]}")


# --- 01: the neuron on the bakery buns ----------------------------------------------------

def neuron_workbook() -> Workbook:
    X, y = bakery_buns()
    wb = Workbook()
    ws = wb.active
    ws.title = "Neuron"
    ws["A1"] = "01 · One neuron on the bakery buns"
    ws["A1"].font = TITLE
    write_note(ws, 2, [
        "Mirrors notebooks/01_neuron.ipynb: \"One neuron, one bun\" (w = (-2, -3), b = 22), "
        "\"All buns at once: X @ w + b\" (neuron_forward), \"Where does the neuron say "
        "accept?\" and \"Accuracy\".",
        "Every number right of the labels is a formula of the yellow cells: z = w1·width + "
        "w2·height + b, ŷ = σ(z), decision = 1 (accept) when ŷ ≥ 0.5.",
        "The chart colours each bun by the sheet's decision (blue: the neuron accepts, orange: "
        "it rejects); rows in red: the decision differs from the inspector's label y.",
        "Try: beat 72.5 % (always accept); set b to 21 and watch the line move without "
        "turning; double w1, w2 and b: the line stays, ŷ gets surer; find 90 %.",
    ])

    rows = [("w1 (weight of width)", NEURON_W[0]), ("w2 (weight of height)", NEURON_W[1]),
            ("b (bias)", NEURON_B)]
    for offset, (label, value) in enumerate(rows):
        ws.cell(row=7 + offset, column=1, value=label).font = BOLD
        ws.cell(row=7 + offset, column=2, value=value).fill = EDITABLE
    # Not "w1": that is a cell's address.
    name(wb, "w_1", "Neuron", "B7")
    name(wb, "w_2", "Neuron", "B8")
    name(wb, "bias", "Neuron", "B9")

    first, last = 14, 13 + len(y)
    ws["A10"] = "accuracy"
    ws["A10"].font = BOLD
    ws["B10"] = f"=SUMPRODUCT((G{first}:G{last}=D{first}:D{last})*1)/COUNT(D{first}:D{last})"
    ws["B10"].number_format = "0.0%"
    ws["A11"] = "buns accepted by the neuron"
    ws["A11"].font = BOLD
    ws["B11"] = f"=SUM(G{first}:G{last})"
    ws["C7"] = "yellow cells: change them"
    ws["C7"].font = NOTE

    header_row(ws, 13, ["bun", "width x1 (cm)", "height x2 (cm)", "label y", "z", "ŷ = σ(z)",
                        "decision", "chart: accepted", "chart: rejected"])
    for i, ((width, height), label) in enumerate(zip(X, y)):
        r = first + i
        ws.cell(row=r, column=1, value=i + 1)
        ws.cell(row=r, column=2, value=float(width))
        ws.cell(row=r, column=3, value=float(height))
        ws.cell(row=r, column=4, value=int(label))
        ws.cell(row=r, column=5, value=f"=w_1*B{r}+w_2*C{r}+bias")
        ws.cell(row=r, column=6, value=f"=IF(E{r}>=0,1/(1+EXP(-E{r})),EXP(E{r})/(1+EXP(E{r})))")
        ws.cell(row=r, column=7, value=f"=IF(F{r}>=0.5,1,0)")
        # The chart's two series: a bun's height in the series of its decision, #N/A in the
        # other (a chart skips #N/A), so the colours follow the decision as it is recomputed.
        ws.cell(row=r, column=8, value=f"=IF(G{r}=1,C{r},NA())")
        ws.cell(row=r, column=9, value=f"=IF(G{r}=0,C{r},NA())")
        ws.cell(row=r, column=5).number_format = "0.0000"
        ws.cell(row=r, column=6).number_format = "0.0000"

    # A wrong decision shows as a red row (formatting only: no cell depends on it).
    ws.conditional_formatting.add(f"A{first}:G{last}", FormulaRule(
        formula=[f"$G{first}<>$D{first}"], fill=PatternFill("solid", bgColor="F4CCCC")))

    # The decision boundary w1·x1 + w2·x2 + b = 0 at the chart's left and right edges.
    header_row(ws, 13, ["boundary x1", "boundary x2"], first_column=11)
    for r, x_edge in ((14, 3.5), (15, 7.5)):
        ws.cell(row=r, column=11, value=x_edge)
        ws.cell(row=r, column=12, value=f"=IF(w_2=0,NA(),-(w_1*K{r}+bias)/w_2)")
    ws["K16"] = "(where z = 0: the decision boundary; none drawn when w2 = 0)"
    ws["K16"].font = NOTE

    chart = ScatterChart()
    chart.title = "The buns, coloured by the sheet's decision"
    chart.style = 13
    chart.x_axis.title = "width (cm)"
    chart.y_axis.title = "height (cm)"
    chart.x_axis.scaling.min, chart.x_axis.scaling.max = 3.5, 7.5
    chart.y_axis.scaling.min, chart.y_axis.scaling.max = 2.0, 5.0
    chart.x_axis.delete = chart.y_axis.delete = False
    widths = Reference(ws, min_col=2, min_row=first, max_row=last)
    looks = [("accepted by the neuron", BLUE), ("rejected by the neuron", ORANGE)]
    for column, (title, colour) in enumerate(looks, start=8):
        heights = Reference(ws, min_col=column, min_row=first, max_row=last)
        series = Series(heights, widths, title=title)
        series.marker = Marker(symbol="circle", size=6)
        series.marker.graphicalProperties.solidFill = colour
        series.marker.graphicalProperties.line.solidFill = colour
        series.graphicalProperties.line.noFill = True
        chart.series.append(series)
    boundary = Series(Reference(ws, min_col=12, min_row=14, max_row=15),
                      Reference(ws, min_col=11, min_row=14, max_row=15),
                      title="decision boundary (z = 0)")
    boundary.marker = Marker(symbol="none")
    boundary.graphicalProperties.line.solidFill = GREY
    boundary.graphicalProperties.line.width = 25400      # 2 pt
    chart.series.append(boundary)
    chart.width, chart.height = 18, 12
    ws.add_chart(chart, "N2")

    ws.column_dimensions["A"].width = 26
    for column in range(2, 13):
        ws.column_dimensions[get_column_letter(column)].width = 12
    ws.freeze_panes = "A14"
    return wb


# --- 03: logistic regression on the toy table ---------------------------------------------

#: Columns of the Training sheet, left to right (4 samples, 3 features).
FEATURES, SAMPLES = 3, 4


def training_columns() -> dict[str, list[str]]:
    """Column letters of each group on the Training sheet."""
    groups = [("iteration", 1), ("w", FEATURES), ("b", 1), ("z", SAMPLES), ("y_hat", SAMPLES),
              ("loss", SAMPLES), ("mean_loss", 1), ("dz", SAMPLES), ("dw", FEATURES),
              ("db", 1), ("next_w", FEATURES), ("next_b", 1)]
    columns, index = {}, 1
    for group, width in groups:
        columns[group] = [get_column_letter(index + k) for k in range(width)]
        index += width
    return columns


def logistic_workbook() -> Workbook:
    X, y = toy_table()
    assert X.shape == (SAMPLES, FEATURES)
    wb = Workbook()
    inputs = wb.active
    inputs.title = "Inputs"
    inputs["A1"] = "03 · Logistic regression on the toy table"
    inputs["A1"].font = TITLE
    write_note(inputs, 2, [
        "Mirrors notebooks/03_log_loss.ipynb: \"A logistic regressor on the toy table\", \"The "
        "training loop, in full\" (train_logistic), \"The loss, iteration by iteration\".",
        f"Same numbers: the toy table, w = 0, b = 0, α = lr = {LOGISTIC_LR}, "
        f"{LOGISTIC_EPOCHS} iterations. The sheet Training recomputes from the yellow cells; "
        "the chart shows its loss.",
        "Try: set α to 5 and watch the loss; set α to 0.1 (timid, as in \"Choosing lr\"); "
        "start w1 at -3; change a label y and see which weight follows.",
    ])

    header_row(inputs, 6, ["sample", "x1", "x2", "x3", "y"])
    for i in range(SAMPLES):
        r = 7 + i
        inputs.cell(row=r, column=1, value=i + 1)
        for j in range(FEATURES):
            inputs.cell(row=r, column=2 + j, value=float(X[i, j])).fill = EDITABLE
        inputs.cell(row=r, column=5, value=int(y[i])).fill = EDITABLE

    settings = [("start w1", LOGISTIC_W[0], "w1_0", "train_logistic starts from w = 0"),
                ("start w2", LOGISTIC_W[1], "w2_0", ""),
                ("start w3", LOGISTIC_W[2], "w3_0", ""),
                ("start b", LOGISTIC_B, "b_0", "and b = 0"),
                ("learning rate α", LOGISTIC_LR, "alpha", "lr in the notebook"),
                ("m (samples)", "=COUNT(E7:E10)", "m", "the mean divides by m"),
                ("ε (clip for log)", EPSILON, "eps", "nblib clips ŷ to [ε, 1 − ε] before log")]
    for offset, (label, value, label_name, comment) in enumerate(settings):
        r = 12 + offset
        inputs.cell(row=r, column=1, value=label).font = BOLD
        cell = inputs.cell(row=r, column=2, value=value)
        if label_name not in ("m", "eps"):
            cell.fill = EDITABLE
        inputs.cell(row=r, column=3, value=comment).font = NOTE
        name(wb, label_name, "Inputs", f"B{r}")

    train = wb.create_sheet("Training")
    col = training_columns()
    first, last = 8, 7 + LOGISTIC_EPOCHS

    # The results after the last update, next to the inputs (they read the Training sheet).
    inputs["A20"] = f"after {LOGISTIC_EPOCHS} iterations"
    inputs["A20"].font = BOLD
    results = [("w1", f"=Training!{col['next_w'][0]}{last}"),
               ("w2", f"=Training!{col['next_w'][1]}{last}"),
               ("w3", f"=Training!{col['next_w'][2]}{last}"),
               ("b", f"=Training!{col['next_b'][0]}{last}"),
               ("last loss", f"=Training!{col['mean_loss'][0]}{last}")]
    for offset, (label, formula) in enumerate(results):
        inputs.cell(row=21 + offset, column=1, value=label).font = BOLD
        inputs.cell(row=21 + offset, column=2, value=formula).number_format = "0.0000"
    inputs["C25"] = "the loss before the last update: the notebook's losses[-1]"
    inputs["C25"].font = NOTE
    inputs.column_dimensions["A"].width = 20
    inputs.column_dimensions["C"].width = 12

    train["A1"] = "03 · Training: one row per iteration of train_logistic"
    train["A1"].font = TITLE
    write_note(train, 2, [
        "Each row is one pass of the loop in notebooks/03_log_loss.ipynb, \"The training loop, "
        "in full\": the weights it starts from (row 0: the start on Inputs), then",
        "z = x·w + b and ŷ = σ(z) per sample (σ as in 01's \"A sigmoid that never overflows\"), "
        "log loss per sample, their mean (the notebook's losses[k]),",
        "dz = (ŷ − y)/m, ∂L/∂w = Xᵀdz, ∂L/∂b = Σ dz, and the next weights w − α·∂L/∂w, "
        "b − α·∂L/∂b, where the next row starts. All formulas: edit Inputs, not here.",
        "Want more iterations? Select the last row and fill down.",
    ])

    groups = [("iteration", ["k"]),
              ("w", [f"w{j + 1}" for j in range(FEATURES)]), ("b", ["b"]),
              ("z", [f"z{i + 1}" for i in range(SAMPLES)]),
              ("y_hat", [f"ŷ{i + 1}" for i in range(SAMPLES)]),
              ("loss", [f"loss{i + 1}" for i in range(SAMPLES)]),
              ("mean_loss", ["mean loss"]),
              ("dz", [f"dz{i + 1}" for i in range(SAMPLES)]),
              ("dw", [f"∂L/∂w{j + 1}" for j in range(FEATURES)]), ("db", ["∂L/∂b"]),
              ("next_w", [f"next w{j + 1}" for j in range(FEATURES)]), ("next_b", ["next b"])]
    captions = {"w": "weights used", "z": "z = x·w + b", "y_hat": "ŷ = σ(z)",
                "loss": "−[y log ŷ + (1−y) log(1−ŷ)]", "dz": "(ŷ − y) / m",
                "dw": "Xᵀ dz", "next_w": "w − α ∂L/∂w"}
    for group, labels in groups:
        start = col[group][0]
        header_row(train, 7, labels, first_column=train[f"{start}1"].column)
        if group in captions:
            train[f"{start}6"] = captions[group]
            train[f"{start}6"].font = BOLD

    for k in range(LOGISTIC_EPOCHS):
        r = first + k
        train[f"{col['iteration'][0]}{r}"] = 0 if k == 0 else f"={col['iteration'][0]}{r - 1}+1"
        for j in range(FEATURES):
            start = f"=w{j + 1}_0" if k == 0 else f"={col['next_w'][j]}{r - 1}"
            train[f"{col['w'][j]}{r}"] = start
        train[f"{col['b'][0]}{r}"] = "=b_0" if k == 0 else f"={col['next_b'][0]}{r - 1}"
        w = [f"{col['w'][j]}{r}" for j in range(FEATURES)]
        b = f"{col['b'][0]}{r}"
        for i in range(SAMPLES):
            x = [f"Inputs!${get_column_letter(2 + j)}${7 + i}" for j in range(FEATURES)]
            label = f"Inputs!$E${7 + i}"
            z = f"{col['z'][i]}{r}"
            y_hat = f"{col['y_hat'][i]}{r}"
            train[z] = "=" + "+".join(f"{xj}*{wj}" for xj, wj in zip(x, w)) + f"+{b}"
            train[y_hat] = f"=IF({z}>=0,1/(1+EXP(-{z})),EXP({z})/(1+EXP({z})))"
            clipped = f"MIN(MAX({y_hat},eps),1-eps)"
            train[f"{col['loss'][i]}{r}"] = (f"=-({label}*LN({clipped})"
                                             f"+(1-{label})*LN(1-{clipped}))")
            train[f"{col['dz'][i]}{r}"] = f"=({y_hat}-{label})/m"
        losses = f"{col['loss'][0]}{r}:{col['loss'][-1]}{r}"
        train[f"{col['mean_loss'][0]}{r}"] = f"=AVERAGE({losses})"
        for j in range(FEATURES):
            terms = [f"Inputs!${get_column_letter(2 + j)}${7 + i}*{col['dz'][i]}{r}"
                     for i in range(SAMPLES)]
            train[f"{col['dw'][j]}{r}"] = "=" + "+".join(terms)
            train[f"{col['next_w'][j]}{r}"] = f"={w[j]}-alpha*{col['dw'][j]}{r}"
        train[f"{col['db'][0]}{r}"] = f"=SUM({col['dz'][0]}{r}:{col['dz'][-1]}{r})"
        train[f"{col['next_b'][0]}{r}"] = f"={b}-alpha*{col['db'][0]}{r}"
        for group in col:
            if group != "iteration":
                for letter in col[group]:
                    train[f"{letter}{r}"].number_format = "0.0000"
    train["A" + str(last + 2)] = ("Full precision: widen a column or raise its decimals; the "
                                  "notebook prints 4 decimals too.")
    train["A" + str(last + 2)].font = NOTE
    train.freeze_panes = "B8"
    for letter in [c for group in col.values() for c in group]:
        train.column_dimensions[letter].width = 9.5
    train.column_dimensions[col["mean_loss"][0]].width = 11

    chart = LineChart()
    chart.title = "Log loss per iteration"
    chart.style = 12
    chart.x_axis.title = "iteration k"
    chart.y_axis.title = "mean log loss"
    chart.x_axis.delete = chart.y_axis.delete = False
    chart.add_data(Reference(train, min_col=train[f"{col['mean_loss'][0]}1"].column,
                             min_row=7, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(train, min_col=1, min_row=first, max_row=last))
    chart.series[0].graphicalProperties.line.solidFill = BLUE
    chart.series[0].marker = Marker(symbol="circle", size=5)
    chart.legend = None
    chart.width, chart.height = 16, 9
    inputs.add_chart(chart, "H6")   # right of the table and of the settings' comments
    return wb


# --- deterministic files ------------------------------------------------------------------

_CORE_TIME = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def deterministic_bytes(wb: Workbook) -> bytes:
    """The workbook as .xlsx bytes that do not depend on when they were written.

    openpyxl sets docProps/core.xml's ``modified`` to the time of saving and writes each zip
    entry with the current date; both become ``FIXED_TIME``.  Entry order, compression and
    contents are otherwise openpyxl's.
    """
    raw = io.BytesIO()
    wb.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _CORE_TIME.sub(rb"\g<1>" + FIXED_TIME.encode() + rb"\g<3>", data)
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, data, compresslevel=6)
    return out.getvalue()


WORKBOOKS = {NEURON: neuron_workbook, LOGISTIC: logistic_workbook}


def write(out_dir: Path) -> list[Path]:
    """Write both workbooks into ``out_dir``; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for file_name, make in WORKBOOKS.items():
        path = out_dir / file_name
        path.write_bytes(deterministic_bytes(make()))
        written.append(path)
    return written


def contents(data: bytes) -> list[tuple[str, tuple, bytes]]:
    """An .xlsx's zip entries, uncompressed (another zlib may compress them differently)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(info.filename, info.date_time, archive.read(info.filename))
                for info in archive.infolist()]


def differing(folder: Path) -> list[str]:
    """The workbooks in ``folder`` that are missing or hold other than :func:`write` writes."""
    return [file_name for file_name, make in WORKBOOKS.items()
            if not (folder / file_name).is_file()
            or contents((folder / file_name).read_bytes()) != contents(deterministic_bytes(make()))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=OUT,
                        help="folder for the workbooks (default build/spreadsheets)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 unless the folder holds exactly these files")
    args = parser.parse_args(argv)
    if args.check:
        stale = differing(args.out)
        for file_name in stale:
            print(f"{args.out / file_name} differs from what tools/spreadsheets.py writes: run "
                  f"python tools/spreadsheets.py {args.out}")
        return 1 if stale else 0
    for path in write(args.out):
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    np.seterr(all="raise")
    sys.exit(main())
