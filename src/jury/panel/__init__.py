"""Panels of judges: specs from panels/*.yaml, judging strategies, aggregation of votes."""
