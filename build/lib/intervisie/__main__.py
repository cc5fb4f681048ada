"""`python -m intervisie` is the `intervisie` command."""

from intervisie.cli import main

main()
