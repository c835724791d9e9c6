"""Training: the plan, the phases and their loop, and everything a step needs (see train/run.py)."""
