"""Run a command against a throwaway PostgreSQL cluster.

    python tests/postgres_server.py pytest -q

Starts a new cluster in a temporary folder (as the `postgres` user when run
as root, since PostgreSQL refuses to run as root), on a free port on
127.0.0.1 with fsync off, sets DATABASE_URL for the command, then stops the
cluster and removes the folder. Without PostgreSQL binaries it fails when
CI=true and otherwise skips with a loud message.
"""

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path


def find_bin_dir():
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    # Debian keeps the server binaries out of PATH; prefer version 15.
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: (not p.endswith("/15/bin"), p)
    )
    for candidate in candidates:
        if Path(candidate, "pg_ctl").exists():
            return Path(candidate)
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main(command):
    bin_dir = find_bin_dir()
    if bin_dir is None or not (bin_dir / "initdb").exists():
        message = (
            "PostgreSQL 15 binaries (initdb, pg_ctl) not found; install Debian's postgresql-15."
        )
        if os.environ.get("CI", "").lower() == "true":
            print(f"ERROR: {message}", file=sys.stderr)
            return 1
        print(
            f"\n{'!' * 70}\nSKIPPING the PostgreSQL run: {message}\n{'!' * 70}\n", file=sys.stderr
        )
        return 0

    as_root = os.geteuid() == 0
    run_as = ["runuser", "-u", "postgres", "--"] if as_root else []
    workdir = Path(tempfile.mkdtemp(prefix="hallingdal-pg-"))
    if as_root:
        shutil.chown(workdir, "postgres", "postgres")
    data_dir, log_file, port = workdir / "data", workdir / "server.log", free_port()
    pg_ctl = [*run_as, str(bin_dir / "pg_ctl"), "-D", str(data_dir)]
    quiet = {"stdout": subprocess.DEVNULL}
    try:
        subprocess.run(
            [
                *run_as,
                str(bin_dir / "initdb"),
                "-D",
                str(data_dir),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
            check=True,
            **quiet,
        )
        options = (
            f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 "
            "-F -c full_page_writes=off -c synchronous_commit=off -c max_connections=50"
        )
        subprocess.run(
            [*pg_ctl, "-o", options, "-l", str(log_file), "-w", "start"], check=True, **quiet
        )
        print(f"PostgreSQL {bin_dir.parent.name} running on 127.0.0.1:{port}", file=sys.stderr)
        env = {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:{port}/hallingdal"}
        return subprocess.run(command, env=env).returncode
    except subprocess.CalledProcessError as error:
        print(f"ERROR: could not start PostgreSQL: {error}", file=sys.stderr)
        if log_file.exists():
            print(log_file.read_text(), file=sys.stderr)
        return 1
    finally:
        subprocess.run([*pg_ctl, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
