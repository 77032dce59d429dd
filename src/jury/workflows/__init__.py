"""Everything that opens a model client: the run pipeline, the cost estimate, calibration, the injection probe."""
