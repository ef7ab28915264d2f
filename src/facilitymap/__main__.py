"""``python -m facilitymap`` runs the CLI."""

from facilitymap.cli import main

main()
