"""The `ailex` command: thin subcommands over the stages' plain functions."""
