"""Answer quality next to energy: SQuAD scoring and real-weight model location."""
