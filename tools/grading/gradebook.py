"""Write what grading found: ``gradebook.csv`` for the marks, ``report.html`` for teaching.

The gradebook has one row per student and one column per exercise, holding ✓ (pass),
✗ (fail), ○ (not done) or nothing (not graded: the notes say why), then each
notebook's total and the student's total of ✓, then the notes.

The report shows what to teach next: for each exercise its pass rate, and the
mistakes the checks diagnosed, ranked by how many students made them, each with the
check's own message; then every student's verdicts, and what went wrong while
grading.  It is one HTML file with its figure inline, so it opens offline.
"""

from __future__ import annotations

import csv
import html
import io
from collections import Counter, defaultdict
from pathlib import Path

from grading.grade import FAIL, MARKS, PASS, TODO, Result
from grading.submissions import CourseNotebook


def _latest(results: list[Result]) -> dict[tuple[str, str], Result]:
    """One graded result per (student, notebook): the last one by path."""
    return {(result.student, result.notebook): result for result in results
            if result.problem is None}


def note_duplicates(results: list[Result]) -> None:
    """Say in its notes which submission counts when a student handed in a notebook twice."""
    chosen = _latest(results)
    for result in results:
        if result.problem is None and chosen[(result.student, result.notebook)] is not result:
            counted = chosen[(result.student, result.notebook)]
            result.notes.append(f"another submission of {result.notebook}, "
                                f"{Path(counted.path).name}, counts instead of this one")


def columns(results: list[Result], course: dict[str, CourseNotebook]) -> list[str]:
    """The exercise columns: every exercise of every notebook someone handed in."""
    handed_in = sorted({result.notebook for result in results if result.notebook})
    return [exercise.key for name in handed_in for exercise in course[name].exercises]


def table(results: list[Result], course: dict[str, CourseNotebook]) -> list[dict[str, str]]:
    """The gradebook's rows, one per student, in order of name."""
    chosen = _latest(results)
    keys = columns(results, course)
    notebooks = sorted({name for _, name in chosen})
    rows = []
    for student in sorted({result.student for result in results}):
        row = {"student": student}
        notes = []
        for result in results:
            if result.student != student:
                continue
            where = Path(result.path).name
            if result.problem:
                notes.append(f"{where}: not graded: {result.problem}")
            notes.extend(f"{where}: {note}" for note in result.notes)
        total = 0
        for name in notebooks:
            result = chosen.get((student, name))
            verdicts = {verdict.exercise: verdict for verdict in result.verdicts} if result else {}
            passed = sum(verdict.verdict == PASS for verdict in verdicts.values())
            for exercise in course[name].exercises:
                verdict = verdicts.get(exercise.key)
                row[exercise.key] = MARKS[verdict.verdict] if verdict else ""
            row[f"{course[name].number} total"] = (f"{passed}/{len(course[name].exercises)}"
                                                  if result else "")
            total += passed
        row["total ✓"] = str(total)
        row["notes"] = "; ".join(notes)
        rows.append({key: row.get(key, "") for key in ["student", *keys] + [
            f"{course[name].number} total" for name in notebooks] + ["total ✓", "notes"]})
    return rows


def write_csv(rows: list[dict[str, str]], path: Path) -> None:
    """The gradebook as CSV (UTF-8 with a byte-order mark, so that Excel reads ✓ and ✗)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8-sig") as file:
        if not rows:
            file.write("student\n")
            return
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def exercise_summary(results: list[Result], course: dict[str, CourseNotebook]) -> list[dict]:
    """Per exercise: its name, counts of ✓ ✗ ○, and the mistakes ranked by students."""
    chosen = _latest(results)
    summary = []
    for key in columns(results, course):
        counts = Counter()
        mistakes: dict[str, dict] = {}
        students = defaultdict(set)
        lines: dict[str, str] = {}              # student -> the line, for undiagnosed ones
        name = key
        for (student, _), result in chosen.items():
            for verdict in result.verdicts:
                if verdict.exercise != key or verdict.verdict is None:
                    continue
                name = verdict.name or name
                counts[verdict.verdict] += 1
                if verdict.verdict == FAIL:
                    mistake = verdict.mistake or {"id": "undiagnosed",
                                                  "message": "other wrong answers (no typical "
                                                             "mistake recognised)"}
                    mistakes.setdefault(mistake["id"], mistake)
                    students[mistake["id"]].add(student)
                    if not verdict.mistake:     # each says something else: keep their lines
                        lines[student] = verdict.message
        ranked = sorted(mistakes, key=lambda id_: (-len(students[id_]), id_ == "undiagnosed",
                                                   id_))
        graded = sum(counts.values())
        summary.append({"key": key, "name": name, "graded": graded, "pass": counts[PASS],
                        "fail": counts[FAIL], "todo": counts[TODO],
                        "mistakes": [{**mistakes[id_], "students": sorted(students[id_])}
                                     for id_ in ranked],
                        "undiagnosed": dict(sorted(lines.items()))})
    return summary


def _figure_svg(summary: list[dict]) -> str:
    """Pass, fail and not-done rates per exercise, as a horizontal bar chart (inline SVG)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from nblib.plots import CLASS_STYLES, STYLE
    with plt.rc_context(STYLE):
        height = max(2.5, 0.45 * len(summary) + 1.2)
        figure, ax = plt.subplots(figsize=(7.5, height))
        labels = [entry["key"] for entry in summary][::-1]
        left = [0.0] * len(labels)
        for verdict, color, label in ((PASS, CLASS_STYLES[1]["color"], "✓ pass"),
                                      (FAIL, CLASS_STYLES[0]["color"], "✗ fail"),
                                      (TODO, "#BBBBBB", "○ not done")):
            shares = [entry[verdict] / entry["graded"] if entry["graded"] else 0.0
                      for entry in summary][::-1]
            ax.barh(labels, shares, left=left, color=color, label=label)
            left = [a + b for a, b in zip(left, shares)]
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        ax.set_xlabel("share of the students graded")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25 if len(summary) < 6 else -0.1),
                  ncol=3, frameon=False)
        ax.grid(axis="y", visible=False)
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None})
        plt.close(figure)
    svg = out.getvalue()
    return svg[svg.index("<svg"):]


