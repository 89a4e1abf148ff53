"""Reports for staff: read-only views of visits and the authen report (seed §7.2)."""
