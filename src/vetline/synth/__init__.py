"""Realistic synthetic data with ground truth: a membership, a surge, reference lists.

`generate(out, members=..., applicants=..., days=..., seed=...)` writes the files of
docs/formats.md ("Synthetic data"); the same arguments always give byte-identical files.
The surge starts at `DEFAULT_START` (Monday 2023-07-10 06:00 UTC) unless `start` is given.

How it works: a population of people in households (`people.py`, `places.py`) is drawn
first; every record of every file is rendered from a person, so the truth is known by
construction. Applicants who are really on a list reuse that person and are then corrupted
(`corrupt.py`); namesakes and household members are new people planted next to genuine
applicants (`plant.py`).

truth.csv — one row per (applicant, related record):
- `match`: the same person. Every such pair is listed, planted or not, including each
  applicant's own register entry and a later application by the same person (the later one
  points at the earlier one). `corruption` names what differs, `+`-joined, from: nickname,
  initials, typo_first, typo_last, accent_strip, swap_names, hyphenated, half_surname,
  married_name, moved, dob_swap, missing, case_space, new_email, and on the candidates list
  known_as (standing under a familiar name). Empty: only formatting differs (postcode spacing,
  "Rd", phone format, a DD/MM/YYYY date) — matchers must take that in their stride. A
  `match` to `register` with `moved` means registered at an old address only.
- `namesake`: same folded first name and surname, different person. Listed for every
  candidates-list record and, on lists with addresses, when planted or living in the same
  postcode district. `corruption` says `same_address` (e.g. father and son) or
  `same_district` where that holds.
- `household`: same surname and address, different first name, different person;
  `corruption` is `shared_email` when they share an e-mail address.
- `coordinated` (an extension of the documented relations): an application in a cluster of
  sign-ups made within minutes of each other; `target_file` is `applications` and
  `target_id` the cluster's first application; `corruption` reads
  `cluster=N;kind=fake|entryist;shared=phone+payment_ref+email_domain` (what they share;
  `fake` identities are on no register, `entryist` ones are a rival party's members).
"""

from __future__ import annotations

from vetline.synth.generate import DEFAULT_START, STEPS, SynthSummary, generate

__all__ = ["DEFAULT_START", "STEPS", "SynthSummary", "generate"]
