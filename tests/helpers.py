"""Builders shared by tests: small tasks and panels written into a temporary folder."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Iterator
from pathlib import Path

PROBE_PROMPT = "Q: {question}\nRef: {reference}\nAnswer: {answer}\nCorrect:"
PAIRWISE_PROMPT = "Q: {question}\n[A]\n{answer_a}\n[B]\n{answer_b}\nVerdict:"
LIKELIHOOD_PROMPT = "Q: {question}\n"
PROMPT_FILES = {"pointwise_probe": "probe.txt", "likelihood": "likelihood.txt"}


def write_task(folder: Path, rows: list[dict], name: str = "mini") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"{name}.jsonl").open("w") as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")
    path = folder / f"{name}.yaml"
    path.write_text(
        f"task: {name}\n"
        "dataset_path: json\n"
        f"dataset_kwargs:\n  data_files:\n    test: {name}.jsonl\n"
        "test_split: test\noutput_type: generate_until\n"
        'doc_to_text: "{{instruction}}"\ndoc_to_target: "{{reference}}"\n'
        "generation_kwargs:\n  until: []\n  max_gen_toks: 32\n"
        "metadata:\n  version: 1.0\n  jury:\n    id_field: id\n    baseline_field: baseline\n"
        "    baseline_name: base\n"
    )
    return path


def write_panel(folder: Path, judges: list[dict], tie_rule: str = "tie", name: str = "test") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "probe.txt").write_text(PROBE_PROMPT)
    (folder / "pairwise.txt").write_text(PAIRWISE_PROMPT)
    (folder / "likelihood.txt").write_text(LIKELIHOOD_PROMPT)
    lines = [f"name: {name}", "mode: jury", "aggregation:", "  rule: majority", f"  tie_rule: {tie_rule}", "judges:"]
    for j in judges:
        prompt = PROMPT_FILES.get(j["strategy"], "pairwise.txt")
        lines += [
            f"  - name: {j['name']}",
            f"    model: {j['model']}",
            f"    family: {j.get('family', j['name'])}",
            f"    strategy: {j['strategy']}",
            f"    prompt: {prompt}",
            *(f"    {key}: {j[key]}" for key in ("parser", "tie_margin") if key in j),
        ]
        if j.get("api_base"):
            lines.append(f"    api_base: {j['api_base']}")
    path = folder / f"{name}.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


ROWS = [
    {"id": "q1", "instruction": "What is 1+1?", "reference": "2", "baseline": "It is 2."},
    {"id": "q2", "instruction": "Capital of Italy?", "reference": "Rome", "baseline": "Milan."},
    {"id": "q3", "instruction": "Opposite of up?", "reference": "down", "baseline": "Down."},
    {"id": "q4", "instruction": "Colour of grass?", "reference": "green", "baseline": "Blue."},
]

# What the scripted candidate answers: right on q1, q2, q4; wrong on q3.
CANDIDATE_ANSWERS = {
    "What is 1+1?": "2",
    "Capital of Italy?": "Rome",
    "Opposite of up?": "sideways",
    "Colour of grass?": "green",
}


@contextlib.contextmanager
def serve_in_thread(app) -> Iterator[str]:
    """An aiohttp app on a free 127.0.0.1 port, served from a thread; yields its /v1 base URL."""
    from aiohttp import web

    loop = asyncio.new_event_loop()
    started = threading.Event()
    holder: dict = {}

    def serve() -> None:
        asyncio.set_event_loop(loop)
        runner = web.AppRunner(app, access_log=None)
        loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        loop.run_until_complete(site.start())
        holder["port"] = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        holder["runner"] = runner
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    started.wait(10)
    try:
        yield f"http://127.0.0.1:{holder['port']}/v1"
    finally:
        asyncio.run_coroutine_threadsafe(holder["runner"].cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


def read_run(folder: Path) -> dict:
    """A run folder's run.json as tests read it: the reported results, with the record's own fields
    (spec, calls, items) where the former results.json had them."""
    record = json.loads((folder / "run.json").read_text())
    spec = record["spec"]
    return {
        **record["results"],
        "record": record,
        "run_id": record["run_id"],
        "status": record["status"],
        "candidate": spec["candidate"],
        "baseline": spec["baseline"],
        "panel": spec["panel"],
        "model_calls": record["model_calls"],
        "cached_calls": record["cached_calls"],
        "usage": record["usage"],
        "task": {
            "name": spec["task"]["name"],
            "n_items": len(record["items"]),
            "n_dropped": len(spec["dropped_items"]),
            "dropped_items": spec["dropped_items"],
        },
    }
