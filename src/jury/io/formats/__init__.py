"""The ecosystem file formats (AlpacaEval, MT-Bench, Arena-Hard, lm-eval samples, plain rows):
each turns its rows into items and outputs."""
