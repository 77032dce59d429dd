"""Human labels for a run: a sampling plan says which pairs to ask (plan.py), a session walks one labeller
through it and appends every answer to reports/RUN-ID/human_labels.jsonl the moment it is given (session.py,
log.py), in a local web page (server.py, page.py) or in the terminal (tty.py). The file is read back, with
undo rows and superseded labels resolved, by jury.io.human_labels."""
