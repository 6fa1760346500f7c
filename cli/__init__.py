"""The ``skact`` command line (installed as the import package ``skact_cli``).

Run ``skact --help``; the commands live in :mod:`skact_cli.main`.
"""
