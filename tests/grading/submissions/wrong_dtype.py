# affects: relu
# fails: relu: keeps shape and dtype
# message: it returned float64
def relu(x):
    return np.maximum(np.asarray(x), 0).astype(np.float64)
