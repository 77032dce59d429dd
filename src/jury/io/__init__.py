"""Readers of the files every part of jury uses: strict YAML, JSON/JSONL/CSV rows, labels, verdicts, outputs."""
