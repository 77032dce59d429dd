"""The in-process llama.cpp provider for the embedded models, registered with litellm as `local/...`."""
