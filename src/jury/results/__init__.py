"""A run's result: the record type, its derivation from judgments, and the run log it is saved as."""
