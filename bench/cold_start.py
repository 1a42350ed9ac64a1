"""Cold start of the command line: `--help`, a bad question, and a real answer on the demo index.

    python bench/cold_start.py [--runs 3]

Each run is a fresh process (`python -m assistant ...`), timed from launch to exit;
the demo index is built first if needed. Prints the median of the runs.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "--help": ["--help"],
    "bad question (empty)": ["--index", "demo", "ask", ""],
    'ask "Who mediated?" (demo index)': ["--index", "demo", "ask", "Who mediated?"],
}


def timed(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, check=False)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    subprocess.run([sys.executable, "-m", "assistant", "--index", "demo", "demo"], capture_output=True, check=True)
    for label, command in COMMANDS.items():
        seconds = [timed(command) for _ in range(args.runs)]
        print(
            f"{label:<36} median {statistics.median(seconds):6.2f} s   (runs: {', '.join(f'{s:.2f}' for s in seconds)})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
