"""A worker's memory under many different addresses: `python bench/worker_memory.py`.

Builds the production-mode site with the large data set (bench/run.py's
build_site), starts gunicorn with one sync worker and the page cache on (in
the worker's own memory, as without Redis), and reads the worker's resident
memory (VmRSS) after every page has been served once, and again after
serving each page under a few hundred addresses that differ only in a
tracking parameter (`?utm_source=N`), as links shared on social media do.
Such parameters are not part of the page cache's key, so the pages stay one
entry each and the worker's memory stays flat; a cache keyed on the whole
address would keep a copy per address until its memory limit.

    python bench/worker_memory.py                  # 400 addresses per page
    python bench/worker_memory.py --addresses 100
"""

import argparse
import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import PROGRAMME_SLUG, PROJECT_PLAN_SLUG, Server, build_site  # noqa: E402

PAGES = [
    "/nn/",
    f"/nn/programmes/{PROGRAMME_SLUG}/",
    "/nn/funding/",
    f"/nn/documents/{PROJECT_PLAN_SLUG}/",
    "/en/",
]
# More than this after all the addresses counts as growing.
GROWTH_LIMIT_MB = 16


def worker_pids(master_pid):
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    return [int(pid) for pid in children]


def resident_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def get(url):
    with urllib.request.urlopen(url, timeout=30) as response:
        response.read()
        return response.status


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addresses", type=int, default=400)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hallingdal-memory-") as directory:
        workdir = Path(directory)
        environment = build_site(workdir, f"sqlite:///{workdir}/bench.sqlite3")
        environment["WEB_CONCURRENCY"] = "1"
        with Server(environment, workdir, page_cache=True) as server:
            (worker,) = worker_pids(server.process.pid)
            for page in PAGES:
                for _ in range(3):
                    get(server.url(page))
            before = resident_mb(worker)
            statuses = set()
            for number in range(options.addresses):
                for page in PAGES:
                    statuses.add(get(server.url(f"{page}?utm_source=share{number}")))
            after = resident_mb(worker)
    requests = options.addresses * len(PAGES)
    growth = after - before
    print(
        f"one gunicorn worker, page cache on: {before:.1f} MB after each of {len(PAGES)} pages "
        f"once, {after:.1f} MB after {requests:,} requests to {requests:,} different addresses "
        f"(growth {growth:+.1f} MB, limit {GROWTH_LIMIT_MB}); answers {sorted(statuses)}"
    )
    met = growth <= GROWTH_LIMIT_MB and statuses == {200}
    print(f"  {'met   ' if met else 'MISSED'} worker memory flat under many addresses")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
