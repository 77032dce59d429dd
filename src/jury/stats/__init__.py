"""Pure statistics over votes: no I/O, no model calls.

pairwise / winrate   win rate (ties = ½), SEM, CI, discrete rate, paired comparison
intervals            CIs of a mean of scores in [0, 1] that keep coverage at 0 and 1, clusters too
length_control       AlpacaEval-2-style length-controlled win rate
bradley_terry        Bradley-Terry ratings (Elo scale, anchor win rate) with bootstrap CIs
bias                 position and length bias rates, clustered by item and conversation; self-preference
kappa / judges       Cohen, Fleiss, Krippendorff; accuracy, order consistency, majority vote, tables
agreement            percent agreement and position consistency on jury's own records
agreement_report     every agreement number for one table of verdicts
ranking              Kendall's tau and Spearman's rho against a reference ranking
summary              all the numbers of one run

Each is checked against an independent reference in tests/test_stats_*.py.
"""
