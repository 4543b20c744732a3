"""No exercise can be answered by copying a cell above it.

An exercise's answer (the lines between ``# BEGIN SOLUTION`` and ``# END SOLUTION``)
must not stand, line for line, in a code cell that a student has already read: then
the exercise tests scrolling, not understanding.  The prose may derive the answer in
words and maths; the code is the student's.

Lines are compared without spaces and comments.  Two kinds are allowed: short or
trivial lines (``return out``, ``dX, dW, db``-style returns) and *idioms*, a line the
notebook has already shown in three or more cells (04's ``out._backward = _backward``),
which is a pattern to follow rather than an answer to copy.  Checked on every notebook,
so exercises added later are covered too.
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
REGION = re.compile(r"^[ \t]*# BEGIN SOLUTION\n(.*?)^[ \t]*# END SOLUTION", re.M | re.S)
IDIOM_CELLS = 3


def normalised(line: str) -> str:
    return re.sub(r"\s+", "", line.split("#", 1)[0])


def trivial(line: str) -> bool:
    return len(line) < 12 or re.fullmatch(r"return[\w,()]*", line) is not None


def answer_lines(source: str) -> list[str]:
    lines = [normalised(line) for region in REGION.finditer(source)
             for line in region.group(1).splitlines()]
    return [line for line in lines if line and not trivial(line)]


def copied_lines(cells, index: int) -> dict[str, list[int]]:
    """Answer lines of solution cell ``index`` found in earlier code cells (not idioms)."""
    earlier = [(i, {normalised(line) for line in "".join(cell["source"]).splitlines()})
               for i, cell in enumerate(cells[:index]) if cell["cell_type"] == "code"]
    found = {}
    for line in answer_lines("".join(cells[index]["source"])):
        where = [i for i, lines in earlier if line in lines]
        if 0 < len(where) < IDIOM_CELLS:
            found[line] = where
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_answer_stands_in_a_cell_above_its_exercise(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    solutions = [i for i, cell in enumerate(cells)
                 if "solution" in cell.get("metadata", {}).get("tags", [])]
    problems = [f"solution cell {i}: {line!r} already in cell(s) {where}"
                for i in solutions for line, where in copied_lines(cells, i).items()]
    assert not problems, "\n".join(problems)


def test_the_detector_finds_a_copied_line_and_spares_idioms():
    def code(text, tags=()):
        return {"cell_type": "code", "source": text, "metadata": {"tags": list(tags)}}

    idiom = "out._backward = _backward\n"
    cells = [code("z = logits - logits.max(axis=1)\n" + idiom), code(idiom), code(idiom),
             code("def f(logits):\n    # BEGIN SOLUTION\n    z = logits - logits.max(axis=1)  # why\n"
                  "    out._backward = _backward\n    return z\n    # END SOLUTION\n",
                  tags=["solution"])]
    assert copied_lines(cells, 3) == {"z=logits-logits.max(axis=1)": [0]}
