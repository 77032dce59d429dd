"""jury: a panel of diverse judge models compares a candidate model with a baseline."""

__version__ = "0.1.0"
