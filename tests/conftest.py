import os

# Rich wraps help text to the terminal width; pin it so CLI output is stable.
os.environ.setdefault("COLUMNS", "120")
os.environ.setdefault("TERM", "dumb")
