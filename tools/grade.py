"""Grade a class's notebooks (README, "Grade a class").

    python tools/grade.py SUBMISSIONS [--out build/grades] [--jobs N]
                          [--time-limit 300] [--memory-limit 4096]
    make grade SUBMISSIONS=folder

Writes OUT/gradebook.csv (✓ ✗ ○ per student and exercise, with totals), OUT/report.html
(pass rates and the class's mistakes, ranked) and OUT/notebooks/STUDENT/NAME.ipynb (each
graded notebook as it ran).  See tools/grading/ for how.
"""

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from grading.execute import MEMORY_LIMIT, TIME_LIMIT  # noqa: E402
from grading.gradebook import note_duplicates, table, write_csv, write_html  # noqa: E402
from grading.run import grade_folder  # noqa: E402
from grading.submissions import load_course  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("submissions", type=Path,
                        help="folder of student-edition notebooks: one per student "
                             "(alice.ipynb) or one folder per student (bob/01_neuron.ipynb)")
    parser.add_argument("--course", type=Path, default=ROOT / "notebooks",
                        help="the instructor's notebooks (default: notebooks/)")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "grades")
    parser.add_argument("--jobs", type=int, default=None,
                        help="notebooks graded at once (default: one per core)")
    parser.add_argument("--time-limit", type=float, default=TIME_LIMIT,
                        help=f"seconds per notebook (default {TIME_LIMIT})")
    parser.add_argument("--memory-limit", type=int, default=MEMORY_LIMIT // 2**20,
                        help=f"MiB per notebook's kernel (default {MEMORY_LIMIT // 2**20})")
    args = parser.parse_args(argv)
    if not args.submissions.is_dir():
        parser.error(f"{args.submissions} is not a folder")
    start = time.monotonic()
    results = grade_folder(args.submissions, args.course, args.out, args.jobs,
                           args.time_limit, args.memory_limit * 2**20)
    note_duplicates(results)
    course = load_course(args.course)
    seconds = time.monotonic() - start
    write_csv(table(results, course), args.out / "gradebook.csv")
    write_html(results, course, args.out / "report.html", seconds)
    graded = sum(result.problem is None for result in results)
    print(f"{len(results)} notebooks, {graded} graded, in {seconds:.0f} s: "
          f"{args.out / 'gradebook.csv'}, {args.out / 'report.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
