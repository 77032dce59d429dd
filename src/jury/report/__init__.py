"""Rendering of run results: files under reports/<run-id>/ and terminal tables. No statistics here."""
