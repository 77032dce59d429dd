"""Option sets shared by the commands that run a panel (`run`, `judge`, `estimate`): each option is
declared once here, and each command lists only the options it uses, so `--help` never shows an
option a command ignores."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jury.results.failures import DEFAULT_MAX_FAILED as DEFAULT_MAX_FAILED
from jury.workflows.pipeline import DEFAULT_CANDIDATE, DEFAULT_PANEL

INPUTS, PANEL, CALLS, OUTPUT = "What is judged", "Who judges", "Model calls", "Output"

Task = Annotated[
    str | None,
    typer.Option(
        help="Task name (from tasks/ or lm-eval's registry) or path to an lm-eval task YAML or data file. Default: "
        "the instructions the imported outputs files carry, else the built-in demo task.",
        rich_help_panel=INPUTS,
    ),
]
Candidate = Annotated[
    str,
    typer.Option(
        help="Model to evaluate, as a litellm model string (local/... runs in-process).", rich_help_panel=INPUTS
    ),
]
CandidateOutputs = Annotated[
    Path | None,
    typer.Option(
        help="Judge these answers instead of generating them (JSONL/CSV, AlpacaEval, MT-Bench, Arena-Hard or "
        "lm-eval --log_samples file).",
        rich_help_panel=INPUTS,
    ),
]
RequiredCandidateOutputs = Annotated[
    Path,
    typer.Option(
        help="The answers to judge (JSONL/CSV, AlpacaEval, MT-Bench, Arena-Hard or lm-eval --log_samples file).",
        rich_help_panel=INPUTS,
    ),
]
CandidateName = Annotated[
    str | None,
    typer.Option(
        help="Name to report for imported answers (default: the model named in the file, else its name).",
        rich_help_panel=INPUTS,
    ),
]
BaselineOutputs = Annotated[
    Path | None,
    typer.Option(
        help="File of baseline answers: JSONL/JSON/CSV (id or instruction, output), AlpacaEval, MT-Bench or "
        "Arena-Hard answers. Default: the task's own baseline answers.",
        rich_help_panel=INPUTS,
    ),
]
Baseline = Annotated[
    str | None,
    typer.Option(
        "--baseline",
        help="A model that answers as the baseline (a litellm model string, e.g. openai/gpt-4o-mini): generated, "
        "cached and resumed like the candidate's answers.",
        rich_help_panel=INPUTS,
    ),
]
BaselineName = Annotated[
    str | None,
    typer.Option(help="Name to report for the baseline answers (default: the file's name).", rich_help_panel=INPUTS),
]
Limit = Annotated[int | None, typer.Option(min=1, help="Judge only the first N items.", rich_help_panel=INPUTS)]
Columns = Annotated[
    str | None,
    typer.Option(
        help="Column mapping for plain JSONL/CSV files, e.g. prompt=question,id=qid,output=answer.",
        rich_help_panel=INPUTS,
    ),
]
AllowPartial = Annotated[
    bool,
    typer.Option(
        help="Drop items an imported answers file has no answer for (the report counts them) instead of failing.",
        rich_help_panel=INPUTS,
    ),
]
HumanLabelsFile = Annotated[
    Path | None,
    typer.Option(
        "--human-labels",
        help="An annotation tool's export of human labels on this run's items (CSV/JSONL with item_id, optional "
        "turn, and winner: candidate/baseline/tie): checked before anything is called, then added to the run "
        "so the report gives the human-anchored win rate.",
        rich_help_panel=OUTPUT,
    ),
]
Panel = Annotated[str, typer.Option(help="Panel name (from panels/) or path to a panel YAML.", rich_help_panel=PANEL)]
ExcludeSameFamily = Annotated[
    bool,
    typer.Option(
        help="Leave out judges of the candidate's model family (self-preference); the report names them.",
        rich_help_panel=PANEL,
    ),
]
Seed = Annotated[
    int,
    typer.Option(
        help="Seed of the resampled CIs (kappa) and of the items sampled into the reports.", rich_help_panel=OUTPUT
    ),
]
ReportsDir = Annotated[Path, typer.Option(help="Where reports/RUN-ID/ is written.", rich_help_panel=OUTPUT)]
Store = Annotated[
    Path | None,
    typer.Option(
        help="State folder holding the cache of every model call. Default: $JURY_HOME or ./.jury", rich_help_panel=CALLS
    ),
]
Concurrency = Annotated[
    int,
    typer.Option(
        min=1,
        help="Simultaneous requests per remote provider (local models always run one at a time).",
        rich_help_panel=CALLS,
    ),
]
MaxCost = Annotated[
    float | None,
    typer.Option(
        min=0,
        help="Stop before the run's spend could exceed this many US dollars (litellm's offline "
        "prices); what was judged is reported as a partial run.",
        rich_help_panel=CALLS,
    ),
]
Retries = Annotated[
    int,
    typer.Option(
        min=0,
        help="Retries per call on rate limits, timeouts, connection errors and 5xx (exponential backoff).",
        rich_help_panel=CALLS,
    ),
]
Workers = Annotated[
    int | None,
    typer.Option(
        min=1,
        help="Processes making remote calls (litellm needs ~4 ms of CPU per call). Default: one per "
        "core (at most 4) when one round has 400+ remote calls; 1 keeps every call in this process.",
        rich_help_panel=CALLS,
    ),
]
Timeout = Annotated[
    float, typer.Option(min=1, help="Seconds before a single remote request times out.", rich_help_panel=CALLS)
]
Batch = Annotated[
    bool,
    typer.Option(
        "--batch",
        help="Send the judges' uncached calls through their providers' batch APIs "
        "(OpenAI-compatible ones): about half the price, answers within the provider's 24 h window. "
        "Interrupting is safe: the same command resumes polling.",
        rich_help_panel=CALLS,
    ),
]
BatchPoll = Annotated[
    float,
    typer.Option(
        min=0, help="Seconds between two status checks of a submitted batch (--batch).", rich_help_panel=CALLS
    ),
]
MaxFailed = Annotated[
    float,
    typer.Option(
        min=0.0,
        max=1.0,
        help="Exit with status 1 when more than this share of the judges' verdicts was lost to failed model "
        "calls (the provider errored; unreadable verdicts are counted apart), e.g. 0.05 = 5%. A run with no "
        "verdict at all always exits 1. The report is written either way.",
        rich_help_panel=CALLS,
    ),
]
DryRun = Annotated[
    bool,
    typer.Option(
        "--dry-run",
        help="Print how many calls the run would make and their worst-case cost, then stop.",
        rich_help_panel=OUTPUT,
    ),
]

DEFAULTS = {"candidate": DEFAULT_CANDIDATE, "panel": DEFAULT_PANEL}
