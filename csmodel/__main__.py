"""``python -m csmodel`` runs the command-line interface."""

from csmodel.cli import main

if __name__ == "__main__":
    main()
