"""What both applications stand on: the outside systems, one folder each.

``jhcis`` (the clinic's database), ``nhso`` (NHSO's services), ``moph`` (the ministry's)
and ``claim_files`` (the published claim-file layouts). Nothing here imports ``kiosk``
or ``backoffice`` (tests/unit/test_boundaries.py holds that).
"""