CSS = """
body { font: 16px/1.45 system-ui, sans-serif; max-width: 60em; margin: 2em auto; padding: 0 1em;
       color: #222; }
h1, h2, h3 { line-height: 1.2; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
td.mark { text-align: center; font-size: 1.1em; }
.pass { color: #0072B2; } .fail { color: #B34E00; } .todo { color: #777; }
.count { font-weight: bold; white-space: nowrap; }
.notes { font-size: 0.9em; color: #555; }
figure { margin: 1em 0; } figure svg { max-width: 100%; height: auto; }
"""


def write_html(results: list[Result], course: dict[str, CourseNotebook], path: Path,
               seconds: float | None = None) -> None:
    """The report: what to teach next, each student's verdicts, and what went wrong."""
    e = html.escape
    summary = exercise_summary(results, course)
    rows = table(results, course)
    graded = [result for result in results if result.problem is None]
    parts = [f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
             f"<title>Grades</title><style>{CSS}</style></head><body>",
             "<h1>Grades</h1>",
             f"<p>{len(results)} notebooks from {len({r.student for r in results})} students: "
             f"{len(graded)} graded, {len(results) - len(graded)} not graded"
             + (f", in {seconds:.0f} s" if seconds is not None else "") + ".</p>"]
    if summary:
        parts += ["<h2>What to teach next</h2>", f"<figure>{_figure_svg(summary)}</figure>"]
    for entry in summary:
        rate = (f"{entry['pass']}/{entry['graded']} ({entry['pass'] / entry['graded']:.0%})"
                if entry["graded"] else "none graded")
        parts.append(f"<h3>{e(entry['key'])}: {e(entry['name'])}</h3><p>"
                     f"<span class='pass'>✓ {rate} passed</span>, "
                     f"<span class='fail'>✗ {entry['fail']} failed</span>, "
                     f"<span class='todo'>○ {entry['todo']} not done</span>.</p>")
        if entry["mistakes"]:
            parts.append("<table><tr><th>mistake (the check's message)</th><th>students</th>"
                         "</tr>")
            for mistake in entry["mistakes"]:
                count = len(mistake["students"])
                said = e(mistake["message"])
                if mistake["id"] == "undiagnosed":
                    said += "<details><summary>what each check said</summary><ul>" + "".join(
                        f"<li>{e(student)}: {e(line)}</li>"
                        for student, line in entry["undiagnosed"].items()) + "</ul></details>"
                parts.append(f"<tr><td>{said}</td><td><span class='count'>"
                             f"{count} student{'s' if count != 1 else ''}</span>: "
                             f"{e(', '.join(mistake['students']))}</td></tr>")
            parts.append("</table>")
    if rows:
        header = list(rows[0])
        parts += ["<h2>Students</h2>", "<p>Hover over a mark to see the check's message.</p>",
                  "<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in header) + "</tr>"]
        messages = {(verdict.exercise, result.student): verdict
                    for result in _latest(results).values() for verdict in result.verdicts}
        for row in rows:
            cells = []
            for key in header:
                verdict = messages.get((key, row["student"]))
                if verdict is not None:
                    kind = verdict.verdict or "todo"
                    cells.append(f"<td class='mark {kind}' title='{e(verdict.message)}'>"
                                 f"{e(row[key])}</td>")
                elif key == "notes":
                    cells.append(f"<td class='notes'>{e(row[key])}</td>")
                else:
                    cells.append(f"<td>{e(row[key])}</td>")
            parts.append("<tr>" + "".join(cells) + "</tr>")
        parts.append("</table>")
    problems = [result for result in results if result.problem or result.notes]
    if problems:
        parts += ["<h2>What happened while grading</h2>", "<ul>"]
        for result in problems:
            said = [f"not graded: {result.problem}"] if result.problem else []
            said += result.notes
            parts.append(f"<li><b>{e(result.student)}</b>, {e(result.path)}: "
                         f"{e('; '.join(said))}</li>")
        parts.append("</ul>")
    parts.append("</body></html>\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts), encoding="utf-8")
