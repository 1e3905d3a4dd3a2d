"""Test harness: run `musubi` in this process, killed by SIGKILL at a chosen point of its work.

    python tests/fault_runner.py --kill WHEN:MODULE:FUNCTION[:N] -- ARGS…

WHEN is ``before`` (the N-th call of FUNCTION, default the first, never starts) or ``after``
(it returns, then the process dies). FUNCTION is looked up in MODULE when called, so the patch
reaches every caller that names it through MODULE. With ``--hold FILE`` the point, instead of
killing, writes FILE and then waits for FILE + ".go" to exist: a test can hold a process there.
Production code knows nothing of this: the patch is made here, in the child process only.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import os
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def at_point(spec: str, act) -> None:  # noqa: ANN001
    when, module_name, name, *nth = spec.split(":")
    if when not in ("before", "after"):
        raise SystemExit(f"--kill/--hold: {when!r} is not before or after")
    module = importlib.import_module(module_name)
    owner, _, attribute = name.rpartition(".")
    target = getattr(module, owner) if owner else module
    original = getattr(target, attribute)
    wanted = int(nth[0]) if nth else 1
    calls = 0

    @functools.wraps(original)
    def patched(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        nonlocal calls
        calls += 1
        if when == "before" and calls == wanted:
            act()
        result = original(*args, **kwargs)
        if when == "after" and calls == wanted:
            act()
        return result

    setattr(target, attribute, patched)


def kill() -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def hold(flag: Path) -> None:
    flag.write_text(str(os.getpid()))
    go = flag.with_name(flag.name + ".go")
    while not go.exists():
        time.sleep(0.02)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kill", help="WHEN:MODULE:FUNCTION[:N]")
    parser.add_argument("--hold", nargs=2, metavar=("SPEC", "FILE"))
    parser.add_argument("args", nargs=argparse.REMAINDER)
    options = parser.parse_args()
    if options.kill:
        at_point(options.kill, kill)
    if options.hold:
        spec, flag = options.hold
        at_point(spec, lambda: hold(Path(flag)))
    from matcher.cli.main import main as musubi  # after sys.path, as the console script would

    args = options.args[1:] if options.args[:1] == ["--"] else options.args
    musubi(args, prog_name="musubi")


if __name__ == "__main__":
    main()
