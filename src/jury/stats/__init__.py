"""Pure statistics over votes: no I/O, no model calls."""
