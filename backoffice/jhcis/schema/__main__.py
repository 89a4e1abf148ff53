"""Regenerate the reconstruction DDL files: ``python -m backoffice.jhcis.schema``."""

from backoffice.jhcis.schema import write_ddl_files

for path in write_ddl_files():
    print(path)
