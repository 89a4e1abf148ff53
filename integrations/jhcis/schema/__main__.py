"""Regenerate the reconstruction DDL files: ``python -m integrations.jhcis.schema``."""

from integrations.jhcis.schema import write_ddl_files

for path in write_ddl_files():
    print(path)
