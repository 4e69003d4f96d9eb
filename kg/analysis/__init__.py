"""The networkx view, paths, centrality, communities, network export, diff and stats."""
