"""Plan renderers: text (terminal), markdown (pull-request comment), json (machines)."""
