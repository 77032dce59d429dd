"""Pure statistics over votes: no I/O, no model calls.

pairwise / winrate   win rate (ties = ½), SEM, bootstrap CI, discrete rate, paired comparison
length_control       AlpacaEval-2-style length-controlled win rate
bradley_terry        Bradley-Terry ratings (Elo scale, anchor win rate) with bootstrap CIs
kappa / judges       Cohen, Fleiss, Krippendorff; accuracy, order consistency, majority vote, tables
agreement            percent agreement and position consistency on jury's own records
agreement_report     every agreement number for one table of verdicts
ranking              Kendall's tau and Spearman's rho against a reference ranking
summary              all the numbers of one run

Each is checked against an independent reference in tests/test_stats_*.py.
"""
