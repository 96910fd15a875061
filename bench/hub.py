"""Benchmark: how many learners one server holds — a class on a live JupyterHub.

Sets up a class with ``hub/setup.sh`` (as the hub tier does: users, groups, ports and folders of
its own, all removed afterwards), then for each N (default 5, 10, 20) starts the hub afresh and
lets N learners log in *at the same moment*, as a class does at the start of a session. Each
learner, over HTTP as a browser would: logs in, waits for their server, loads JupyterLab, starts a
kernel and runs the first code cell of ``02-gd-1d`` (numpy, matplotlib and the course's modules:
"the course imported"). Reported per N:

* login → running kernel: seconds from the log-in POST to the reply of that first cell, median
  and slowest over the N learners;
* memory per learner: the proportional set size (PSS: shared pages divided among their users) of
  each learner's processes, server and kernel, averaged; and the drop of the machine's
  ``MemAvailable`` divided by N.

Needs root (it creates unix users and runs JupyterHub), node/npm, python3-venv: without root it
says so and writes a "skipped" row. Usage::

    sudo .venv/bin/python bench/hub.py [--n 5 10 20] [--json FILE] [--source DIR]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import json
import os
import re
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "hub"))

ASSIGNMENT = "02-gd-1d"
LOGIN_TO_KERNEL_S = 600


def first_code_cell(source: Path) -> str:
    """The first code cell of the assignment's learner copy (its imports)."""
    nb = json.loads((source / "course" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            return "".join(cell["source"])
    raise ValueError("no code cell")


def run_cell(ws_url: str, cookie: str, xsrf: str, code: str, timeout: float) -> None:
    """Execute ``code`` on a kernel's websocket; raise unless it replies ``ok``."""
    import websocket

    ws = websocket.create_connection(ws_url, header=[f"Cookie: {cookie}", f"X-XSRFToken: {xsrf}"],
                                     timeout=timeout)
    try:
        msg_id = uuid.uuid4().hex
        ws.send(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "bench",
                       "session": uuid.uuid4().hex, "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell",
            "content": {"code": code, "silent": False, "store_history": True,
                        "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}}))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            reply = json.loads(ws.recv())
            if (reply.get("msg_type") == "execute_reply"
                    and reply.get("parent_header", {}).get("msg_id") == msg_id):
                content = reply["content"]
                if content.get("status") != "ok":
                    raise RuntimeError(f"the cell failed: {content.get('ename')}: "
                                       f"{content.get('evalue')}")
                return
        raise TimeoutError("no execute_reply")
    finally:
        ws.close()


def login_to_kernel(url: str, user: str, password: str, code: str) -> tuple[float, int]:
    """One learner: log in, wait for the server, load JupyterLab, start a kernel, run ``code``.

    A kernel websocket that drops is opened again (as JupyterLab does), at most twice.

    Returns
    -------
    (float, int)
        Seconds from the log-in request to the cell's reply, and how many times the kernel's
        websocket had to be opened again.
    """
    import requests

    s = requests.Session()
    page = s.get(f"{url}/hub/login", timeout=60)
    page.raise_for_status()
    start = time.monotonic()
    s.post(f"{url}/hub/login?next=", timeout=120,
           data={"username": user, "password": password, "_xsrf": s.cookies.get("_xsrf", "")})
    deadline = start + LOGIN_TO_KERNEL_S
    base = f"{url}/user/{user}"
    while True:
        # what the browser loads: the spawn page until the server is up, then (after the
        # OAuth redirects that give this session the server's cookie) JupyterLab
        r = s.get(f"{base}/lab", timeout=60)
        if r.status_code == 200 and r.url.split("?")[0].endswith(f"/user/{user}/lab"):
            break
        if time.monotonic() > deadline:
            raise TimeoutError(f"{user}: no server after {LOGIN_TO_KERNEL_S} s")
        time.sleep(0.25)
    # the server's own XSRF cookie (the hub has one too, on another path)
    xsrf = next((c.value for c in s.cookies if c.name == "_xsrf" and c.path.startswith("/user")),
                "")
    r = s.post(f"{base}/api/kernels", json={"name": "python3"}, timeout=120,
               headers={"X-XSRFToken": xsrf})
    r.raise_for_status()
    kernel = r.json()["id"]
    cookie = "; ".join(f"{c.name}={c.value}" for c in s.cookies)
    ws_url = re.sub(r"^http", "ws", f"{base}/api/kernels/{kernel}/channels")
    import websocket

    reconnects = 0
    while True:
        try:
            run_cell(ws_url, cookie, xsrf, code, timeout=deadline - time.monotonic())
            break
        except (websocket.WebSocketConnectionClosedException, ConnectionError):
            if reconnects == 2:
                raise
            reconnects += 1
            time.sleep(1.0)
    return time.monotonic() - start, reconnects


def mem_available_mb() -> float:
    text = Path("/proc/meminfo").read_text()
    return int(re.search(r"MemAvailable:\s+(\d+)", text).group(1)) / 1024  # type: ignore[union-attr]


def pss_by_user(uids: dict[int, str]) -> dict[str, dict[str, float]]:
    """PSS in MB of each user's processes: their server and their kernels."""
    import psutil

    out: dict[str, dict[str, float]] = {name: {"server": 0.0, "kernel": 0.0} for name in uids.values()}
    for proc in psutil.process_iter(["uids", "cmdline"]):
        with contextlib.suppress(psutil.Error):
            uid = proc.info["uids"].real
            if uid not in uids:
                continue
            kind = "kernel" if "ipykernel_launcher" in " ".join(proc.info["cmdline"] or []) else "server"
            out[uids[uid]][kind] += proc.memory_full_info().pss / 2**20
    return out


def one_round(hub: Any, n: int, code: str) -> dict[str, Any]:
    """Start the hub, let ``n`` learners log in at once; measure; stop everything (Ctrl-C)."""
    import hubdriver

    hub.start()
    time.sleep(2)
    before = mem_available_mb()
    users = hub.learners[:n]
    seconds: dict[str, float] = {}
    reconnects = 0
    failed: dict[str, str] = {}
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=n) as pool:
            futures = {pool.submit(login_to_kernel, hub.url, u, hub.password, code): u
                       for u in users}
            for f in concurrent.futures.as_completed(futures):
                try:
                    seconds[futures[f]], again = f.result()
                    reconnects += again
                except Exception as exc:  # one learner's failure is a result, not the end
                    failed[futures[f]] = f"{type(exc).__name__}: {exc}"[:200]
        if not seconds:
            raise RuntimeError(f"no learner reached a kernel: {failed}")
        time.sleep(3)                    # let the last kernels settle before weighing
        after = mem_available_mb()
        pss = pss_by_user({hub.uid(u): u for u in users})
    finally:
        hub.interrupt(timeout=120)
        hubdriver.kill_all(hub.uids())
    per = [v["server"] + v["kernel"] for v in pss.values()]
    return {
        "n": n,
        "login_to_kernel_median_s": statistics.median(seconds.values()),
        "login_to_kernel_max_s": max(seconds.values()),
        "pss_per_learner_mb": statistics.mean(per),
        "pss_server_mb": statistics.mean(v["server"] for v in pss.values()),
        "pss_kernel_mb": statistics.mean(v["kernel"] for v in pss.values()),
        "mem_available_drop_per_learner_mb": (before - after) / n,
        "reached_kernel": len(seconds), "reconnects": reconnects, "failed": failed,
    }


def skipped(reason: str, out: str | None) -> int:
    print(f"hub benchmark skipped: {reason}")
    if out:
        Path(out).write_text(json.dumps({"skipped": reason, "rows": [
            {"what": "learners on one server (JupyterHub)", "value": f"skipped: {reason}",
             "goal": "—"}]}, indent=1))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, nargs="+", default=[5, 10, 20], help="class sizes")
    ap.add_argument("--json", metavar="FILE")
    ap.add_argument("--source", metavar="DIR", default=str(REPO),
                    help="the course checkout to install (default: this one)")
    args = ap.parse_args()
    if os.geteuid() != 0:
        return skipped("needs root: it creates unix users and runs JupyterHub "
                       "(sudo .venv/bin/python bench/hub.py)", args.json)
    import hubdriver

    why = hubdriver.missing_requirement()
    if why:
        return skipped(why, args.json)
    hubdriver.remove_leftovers()
    hub = hubdriver.ClassHub(source=Path(args.source), n_learners=max(args.n))
    results = []
    try:
        hub.setup()
        code = first_code_cell(hub.source)
        for n in sorted(args.n):
            r = one_round(hub, n, code)
            results.append(r)
            print(f"N={n:3d}: login -> kernel median {r['login_to_kernel_median_s']:.1f} s, "
                  f"slowest {r['login_to_kernel_max_s']:.1f} s; per learner PSS "
                  f"{r['pss_per_learner_mb']:.0f} MB (server {r['pss_server_mb']:.0f}, kernel "
                  f"{r['pss_kernel_mb']:.0f}), MemAvailable -{r['mem_available_drop_per_learner_mb']:.0f} MB; "
                  f"{r['reached_kernel']}/{n} reached a kernel, {r['reconnects']} websocket(s) reopened",
                  flush=True)
    finally:
        hub.cleanup()
    rows = []
    for r in results:
        rows.append({"what": f"hub: {r['n']} learners log in at once: login → kernel with the "
                             "course imported (median / slowest)",
                     "value": f"{r['login_to_kernel_median_s']:.1f} s / "
                              f"{r['login_to_kernel_max_s']:.1f} s"
                              + (f"; {r['reached_kernel']} of {r['n']} reached a kernel"
                                 if r["failed"] else "")
                              + (f"; {r['reconnects']} kernel websocket(s) reopened"
                                 if r["reconnects"] else ""), "goal": "—"})
        rows.append({"what": f"hub: {r['n']} learners: memory per learner (PSS, server + kernel; "
                             "MemAvailable drop)",
                     "value": f"{r['pss_per_learner_mb']:.0f} MB ({r['pss_server_mb']:.0f} + "
                              f"{r['pss_kernel_mb']:.0f}); {r['mem_available_drop_per_learner_mb']:.0f} MB",
                     "goal": "—"})
    if args.json:
        Path(args.json).write_text(json.dumps({"rounds": results, "rows": rows,
                                               "setup_seconds": hub.timings}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
