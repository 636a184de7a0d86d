"""Where an AccuracyAware run's wall time goes, per evaluation stage, from its debug log.

Usage:
  JAVA_OPTS="-Dorg.slf4j.simpleLogger.defaultLogLevel=debug" pot4j quantize CONFIG --output OUT 2> run.log
  python stage_times.py run.log [UNIT_SECONDS]

Every evaluation pass logs "STAGE: N samples in S s" (Evaluator, debug). This sums them per stage
(numbers and parenthesised iterations stripped): passes, samples, seconds, and milliseconds per sample.
Seconds are per pass, so candidates scored on parallel ranking threads add up to more than the wall
time they took. With UNIT_SECONDS (e.g. the report's timing.validation_pass_seconds) the seconds are
also shown in validation passes. Compare the milliseconds per sample of "capture" and "rank candidate"
with "evaluate int8" to see what a ranking sample costs beyond a whole-model run of the same sample.
"""
import re
import sys

LINE = re.compile(r"Evaluator - (.*?): (\d+) samples in ([\d.]+)s")


def stage_name(raw):
    s = re.sub(r"\(.*?\)", "", raw)
    s = re.sub(r"\b\d+\b", "N", s)
    return " ".join(s.split())


def main(argv):
    if not argv:
        print(__doc__)
        return 2
    unit = float(argv[1]) if len(argv) > 1 else None
    totals = {}
    with open(argv[0], errors="replace") as f:
        for line in f:
            m = LINE.search(line)
            if not m:
                continue
            t = totals.setdefault(stage_name(m.group(1)), [0, 0, 0.0])
            t[0] += 1
            t[1] += int(m.group(2))
            t[2] += float(m.group(3))
    print("| stage | passes | samples | seconds | ms/sample" + (" | validation passes |" if unit else " |"))
    print("|---|---|---|---|---" + ("|---|" if unit else "|"))
    for name, (n, samples, seconds) in totals.items():
        row = f"| {name} | {n} | {samples} | {seconds:.2f} | {1000 * seconds / max(samples, 1):.3f}"
        print(row + (f" | {seconds / unit:.2f} |" if unit else " |"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
