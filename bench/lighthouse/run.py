"""Lighthouse on the home, search and trial pages of the demo portal, with Debian's Chromium; prints the four scores.

    (cd bench/lighthouse && npm ci)              # once: installs the pinned lighthouse into node_modules
    .venv/bin/python bench/lighthouse/run.py     # [--keep-reports DIR]

A benchmark, not a CI gate. Targets: accessibility, best practices and SEO >= 95, performance >= 90 (mobile
emulation and simulated throttling, Lighthouse's defaults). The portal runs as bench/demo_server.py serves it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchlib import BenchError  # noqa: E402
from demo_server import demo_portal  # noqa: E402

PAGES = {"home": "/", "search": "/trials?q=cancer", "trial": "/trials/NCT04012996"}
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TARGETS = {"performance": 90, "accessibility": 95, "best-practices": 95, "seo": 95}


def lighthouse(url: str, report: Path) -> dict[str, int]:
    binary = HERE / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        raise BenchError(f"{binary} is missing: run `npm ci` in {HERE}")
    env = dict(os.environ, CHROME_PATH=os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
    command = [
        str(binary),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={report}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)  # noqa: S603
    if done.returncode != 0:
        raise BenchError(f"lighthouse failed on {url}:\n{done.stderr[-2000:]}")
    result = json.loads(report.read_text(encoding="utf-8"))
    return {name: round(result["categories"][name]["score"] * 100) for name in CATEGORIES}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep-reports", type=Path, help="a folder for the JSON reports (default: thrown away)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="portal-lighthouse-") as tmp, demo_portal(Path(tmp), staff=False) as portal:
        reports = args.keep_reports or Path(tmp)
        reports.mkdir(parents=True, exist_ok=True)
        print(f"{'page':8} " + " ".join(f"{name:>15}" for name in CATEGORIES))
        missed = []
        for page, path in PAGES.items():
            scores = lighthouse(portal.base_url + path, reports / f"{page}.json")
            print(f"{page:8} " + " ".join(f"{scores[name]:>15}" for name in CATEGORIES))
            missed += [f"{page} {name} {scores[name]}" for name in CATEGORIES if scores[name] < TARGETS[name]]
        print("targets met" if not missed else "below target: " + ", ".join(missed))


if __name__ == "__main__":
    main()
