"""Human review: the queue, claims, four-eyes decisions, conflicts, appeals, notices, responses,
bulk confirmation of the administrative track and decision memory.

`vetline.cases.service` is the API the CLI and the web call; every rule (who may do what) is
enforced there, not in a user interface.
"""
