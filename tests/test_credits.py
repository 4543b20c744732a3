"""The course says whose lessons it builds on: in each notebook, after its Further reading,
and in the README's "Sources and credits".

Each notebook names the sources it draws on in a "**Sources and credits**" block after
its "## Summary" (next to its Further reading), and the README lists every source.
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Which sources each notebook draws on: a phrase that names each.
SOURCES = {
    "01_neuron": ["Andy Corbett", "Andrew Trask"],
    "02_gradients": ["Andy Corbett"],
    "03_log_loss": ["Andrew Trask"],
    "04_autograd": ["Karpathy", "Abhishek Chaudhary"],
    "05_mlp": ["Andy Corbett", "Karpathy", "From Neuron to Neural Network"],
    "06_mnist": ["Building Neural Network from scratch", "LeCun", "makemore"],
}
README_SOURCES = ["Andy Corbett", "Coding Neurons from Scratch", "Building a neural net from scratch",
                  "Andrew Trask", "micrograd", "From Neuron to Neural Network",
                  "Abhishek Chaudhary", "Towards AI", "Building Neural Network from scratch",
                  "LeCun", "Cortes", "Burges", "makemore"]


def credits_of(name: str) -> str:
    """The text of the notebook's "Sources and credits" block (up to the next bold heading)."""
    cells = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))["cells"]
    summary = next(i for i, cell in enumerate(cells)
                   if "".join(cell["source"]).startswith("## Summary"))
    text = "\n".join("".join(cell["source"]) for cell in cells[summary:]
                     if cell["cell_type"] == "markdown"
                     and "navigation" not in cell.get("metadata", {}).get("tags", []))
    block = re.search(r"\*\*Sources and credits\*\*\n(.*?)(?=\n\*\*|\Z)", text, re.S)
    assert block, f"{name}: no **Sources and credits** after its Summary"
    return re.sub(r"\s+", " ", block.group(1))     # a name may be broken across lines


def test_every_notebook_is_listed():
    assert sorted(SOURCES) == sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_each_notebook_credits_its_sources(name):
    block = credits_of(name)
    missing = [source for source in SOURCES[name] if source not in block]
    assert not missing, f"{name}: Sources and credits does not name {missing}"


def test_the_readme_lists_every_source():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^## Sources and credits\n(.*?)(?=^## |\Z)", readme, re.S | re.M)
    assert section, "README.md has no '## Sources and credits' section"
    text = re.sub(r"\s+", " ", section.group(1))
    missing = [source for source in README_SOURCES if source not in text]
    assert not missing, f"README's Sources and credits does not name {missing}"
