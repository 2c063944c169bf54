print("livevoiced-bench: not yet")
