"""Leaderboards: a board is a folder (board.yaml, submissions/, results/) that can live in git.

board        the board's config and its append-only submission log; submitting judges a file
standings    the numbers per model, from the stats package (win rate, LC win rate, Bradley-Terry)
render       leaderboard.md / .html / .csv from the standings
"""
