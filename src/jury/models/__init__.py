"""Every model call, local or remote, goes through litellm from here."""
